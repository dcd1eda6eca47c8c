"""Routing: which agents may take a task, and in which order they are tried.

Filters, in order: task type, the ``local`` requirement, governance (``policy``), health
(unhealthy, circuit open, Retry-After), context window, budget. The agents left are scored:

    score = (w_q * quality + w_c * cost + w_l * latency + w_load * load) / (w_q + w_c + w_l + w_load)

with every part in 0..1, higher is better: quality is the Beta posterior mean; cost and
latency are min-max normalised over the candidates (the cheapest and the fastest get 1);
load is 1 - (calls in flight + waiting) / max-concurrency. Tiers are the fallback chain
(all of tier 1, then 2, then 3); ``strategy`` orders the agents within a tier: ``score``
(highest first), ``tier`` (as configured), ``cheapest``, ``fastest``. A default builtin agent
comes after the configured agents of its tier.
"""

from __future__ import annotations

from collections.abc import Callable

from ..config import AgentConfig, RoutingConfig
from .agents import Agent
from .budget import Budget
from .models import CandidateScore, RoutingDecision, Task

Policy = Callable[[Task, AgentConfig], "str | None"]


def _norm(value: float, low: float, high: float) -> float:
    return 1.0 if high <= low else 1.0 - (value - low) / (high - low)


class Router:
    def __init__(self, agents: list[Agent], routing: RoutingConfig, budget: Budget | None = None,
                 policy: Policy | None = None) -> None:
        self.agents = agents
        self.routing = routing
        self.budget = budget
        self.policy = policy
        w = routing.weights
        total = w.quality + w.cost + w.latency + w.load
        self._w = (w.quality / total, w.cost / total, w.latency / total, w.load / total)

    def filter(self, agent: Agent, task: Task, tokens_in: int, task_spent: float = 0.0,
               spent: tuple[float, float] | None = None, min_window: int | None = None) -> tuple[str, str] | None:
        """``(category, reason)`` when ``agent`` may not take ``task`` now, else None."""
        if task.task_type not in agent.task_types:
            return "task_type", f"does not serve {task.task_type!r} (serves {', '.join(sorted(agent.task_types))})"
        if task.local_only and not (agent.config.local or agent.builtin):
            return "local", "not local, and the task must not leave this machine"
        if self.policy is not None:
            refusal = self.policy(task, agent.config)
            if refusal:
                return "policy", f"policy: {refusal}"
        blocked = agent.blocked()
        if blocked:
            return "health", blocked
        window = agent.config.context_window
        if window is not None and tokens_in > window:
            return "context_window", f"context window {window} tokens < the task's ~{tokens_in}"
        if min_window is not None and (window is None or window <= min_window):
            return "context_window", f"context window {window or 'unknown'} is not larger than {min_window} (failed before)"
        if self.budget is not None and self.budget.limited:
            expected = agent.cost(tokens_in, agent.expected_tokens_out(task.task_type, task.max_tokens))
            reason = self.budget.blocked(expected, task_spent, spent)
            if reason:
                return "budget", reason
        return None

    def decide(self, task: Task, tokens_in: int, task_spent: float = 0.0) -> RoutingDecision:
        task_type = task.task_type
        spent = self.budget.spent() if self.budget is not None and self.budget.limited else None
        candidates: list[CandidateScore | None] = []
        scored: list[tuple[Agent, float, float, float, float | None, float, int]] = []
        categories: list[str] = []
        for agent in self.agents:
            refusal = self.filter(agent, task, tokens_in, task_spent, spent)
            if refusal is not None:
                categories.append(refusal[0])
                candidates.append(CandidateScore.fast(agent.name, agent.tier, refusal[1], in_flight=agent.slots.in_flight))
                continue
            stats = agent.stats.get(task_type)
            prior = agent.config.quality
            quality = stats.quality(prior) if stats is not None else prior
            cost = agent.cost(tokens_in, agent.expected_tokens_out(task_type, task.max_tokens))
            mean_ms, p95_ms = agent.latency(task_type)
            latency = mean_ms if p95_ms is None else (mean_ms + p95_ms) / 2  # typical and tail alike
            scored.append((agent, quality, cost, latency, p95_ms, agent.slots.load, len(candidates)))
            candidates.append(None)
        if not scored:
            return RoutingDecision.model_construct(
                task_type=task_type, strategy=self.routing.strategy, order=[], candidates=candidates,
                reason=_no_agent_reason(task_type, candidates, categories), reason_kind=_reason_kind(categories),
            )
        low_cost = min(s[2] for s in scored)
        high_cost = max(s[2] for s in scored)
        low_lat = min(s[3] for s in scored)
        high_lat = max(s[3] for s in scored)
        wq, wc, wl, wload = self._w
        keyed = []
        strategy = self.routing.strategy
        for agent, quality, cost, latency, p95_ms, load, slot in scored:
            cost_part = _norm(cost, low_cost, high_cost)
            latency_part = _norm(latency, low_lat, high_lat)
            load_part = 1.0 - load
            score = wq * quality + wc * cost_part + wl * latency_part + wload * load_part
            candidates[slot] = CandidateScore.fast(
                agent.name, agent.tier, None, score, quality, cost_part, latency_part, load_part, cost, latency,
                p95_ms, agent.slots.in_flight,
            )
            if strategy == "score":
                within: tuple[float, ...] = (-score, agent.index)
            elif strategy == "cheapest":
                within = (cost, -score, agent.index)
            elif strategy == "fastest":
                within = (latency, -score, agent.index)
            else:
                within = (agent.index,)
            keyed.append(((agent.tier, agent.builtin and agent.name == "builtin", *within), agent.name))
        keyed.sort()
        return RoutingDecision.model_construct(
            task_type=task_type, strategy=strategy, order=[name for _, name in keyed], candidates=candidates,
            reason=None, reason_kind=None,
        )


def _reason_kind(categories: list[str]) -> str | None:
    """The failure kind to report when every agent was filtered out: budget or policy when
    that is what stopped every agent able to do the task."""
    relevant = {c for c in categories if c not in ("task_type", "local")}
    if relevant == {"budget"}:
        return "budget"
    if relevant == {"policy"}:
        return "policy"
    if relevant == {"context_window"}:
        return "context_window"
    return None


def _no_agent_reason(task_type: str, candidates: list[CandidateScore], categories: list[str]) -> str:
    if all(c == "task_type" for c in categories):
        return f"no agent serves task type {task_type!r}"
    details = "; ".join(f"{c.agent}: {c.filtered}" for c, cat in zip(candidates, categories) if cat != "task_type")
    return f"no agent can take this task now ({details})"
