"""A circuit breaker per agent: closed → open → half-open → closed.

``failures`` transient failures within ``window_s`` open it: the agent gets no calls for
``cooldown_s``. Then it is half-open: one call goes through as a probe; success closes it,
failure opens it again.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Literal

State = Literal["closed", "open", "half-open"]


class CircuitBreaker:
    def __init__(self, failures: int, window_s: float, cooldown_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = failures
        self.window_s = window_s
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._failures: deque[float] = deque()
        self._state: State = "closed"
        self._opened_at = 0.0
        self._probing = False

    @property
    def state(self) -> State:
        if self._state == "open" and self._clock() >= self._opened_at + self.cooldown_s:
            return "half-open"
        return self._state

    def blocked(self) -> str | None:
        """Why no call may go through now (no side effect: routing asks this)."""
        state = self.state
        if state == "open":
            left = self._opened_at + self.cooldown_s - self._clock()
            return f"circuit open for {left:.1f} s more ({self.threshold} failures within {self.window_s:g} s)"
        if state == "half-open" and self._probing:
            return "circuit half-open: a probe call is in flight"
        return None

    def allow(self) -> bool:
        """Take the right to call (in half-open state: the single probe)."""
        state = self.state
        if state == "closed":
            return True
        if state == "half-open" and not self._probing:
            self._state = "half-open"
            self._probing = True
            return True
        return False

    def success(self) -> bool:
        """A call went well. True if that closed the circuit."""
        self._probing = False
        self._failures.clear()
        if self._state != "closed":
            self._state = "closed"
            return True
        return False

    def failure(self) -> bool:
        """A transient failure. True if that opened the circuit."""
        now = self._clock()
        self._probing = False
        if self._state == "half-open":
            self._open(now)
            return True
        if self._state == "open":
            return False
        self._failures.append(now)
        while self._failures and self._failures[0] < now - self.window_s:
            self._failures.popleft()
        if len(self._failures) >= self.threshold:
            self._open(now)
            return True
        return False

    def neutral(self) -> None:
        """A call ended in a way that says nothing about the agent's health."""
        self._probing = False

    def _open(self, now: float) -> None:
        self._state = "open"
        self._opened_at = now
        self._failures.clear()

    def restore_open(self, seconds_ago: float) -> None:
        """Another process (or an earlier run) opened it ``seconds_ago``."""
        if seconds_ago < self.cooldown_s:
            self._state = "open"
            self._opened_at = self._clock() - max(0.0, seconds_ago)
