"""Token buckets, the circuit breaker and answer validators, on a fake clock."""

from __future__ import annotations

import asyncio

import pytest

from orchex_ls.orchestrator.circuit import CircuitBreaker
from orchex_ls.orchestrator.limits import AgentSlots, Balancer, QueueFull, TokenBucket
from orchex_ls.orchestrator.validators import one_python_block


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_holds_one_seconds_worth_and_refills_at_the_rate():
    clock = Clock()
    bucket = TokenBucket(120, clock)  # 2 per second
    assert bucket.capacity == 2
    for _ in range(2):
        assert bucket.delay(1) == 0
        bucket.take(1)
    assert bucket.delay(1) == pytest.approx(0.5)
    clock.now += 0.5
    assert bucket.delay(1) == 0


def test_bucket_lets_one_oversized_call_through_and_the_next_pays_its_debt():
    clock = Clock()
    bucket = TokenBucket(600, clock, floor=1)  # 10 tokens per second, capacity 10
    assert bucket.delay(50) == 0
    bucket.take(50)
    assert bucket.delay(1) == pytest.approx(4.1)


def test_circuit_opens_after_failures_in_the_window_then_half_opens_for_one_probe():
    clock = Clock()
    breaker = CircuitBreaker(failures=3, window_s=10, cooldown_s=5, clock=clock)
    assert not breaker.failure() and not breaker.failure()
    clock.now += 11  # the first two fall out of the window
    assert not breaker.failure() and not breaker.failure()
    assert breaker.failure()
    assert breaker.state == "open" and "circuit open" in breaker.blocked()
    assert not breaker.allow()
    clock.now += 5
    assert breaker.state == "half-open" and breaker.blocked() is None
    assert breaker.allow()
    assert not breaker.allow() and "probe" in breaker.blocked()
    assert breaker.failure()  # the probe failed: open again
    assert breaker.state == "open"
    clock.now += 5
    assert breaker.allow()
    assert breaker.success() and breaker.state == "closed"


def test_a_neutral_outcome_frees_the_probe():
    clock = Clock()
    breaker = CircuitBreaker(failures=1, window_s=10, cooldown_s=1, clock=clock)
    breaker.failure()
    clock.now += 1
    assert breaker.allow()
    breaker.neutral()
    assert breaker.allow()


async def test_full_queue_rejects_at_once_with_the_reason():
    slots = AgentSlots(max_concurrency=1, rpm=None, tpm=None)
    balancer = Balancer(queue_max=1)
    await balancer.acquire(slots, 10, "a")  # takes the only slot
    waiter = asyncio.ensure_future(balancer.acquire(slots, 10, "a"))
    await asyncio.sleep(0)
    assert balancer.waiting == 1 and slots.load == 1.0
    with pytest.raises(QueueFull, match=r"queue full: 1 tasks already wait .*queue-max = 1.*1/1 calls in flight"):
        await balancer.acquire(slots, 10, "a")
    slots.release()
    await waiter
    assert slots.in_flight == 1 and balancer.waiting == 0


async def test_a_cancelled_waiter_leaves_the_queue():
    slots = AgentSlots(max_concurrency=1, rpm=None, tpm=None)
    balancer = Balancer(queue_max=5)
    await balancer.acquire(slots, 1, "a")
    waiter = asyncio.ensure_future(balancer.acquire(slots, 1, "a"))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert balancer.waiting == 0 and slots.waiting == 0
    slots.release()
    await balancer.acquire(slots, 1, "a")
    assert slots.in_flight == 1


@pytest.mark.parametrize("answer, verdict", [
    ("```python\ndef f():\n    return 1\n```", None),
    ("Here it is:\n\n```\nx = 1\n```\nDone.", None),
    ("no code at all", "expected exactly one fenced code block, found 0"),
    ("```python\nx = 1\n```\n```python\ny = 2\n```", "expected exactly one fenced code block, found 2"),
    ("```python\ndef f(:\n```", "the code block does not parse"),
    ("```javascript\nlet x = 1;\n```", "marked 'javascript'"),
])
def test_refactor_answers_need_one_python_block_that_parses(answer, verdict):
    result = one_python_block(answer)
    if verdict is None:
        assert result is None
    else:
        assert verdict in result
