"""The agent registry at run time: each configured agent with its limits, health and history."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..config import AgentConfig, OrchexConfig, RoutingConfig, builtin_agent
from .circuit import CircuitBreaker
from .limits import AgentSlots
from .stats import Stats

DEFAULT_LATENCY_MS = 2000.0  # a remote model nobody has timed yet
BUILTIN_LATENCY_MS = 50.0
DEFAULT_TOKENS_OUT = 400


def agent_configs(config: OrchexConfig) -> list[AgentConfig]:
    """The configured agents, plus the builtin one as the last tier unless configured."""
    agents = list(config.agents)
    if not any(a.is_builtin or a.name == "builtin" for a in agents):
        agents.append(builtin_agent())
    return agents


class Agent:
    """One agent: its configuration and everything the router and balancer need about it."""

    def __init__(self, config: AgentConfig, index: int, routing: RoutingConfig,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.name = config.name
        self.index = index
        self.builtin = config.is_builtin
        self.tier = config.tier
        self.task_types = frozenset(config.served_task_types)
        self.stats: dict[str, Stats] = {}
        c = routing.circuit
        self.breaker = CircuitBreaker(c.failures, c.window_s, c.cooldown_s, clock)
        self.slots = AgentSlots(config.max_concurrency, config.rpm, config.tpm, clock)
        self.unhealthy: str | None = None
        self.cooling_until = 0.0  # monotonic; set by a Retry-After too long to wait for
        self._clock = clock
        self._prices: tuple[float, float] | None = None
        if self.builtin:
            self._prices = (0.0, 0.0)
        elif config.cost_per_1k_input is not None and config.cost_per_1k_output is not None:
            self._prices = (config.cost_per_1k_input, config.cost_per_1k_output)

    def stats_for(self, task_type: str) -> Stats:
        stats = self.stats.get(task_type)
        if stats is None:
            stats = self.stats[task_type] = Stats(self.name, task_type)
        return stats

    def prices(self) -> tuple[float, float]:
        """USD per 1000 input and output tokens: configured, else litellm's cost map (loaded
        on first need), else 0 (a local or unknown model)."""
        if self._prices is None:
            from .providers import model_cost

            c = self.config
            try:
                per_in = c.cost_per_1k_input if c.cost_per_1k_input is not None else model_cost(c.model, 1000, 0, None, None)
                per_out = c.cost_per_1k_output if c.cost_per_1k_output is not None else model_cost(c.model, 0, 1000, None, None)
            except Exception:  # noqa: BLE001 - an unknown model is free as far as we can tell
                per_in = per_out = 0.0
            self._prices = (float(per_in or 0.0), float(per_out or 0.0))
        return self._prices

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        per_in, per_out = self.prices()
        return (tokens_in * per_in + tokens_out * per_out) / 1000.0

    def expected_tokens_out(self, task_type: str, max_tokens: int | None) -> int:
        stats = self.stats.get(task_type)
        mean = stats.mean_tokens_out() if stats else None
        guess = int(mean) if mean else DEFAULT_TOKENS_OUT
        return min(guess, max_tokens) if max_tokens else guess

    def latency(self, task_type: str) -> tuple[float, float | None]:
        """(expected ms, p95 ms): the EWMA and the 95th percentile, or the prior."""
        stats = self.stats.get(task_type)
        if stats is None or stats.ewma_ms is None:
            return (BUILTIN_LATENCY_MS if self.builtin else DEFAULT_LATENCY_MS), None
        return stats.ewma_ms, stats.p95_ms

    def blocked(self) -> str | None:
        """Why the agent takes no call now (health, circuit, Retry-After), or None."""
        if self.unhealthy:
            return f"unhealthy: {self.unhealthy}"
        reason = self.breaker.blocked()
        if reason:
            return reason
        left = self.cooling_until - self._clock()
        if left > 0:
            return f"rate limited: the provider asked to wait {left:.1f} s more (Retry-After)"
        return None

    def status(self) -> dict[str, Any]:
        c = self.config
        return {
            "name": self.name, "model": c.model, "tier": c.tier, "task_types": sorted(self.task_types),
            "local": c.local or self.builtin, "api_base": c.api_base, "api_key_env": c.api_key_env,
            "health": "unhealthy" if self.unhealthy else "ok", "unhealthy_reason": self.unhealthy,
            "circuit": self.breaker.state, "in_flight": self.slots.in_flight,
            "max_concurrency": c.max_concurrency, "rpm": c.rpm, "tpm": c.tpm,
            "quality_prior": c.quality, "context_window": c.context_window,
            "stats": [s.summary(c.quality) for s in sorted(self.stats.values(), key=lambda s: s.task_type)],
        }
