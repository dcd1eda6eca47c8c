"""Every failure kind through the real wire: litellm against the fake provider on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest
from orchestrator_helpers import agent, orchestrator

from orchex_ls.orchestrator.models import Task

GOOD_CODE = "```python\ndef f():\n    return 1\n```"


def chain(result):
    return [(a.agent, a.status, a.error_kind) for a in result.attempts]


async def test_success_on_the_primary(tmp_path, fake_provider):
    orch = orchestrator(tmp_path, [agent(fake_provider, "primary"), agent(fake_provider, "backup", tier=2)])
    result = await orch.run(Task(task_type="explain", prompt="explain this"))
    await orch.aclose()
    assert result.status == "succeeded" and result.agent == "primary"
    assert result.output.startswith("Fake answer")
    assert chain(result) == [("primary", "succeeded", None)]
    assert result.tokens_in > 0 and result.tokens_out > 0
    assert result.routing.order == ["primary", "backup"]
    assert len(fake_provider.requests_for("backup")) == 0


async def test_server_errors_are_retried_on_the_agent_then_the_next_tier_answers(tmp_path, fake_provider):
    fake_provider.script("primary", ["500", "503"])
    orch = orchestrator(tmp_path, [agent(fake_provider, "primary"), agent(fake_provider, "backup", tier=2)])
    result = await orch.run(Task(task_type="explain", prompt="x"))
    await orch.aclose()
    assert chain(result) == [("primary", "failed", "server_error"), ("primary", "failed", "server_error"),
                             ("backup", "succeeded", None)]
    assert "HTTP 503" in result.attempts[1].message
    assert len(fake_provider.requests_for("primary")) == 2  # retries-per-agent = 1


async def test_a_transient_failure_then_success_on_the_same_agent(tmp_path, fake_provider):
    fake_provider.script("primary", ["reset"])
    orch = orchestrator(tmp_path, [agent(fake_provider, "primary"), agent(fake_provider, "backup", tier=2)])
    result = await orch.run(Task(task_type="explain", prompt="x"))
    await orch.aclose()
    assert chain(result) == [("primary", "failed", "connection"), ("primary", "succeeded", None)]


async def test_rate_limit_waits_for_retry_after_then_retries(tmp_path, fake_provider):
    fake_provider.script("primary", ["429:retry-after-ms=150"])
    orch = orchestrator(tmp_path, [agent(fake_provider, "primary")], routing={"backoff-max-ms": 1000})
    result = await orch.run(Task(task_type="explain", prompt="x"))
    await orch.aclose()
    assert chain(result) == [("primary", "failed", "rate_limited"), ("primary", "succeeded", None)]
    first, second = fake_provider.requests_for("primary")
    assert second.started - first.ended >= 0.15  # Retry-After is a floor, whatever the backoff says


async def test_a_retry_after_too_long_to_wait_sends_tasks_elsewhere(tmp_path, fake_provider):
    fake_provider.script("primary", ["429:retry-after=60"])
    orch = orchestrator(tmp_path, [agent(fake_provider, "primary"), agent(fake_provider, "backup")],
                        routing={"strategy": "tier"})
    first = await orch.run(Task(task_type="explain", prompt="x"))
    second = await orch.run(Task(task_type="explain", prompt="y"))
    await orch.aclose()
    assert chain(first) == [("primary", "failed", "rate_limited"), ("backup", "succeeded", None)]
    assert second.agent == "backup" and chain(second) == [("backup", "succeeded", None)]
    assert "Retry-After" in {c.agent: c for c in second.routing.candidates}["primary"].filtered
    assert len(fake_provider.requests_for("primary")) == 1


async def test_timeout_goes_to_the_next_agent(tmp_path, fake_provider):
    fake_provider.default("primary", "slow:delay=3")
    orch = orchestrator(tmp_path, [agent(fake_provider, "primary", timeout_s=0.3), agent(fake_provider, "backup", tier=2)],
                        routing={"retries-per-agent": 0})
    result = await orch.run(Task(task_type="explain", prompt="x"))
    await orch.aclose()
    assert chain(result) == [("primary", "failed", "timeout"), ("backup", "succeeded", None)]


async def test_malformed_json_is_a_server_error(tmp_path, fake_provider):
    fake_provider.script("primary", ["malformed"])
    orch = orchestrator(tmp_path, [agent(fake_provider, "primary"), agent(fake_provider, "backup", tier=2)],
                        routing={"retries-per-agent": 0})
    result = await orch.run(Task(task_type="explain", prompt="x"))
    await orch.aclose()
    assert chain(result)[0] == ("primary", "failed", "server_error")
    assert result.agent == "backup"


async def test_auth_failure_marks_the_agent_unhealthy_and_it_is_never_retried(tmp_path, fake_provider):
    fake_provider.default("primary", "401")
    orch = orchestrator(tmp_path, [agent(fake_provider, "primary"), agent(fake_provider, "backup", tier=2)],
                        routing={"retries-per-agent": 3})
    first = await orch.run(Task(task_type="explain", prompt="x"))
    second = await orch.run(Task(task_type="explain", prompt="y"))
    status = orch.agents_status()
    await orch.aclose()
    assert chain(first) == [("primary", "failed", "auth"), ("backup", "succeeded", None)]
    assert len(fake_provider.requests_for("primary")) == 1
    assert "unhealthy" in {c.agent: c for c in second.routing.candidates}["primary"].filtered
    assert status["agents"][0]["health"] == "unhealthy"


async def test_a_missing_key_variable_is_an_auth_failure_without_any_request(tmp_path, fake_provider, monkeypatch):
    monkeypatch.delenv("ORCHEX_NOT_SET_KEY", raising=False)
    orch = orchestrator(tmp_path, [agent(fake_provider, "primary", api_key_env="ORCHEX_NOT_SET_KEY"),
                                   agent(fake_provider, "backup", tier=2)])
    result = await orch.run(Task(task_type="explain", prompt="x"))
    await orch.aclose()
    assert chain(result)[0] == ("primary", "failed", "auth")
    assert "ORCHEX_NOT_SET_KEY is not set" in result.attempts[0].message
    assert fake_provider.requests_for("primary") == []


async def test_bad_request_is_not_retried(tmp_path, fake_provider):
    fake_provider.default("primary", "400")
    orch = orchestrator(tmp_path, [agent(fake_provider, "primary"), agent(fake_provider, "backup", tier=2)],
                        routing={"retries-per-agent": 3})
    result = await orch.run(Task(task_type="explain", prompt="x"))
    await orch.aclose()
    assert chain(result) == [("primary", "failed", "bad_request"), ("backup", "succeeded", None)]


async def test_context_window_failure_goes_to_an_agent_with_a_larger_window(tmp_path, fake_provider):
    fake_provider.default("small", "context")
    orch = orchestrator(tmp_path, [
        agent(fake_provider, "small", context_window=8192),
        agent(fake_provider, "same", tier=2, context_window=8192),
        agent(fake_provider, "large", tier=3, context_window=200_000),
    ])
    result = await orch.run(Task(task_type="explain", prompt="x"))
    await orch.aclose()
    assert chain(result) == [("small", "failed", "context_window"), ("same", "skipped", "context_window"),
                             ("large", "succeeded", None)]
    assert fake_provider.requests_for("same") == []


async def test_invalid_output_falls_back_and_the_valid_answer_wins(tmp_path, fake_provider):
    fake_provider.default("sloppy", "ok:text=```python\ndef f(:\n```")
    fake_provider.default("careful", f"ok:text={GOOD_CODE}")
    orch = orchestrator(tmp_path, [agent(fake_provider, "sloppy"), agent(fake_provider, "careful", tier=2)])
    result = await orch.run(Task(task_type="refactor", prompt="simplify", code="def f():\n    return 1\n"))
    await orch.aclose()
    assert chain(result) == [("sloppy", "failed", "invalid_output"), ("careful", "succeeded", None)]
    assert "does not parse" in result.attempts[0].message
    assert result.attempts[0].tokens_out > 0  # an invalid answer still cost tokens
    assert result.output == GOOD_CODE


async def test_when_every_tier_fails_the_task_is_escalated_with_the_whole_chain(tmp_path, fake_provider):
    fake_provider.default("*", "500")
    orch = orchestrator(tmp_path, [agent(fake_provider, "a"), agent(fake_provider, "b", tier=2)])
    result = await orch.run(Task(task_type="explain", prompt="x"))
    row = orch.store.get_task(result.task_id)
    await orch.aclose()
    assert result.status == "escalated" and result.error_kind == "server_error"
    assert chain(result) == [("a", "failed", "server_error")] * 2 + [("b", "failed", "server_error")] * 2
    assert result.reason == "every agent failed, needs a human: a: server_error ×2; b: server_error ×2"
    assert row["status"] == "escalated" and row["reason"] == result.reason


async def test_max_attempts_caps_the_calls(tmp_path, fake_provider):
    fake_provider.default("*", "503")
    orch = orchestrator(tmp_path, [agent(fake_provider, n) for n in "abc"],
                        routing={"max-attempts": 2, "retries-per-agent": 5})
    result = await orch.run(Task(task_type="explain", prompt="x"))
    await orch.aclose()
    assert result.status == "escalated" and "max-attempts (2)" in result.reason
    assert len(fake_provider.requests) == 2


async def test_policy_refusal_leaves_the_agent_out_and_escalates_with_kind_policy(tmp_path, fake_provider):
    orch = orchestrator(tmp_path, [agent(fake_provider, "a")], policy=lambda task, a: "denied by governance")
    result = await orch.run(Task(task_type="explain", prompt="x"))
    await orch.aclose()
    assert result.status == "escalated" and result.error_kind == "policy"
    assert "denied by governance" in result.reason
    assert fake_provider.requests == []


async def test_anthropic_messages_api_works_the_same(tmp_path, fake_provider):
    orch = orchestrator(tmp_path, [{"name": "claude", "model": "anthropic/claude-fake", "api-base": fake_provider.root_url,
                                    "api-key-env": "ORCHEX_TEST_API_KEY", "timeout-s": 5}])
    import os

    os.environ.setdefault("ORCHEX_TEST_API_KEY", "sk-ant-test-0000")
    fake_provider.script("claude-fake", ["529"])
    result = await orch.run(Task(task_type="explain", prompt="x"))
    await orch.aclose()
    assert chain(result) == [("claude", "failed", "server_error"), ("claude", "succeeded", None)]
    assert fake_provider.requests_for("claude-fake")[0].api == "anthropic"


async def test_concurrent_tasks_all_end_in_a_final_state(tmp_path, fake_provider):
    fake_provider.script("*", ["500", "reset", "429:retry-after=0", "ok", "400", "malformed"] * 5)
    orch = orchestrator(tmp_path, [agent(fake_provider, "a", max_concurrency=3), agent(fake_provider, "b", tier=2)])
    results = await asyncio.gather(*(orch.run(Task(task_type="explain", prompt=f"task {i}")) for i in range(20)))
    counts = orch.store.counts()
    await orch.aclose()
    assert {r.status for r in results} <= {"succeeded", "escalated"}
    assert sum(counts.values()) == 20 and set(counts) <= {"succeeded", "escalated"}
    assert fake_provider.max_in_flight("a") <= 3


async def test_over_budget_agents_are_skipped_and_none_left_escalates_with_kind_budget(tmp_path, fake_provider):
    # 1 USD per 1k tokens each way: a call costs a few cents. The ledger is shared: what one
    # orchestrator spent counts for the next one on the same state dir.
    priced = {"cost_per_1k_input": 1.0, "cost_per_1k_output": 1.0}
    spender = orchestrator(tmp_path, [agent(fake_provider, "paid", **priced)])
    first = await spender.run(Task(task_type="explain", prompt="x", max_tokens=50))
    await spender.aclose()
    assert first.status == "succeeded" and first.cost_usd > 0
    orch = orchestrator(tmp_path, [agent(fake_provider, "paid", **priced)], budget={"daily-usd": first.cost_usd * 1.5})
    second = await orch.run(Task(task_type="explain", prompt="y", max_tokens=50))
    summary = orch.agents_status()["budget"]
    await orch.aclose()
    assert second.status == "escalated" and second.error_kind == "budget"
    assert "budget: daily" in second.reason
    assert len(fake_provider.requests) == 1
    assert summary["spent_today_usd"] == pytest.approx(first.cost_usd, rel=1e-3)
    assert summary["daily_left_usd"] == pytest.approx(first.cost_usd * 0.5, rel=1e-3)


async def test_per_task_budget_stops_a_task_that_has_spent_its_share(tmp_path, fake_provider):
    fake_provider.default("a", "ok:text=no code here")  # invalid for docstring, and paid for
    priced = {"cost_per_1k_input": 1.0, "cost_per_1k_output": 1.0}
    orch = orchestrator(tmp_path, [agent(fake_provider, "a", **priced), agent(fake_provider, "b", tier=2, **priced)],
                        budget={"per-task-usd": 0.06})
    result = await orch.run(Task(task_type="docstring", prompt="x", code="x = 1\n", max_tokens=5))
    await orch.aclose()
    assert chain(result)[0] == ("a", "failed", "invalid_output")
    assert chain(result)[1] == ("b", "skipped", "budget")
    assert result.status == "escalated" and fake_provider.requests_for("b") == []
