"""Per-agent limits: calls in flight (``max-concurrency``), requests and tokens per minute
(token buckets), and the bounded queue of tasks waiting for a slot (``queue-max``).

A bucket holds one second's worth of its per-minute rate (at least one request, or one
call's tokens) and refills continuously, so an agent never sees more than ``rpm / 60``
requests per second on average, nor bursts of more than a second's worth. Waiting tasks
pass one at a time, in arrival order, per agent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class QueueFull(Exception):
    """No slot now and the queue is at ``queue-max``: the task is rejected at once."""


class TokenBucket:
    def __init__(self, per_minute: float, clock: Callable[[], float] = time.monotonic, floor: float = 1.0) -> None:
        self.rate = per_minute / 60.0  # units per second
        self.capacity = max(floor, self.rate)
        self.level = self.capacity
        self._clock = clock
        self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        self.level = min(self.capacity, self.level + (now - self._at) * self.rate)
        self._at = now

    def delay(self, amount: float) -> float:
        """Seconds until ``amount`` can be taken (0: now). More than the capacity can be taken
        from a full bucket, leaving a debt that later calls wait for."""
        self._refill()
        need = min(amount, self.capacity)
        return 0.0 if self.level >= need else (need - self.level) / self.rate

    def take(self, amount: float) -> None:
        self._refill()
        self.level -= amount

    def give_back(self, amount: float) -> None:
        """Correct an estimate: negative ``amount`` takes more."""
        self._refill()
        self.level = min(self.capacity, self.level + amount)


class AgentSlots:
    """One agent's concurrency and rate limits."""

    def __init__(self, max_concurrency: int, rpm: int | None, tpm: int | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_concurrency = max_concurrency
        self.requests = TokenBucket(rpm, clock) if rpm else None
        self.tokens = TokenBucket(tpm, clock) if tpm else None
        self.in_flight = 0
        self.waiting = 0
        self._gate = asyncio.Lock()
        self._freed: asyncio.Future[None] | None = None

    @property
    def load(self) -> float:
        """Share of the agent's capacity in use or asked for (0 idle, 1 full or worse)."""
        return min(1.0, (self.in_flight + self.waiting) / self.max_concurrency)

    def _delay(self, tokens: int) -> float:
        delay = 0.0
        if self.requests is not None:
            delay = self.requests.delay(1)
        if self.tokens is not None:
            delay = max(delay, self.tokens.delay(tokens))
        return delay

    def _take(self, tokens: int) -> None:
        if self.requests is not None:
            self.requests.take(1)
        if self.tokens is not None:
            self.tokens.take(tokens)
        self.in_flight += 1

    def ready(self, tokens: int) -> bool:
        return not self._gate.locked() and self.in_flight < self.max_concurrency and self._delay(tokens) == 0.0

    async def wait(self, tokens: int) -> None:
        """Wait for a slot (FIFO per agent); the caller has counted itself as waiting."""
        async with self._gate:
            while self.in_flight >= self.max_concurrency:
                self._freed = asyncio.get_running_loop().create_future()
                await self._freed
            while (delay := self._delay(tokens)) > 0:
                await asyncio.sleep(delay)
                while self.in_flight >= self.max_concurrency:  # someone took it while we slept
                    self._freed = asyncio.get_running_loop().create_future()
                    await self._freed
            self._take(tokens)

    def release(self, estimated_tokens: int = 0, actual_tokens: int | None = None) -> None:
        self.in_flight -= 1
        if self.tokens is not None and actual_tokens is not None:
            self.tokens.give_back(estimated_tokens - actual_tokens)
        if self._freed is not None and not self._freed.done():
            self._freed.set_result(None)


class Balancer:
    """Hands out agent slots; at most ``queue_max`` tasks wait at once, over all agents."""

    def __init__(self, queue_max: int) -> None:
        self.queue_max = queue_max
        self.waiting = 0

    async def acquire(self, slots: AgentSlots, tokens: int, agent: str) -> None:
        if slots.ready(tokens):
            slots._take(tokens)
            return
        if self.waiting >= self.queue_max:
            raise QueueFull(
                f"queue full: {self.waiting} tasks already wait for an agent slot (queue-max = {self.queue_max}); "
                f"{agent} has {slots.in_flight}/{slots.max_concurrency} calls in flight"
            )
        self.waiting += 1
        slots.waiting += 1
        try:
            await slots.wait(tokens)
        finally:
            self.waiting -= 1
            slots.waiting -= 1
