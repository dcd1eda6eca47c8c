"""Routing math: filters with their reasons, scores and their parts, strategies, tiers."""

from __future__ import annotations

import pytest

from orchex_ls.config import validate_config
from orchex_ls.orchestrator.models import Task
from orchex_ls.orchestrator.orchestrator import Orchestrator
from orchex_ls.orchestrator.stats import PRIOR_WEIGHT, Stats


def agent(name: str, **fields) -> dict:
    out = {"name": name, "model": f"openai/{name}", "api-base": "http://127.0.0.1:9/v1",
           "cost-per-1k-input": 0.001, "cost-per-1k-output": 0.002}
    out.update({k.replace("_", "-"): v for k, v in fields.items()})
    return out


def make(agents: list[dict], policy=None, **sections) -> Orchestrator:
    return Orchestrator(validate_config({"agents": agents, **sections}), state_dir=":memory:", policy=policy)


def by_name(decision):
    return {c.agent: c for c in decision.candidates}


TASK = Task(task_type="explain", prompt="what does this do?")


def test_without_configuration_the_builtin_agent_takes_refactor_tasks_only():
    orch = make([])
    decision = orch.route(Task(task_type="refactor", code="x = 1\n"))
    assert decision.order == ["builtin"]
    explain = orch.route(TASK)
    assert explain.order == [] and explain.reason == "no agent serves task type 'explain'"


def test_tiers_are_the_fallback_chain_and_the_default_builtin_comes_last():
    orch = make([agent("c", tier=3, task_types=["refactor"]), agent("b", tier=2), agent("a", tier=1)])
    assert orch.route(Task(task_type="refactor", code="x = 1\n")).order == ["a", "b", "c", "builtin"]


def test_every_filter_gives_its_reason():
    orch = make(
        [agent("other-type", task_types=["review"]), agent("remote"), agent("local", local=True),
         agent("small", local=True, context_window=10), agent("vetoed", local=True)],
        policy=lambda task, a: "this agent is banned here" if a.name == "vetoed" else None,
    )
    decision = orch.route(Task(task_type="explain", prompt="x" * 200, local_only=True))
    cands = by_name(decision)
    assert "does not serve 'explain'" in cands["other-type"].filtered
    assert "not local" in cands["remote"].filtered
    assert cands["small"].filtered.startswith("context window 10 tokens")
    assert cands["vetoed"].filtered == "policy: this agent is banned here"
    assert decision.order == ["local"]
    assert cands["local"].filtered is None and cands["local"].score is not None


def test_when_policy_stops_every_able_agent_the_reason_kind_is_policy():
    orch = make([agent("a"), agent("b")], policy=lambda task, a: "no")
    decision = orch.route(TASK)
    assert decision.order == [] and decision.reason_kind == "policy"
    assert "a: policy: no" in decision.reason


def test_score_parts_are_explained_and_weights_apply():
    orch = make([agent("cheap", cost_per_1k_input=0.0001, cost_per_1k_output=0.0001), agent("dear")],
                routing={"weights": {"quality": 0, "cost": 1, "latency": 0, "load": 0}})
    decision = orch.route(TASK)
    cands = by_name(decision)
    assert cands["cheap"].cost == 1.0 and cands["dear"].cost == 0.0
    assert cands["cheap"].score == pytest.approx(1.0) and cands["dear"].score == pytest.approx(0.0)
    assert cands["cheap"].expected_cost_usd < cands["dear"].expected_cost_usd
    assert decision.order == ["cheap", "dear"]


def test_history_moves_quality_from_the_prior_as_a_beta_posterior():
    stats = Stats("a", "explain")
    assert stats.quality(0.8) == pytest.approx(0.8)
    for _ in range(10):
        stats.observe(False, 100.0, 0.0, 1, 1)
    # Ten failures against a prior worth PRIOR_WEIGHT observations at 0.8.
    assert stats.quality(0.8) == pytest.approx(0.8 * PRIOR_WEIGHT / (PRIOR_WEIGHT + 10))
    for _ in range(30):
        stats.observe(True, 100.0, 0.0, 1, 1)
    assert 0.7 < stats.quality(0.8) < 0.8
    stats.observe(None, None, 0.0, 0, 0)  # a rate limit says nothing about quality
    assert stats.successes == 30 and stats.failures == 10


def test_a_failing_agent_loses_its_place_within_the_tier():
    orch = make([agent("first", quality=0.8), agent("second", quality=0.75)],
                routing={"weights": {"quality": 1, "cost": 0, "latency": 0, "load": 0}})
    assert orch.route(TASK).order == ["first", "second"]
    first = orch.agents[0].stats_for("explain")
    for _ in range(5):
        first.observe(False, 50.0, 0.0, 1, 1)
    assert orch.route(TASK).order == ["second", "first"]
    assert orch.route(Task(task_type="review", prompt="x")).order == ["first", "second"]  # per task type


def test_latency_uses_the_ewma_and_the_p95():
    stats = Stats("a", "explain")
    for value in [100.0] * 19 + [1000.0]:
        stats.observe(True, value, 0.0, 1, 1)
    assert 100 < stats.ewma_ms < 1000
    assert stats.p95_ms == 1000.0


@pytest.mark.parametrize("strategy, expected", [
    ("tier", ["slow-cheap", "fast-dear", "mid"]),
    ("cheapest", ["slow-cheap", "mid", "fast-dear"]),
    ("fastest", ["fast-dear", "mid", "slow-cheap"]),
])
def test_strategies_order_agents_within_a_tier(strategy, expected):
    orch = make(
        [agent("slow-cheap", cost_per_1k_input=0.0001, cost_per_1k_output=0.0001),
         agent("fast-dear", cost_per_1k_input=0.01, cost_per_1k_output=0.01),
         agent("mid", cost_per_1k_input=0.001, cost_per_1k_output=0.001)],
        routing={"strategy": strategy},
    )
    for name, ms in (("slow-cheap", 900.0), ("fast-dear", 100.0), ("mid", 400.0)):
        orch.agents[[a.name for a in orch.agents].index(name)].stats_for("explain").observe(True, ms, 0.0, 1, 1)
    assert orch.route(TASK).order == expected


def test_budget_filters_paid_agents_but_never_free_ones():
    orch = make([agent("paid"), agent("free", cost_per_1k_input=0, cost_per_1k_output=0)],
                budget={"per-task-usd": 0.0})
    cands = by_name(orch.route(TASK))
    assert cands["paid"].filtered.startswith("budget: per-task")
    assert cands["free"].filtered is None


def test_routing_has_no_side_effects():
    orch = make([agent("a", rpm=1, max_concurrency=1)])
    for _ in range(5):
        assert orch.route(TASK).order == ["a"]
    assert orch.agents[0].slots.in_flight == 0
    assert orch.store.history() == []
