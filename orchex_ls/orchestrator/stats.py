"""What history says about an agent, per task type: quality, latency and cost estimates.

Quality is the mean of a Beta posterior whose prior is the configured ``quality`` worth
``PRIOR_WEIGHT`` observations: a new agent starts at its prior and history moves it, a little
at first. Latency is an exponentially weighted mean and the 95th percentile of recent calls.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from ..storage.store import StatsDelta

PRIOR_WEIGHT = 10.0
EWMA_ALPHA = 0.2
RECENT = 64


class Stats:
    __slots__ = ("agent", "task_type", "successes", "failures", "calls", "cost_total", "tokens_in_total",
                 "tokens_out_total", "ewma_ms", "recent", "p95_ms")

    def __init__(self, agent: str, task_type: str) -> None:
        self.agent = agent
        self.task_type = task_type
        self.successes = 0
        self.failures = 0
        self.calls = 0
        self.cost_total = 0.0
        self.tokens_in_total = 0
        self.tokens_out_total = 0
        self.ewma_ms: float | None = None
        self.recent: deque[float] = deque(maxlen=RECENT)
        self.p95_ms: float | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Stats:
        s = cls(row["agent"], row["task_type"])
        s.successes, s.failures, s.calls = int(row["successes"]), int(row["failures"]), int(row["calls"])
        s.cost_total = float(row["cost_total"])
        s.tokens_in_total, s.tokens_out_total = int(row["tokens_in_total"]), int(row["tokens_out_total"])
        s.ewma_ms = row["latency_ewma_ms"]
        s.recent.extend(row.get("latency_recent") or [])
        s._update_p95()
        return s

    def quality(self, prior: float) -> float:
        a = prior * PRIOR_WEIGHT + self.successes
        b = (1.0 - prior) * PRIOR_WEIGHT + self.failures
        return a / (a + b)

    def mean_tokens_out(self) -> float | None:
        return self.tokens_out_total / self.calls if self.calls else None

    def _update_p95(self) -> None:
        if self.recent:
            ordered = sorted(self.recent)
            self.p95_ms = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]

    def observe(self, outcome: bool | None, latency_ms: float | None, cost_usd: float,
                tokens_in: int, tokens_out: int) -> StatsDelta:
        """Count one attempt. ``outcome``: True succeeded, False the agent's failure, None
        neither (rate limited, cancelled: says nothing about its quality). ``latency_ms``:
        only for calls that got an answer."""
        ok, bad = int(outcome is True), int(outcome is False)
        self.successes += ok
        self.failures += bad
        self.calls += ok + bad
        self.cost_total += cost_usd
        self.tokens_in_total += tokens_in
        self.tokens_out_total += tokens_out
        if latency_ms is not None:
            self.ewma_ms = latency_ms if self.ewma_ms is None else self.ewma_ms + EWMA_ALPHA * (latency_ms - self.ewma_ms)
            self.recent.append(latency_ms)
            self._update_p95()
        # The recent latencies (for p95) are written now and then, not on every call: the
        # counters are what must not be lost; a restart rebuilds the tail from a slightly older list.
        keep = latency_ms is not None and (len(self.recent) < 8 or self.calls % 8 == 0)
        return StatsDelta(
            agent=self.agent, task_type=self.task_type, successes=ok, failures=bad, cost_usd=cost_usd,
            tokens_in=tokens_in, tokens_out=tokens_out,
            latency_ewma_ms=self.ewma_ms if latency_ms is not None else None,
            latency_recent=tuple(self.recent) if keep else None,
        )

    def summary(self, prior: float) -> dict[str, Any]:
        return {
            "task_type": self.task_type, "successes": self.successes, "failures": self.failures,
            "quality": round(self.quality(prior), 4),
            "latency_ewma_ms": None if self.ewma_ms is None else round(self.ewma_ms, 1),
            "latency_p95_ms": None if self.p95_ms is None else round(self.p95_ms, 1),
            "mean_cost_usd": round(self.cost_total / self.calls, 6) if self.calls else None,
        }
