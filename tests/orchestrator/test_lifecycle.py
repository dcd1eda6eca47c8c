"""Cancellation, checkpoints, history-driven routing, retry, content logging, the builtin agent."""

from __future__ import annotations

import asyncio
import json

import pytest
from orchestrator_helpers import agent, dump_database, orchestrator

from orchex_ls.config import OrchexConfig
from orchex_ls.orchestrator.models import Task
from orchex_ls.orchestrator.orchestrator import Orchestrator, OrchestratorError

COMPLEX = """\
def classify(x):
    if x > 0:
        return "positive"
    else:
        return "other"
"""


async def test_cancel_stops_the_in_flight_call_and_records_cancelled(tmp_path, fake_provider):
    fake_provider.default("slow", "slow:delay=30")
    orch = orchestrator(tmp_path, [agent(fake_provider, "slow", timeout_s=60)])
    job = asyncio.ensure_future(orch.run(Task(id="t-cancel", task_type="explain", prompt="x")))
    assert await asyncio.to_thread(fake_provider.wait_for_in_flight, "slow", 1)
    assert orch.cancel("t-cancel")
    result = await job
    assert result.status == "cancelled" and result.error_kind == "cancelled"
    assert [(a.agent, a.status) for a in result.attempts] == [("slow", "cancelled")]
    assert await asyncio.to_thread(fake_provider.wait_until_idle, 5)
    (request,) = fake_provider.requests_for("slow")
    assert request.client_closed and request.status is None  # the server saw the client hang up
    row = orch.store.get_task("t-cancel")
    await orch.aclose()
    assert row["status"] == "cancelled"
    assert not orch.cancel("t-cancel")  # nothing left to cancel


async def test_cancelling_the_caller_cancels_the_task_too(tmp_path, fake_provider):
    fake_provider.default("slow", "slow:delay=30")
    orch = orchestrator(tmp_path, [agent(fake_provider, "slow", timeout_s=60)])
    job = asyncio.ensure_future(orch.run(Task(id="t-outer", task_type="explain", prompt="x")))
    assert await asyncio.to_thread(fake_provider.wait_for_in_flight, "slow", 1)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert orch.store.get_task("t-outer")["status"] == "cancelled"
    await orch.aclose()


async def test_aclose_cancels_what_still_runs(tmp_path, fake_provider):
    fake_provider.default("slow", "slow:delay=30")
    orch = orchestrator(tmp_path, [agent(fake_provider, "slow", timeout_s=60)])
    job = asyncio.ensure_future(orch.run(Task(id="t-close", task_type="explain", prompt="x")))
    assert await asyncio.to_thread(fake_provider.wait_for_in_flight, "slow", 1)
    await orch.aclose()
    assert (await job).status == "cancelled"


async def test_every_state_change_is_committed_in_order(tmp_path, fake_provider):
    fake_provider.script("a", ["500"])
    orch = orchestrator(tmp_path, [agent(fake_provider, "a")])
    result = await orch.run(Task(task_type="explain", prompt="x"))
    events = [e["event"] for e in orch.store.audit_log(result.task_id)]
    attempts = orch.store.attempts(result.task_id)
    await orch.aclose()
    assert events == ["queued", "routed", "running", "running", "succeeded"]
    assert [(a["seq"], a["status"], a["error_kind"]) for a in attempts] == [(1, "failed", "server_error"),
                                                                           (2, "succeeded", None)]


async def test_history_persists_and_steers_the_next_orchestrator(tmp_path, fake_provider):
    fake_provider.default("weak", "ok:text=not code")
    fake_provider.default("strong", "ok:text=```python\nx = 1\n```")
    agents = [agent(fake_provider, "weak", quality=0.8), agent(fake_provider, "strong", quality=0.7)]
    routing = {"weights": {"quality": 1, "cost": 0, "latency": 0, "load": 0}}
    first = orchestrator(tmp_path, agents, routing=routing)
    assert first.route(Task(task_type="docstring", prompt="x")).order == ["weak", "strong"]
    for i in range(3):
        await first.run(Task(task_type="docstring", prompt=f"x{i}"))
    await first.aclose()
    second = orchestrator(tmp_path, agents, routing=routing)
    decision = second.route(Task(task_type="docstring", prompt="x"))
    stats = {a["name"]: a["stats"] for a in second.agents_status()["agents"]}
    await second.aclose()
    assert decision.order == ["strong", "weak"]
    # Two failures put "weak" (0.8 prior) under "strong" (0.7): the third task went to "strong" first.
    assert stats["weak"][0]["failures"] == 2 and stats["strong"][0]["successes"] == 3
    assert stats["strong"][0]["latency_ewma_ms"] is not None


async def test_prompts_and_answers_stay_out_of_the_database_unless_content_logging_is_on(tmp_path, fake_provider):
    secret_prompt = "PROMPT-TEXT-that-must-not-be-stored"
    fake_provider.default("a", "ok:text=ANSWER-TEXT-that-must-not-be-stored")
    orch = orchestrator(tmp_path / "off", [agent(fake_provider, "a")])
    result = await orch.run(Task(task_type="explain", prompt=secret_prompt, code="CODE_TEXT_NOT_STORED = 1\n"))
    row = orch.store.get_task(result.task_id)
    await orch.aclose()
    dump = dump_database(tmp_path / "off" / "state" / "orchex.db")
    assert "PROMPT-TEXT" not in dump and "ANSWER-TEXT" not in dump and "CODE_TEXT_NOT_STORED" not in dump
    assert row["input_chars"] > 0 and len(row["input_sha256"]) == 64 and len(row["output_sha256"]) == 64

    orch = orchestrator(tmp_path / "on", [agent(fake_provider, "a")], routing={"log-content": True})
    result = await orch.run(Task(task_type="explain", prompt=secret_prompt))
    await orch.aclose()
    dump = dump_database(tmp_path / "on" / "state" / "orchex.db")
    assert secret_prompt in dump and "ANSWER-TEXT" in dump


async def test_retry_runs_an_escalated_task_again_under_the_same_id(tmp_path, fake_provider):
    prompt_file = tmp_path / "prompt.txt"
    prompt_file.write_text("explain the thing")
    fake_provider.script("a", ["400"])
    orch = orchestrator(tmp_path, [agent(fake_provider, "a")])
    failed = await orch.run(Task(task_type="explain", prompt=prompt_file.read_text()), prompt_file=str(prompt_file))
    assert failed.status == "escalated"
    again = await orch.retry(failed.task_id)
    row = orch.store.get_task(failed.task_id)
    attempts = orch.store.attempts(failed.task_id)
    with pytest.raises(OrchestratorError, match="already succeeded"):
        await orch.retry(failed.task_id)
    prompt_file.write_text("something else")
    await orch.aclose()
    assert again.status == "succeeded" and again.task_id == failed.task_id
    assert row["runs"] == 2 and [a["run"] for a in attempts] == [1, 2]


async def test_retry_refuses_a_changed_prompt_and_a_prompt_it_never_stored(tmp_path, fake_provider):
    prompt_file = tmp_path / "prompt.txt"
    prompt_file.write_text("v1")
    fake_provider.default("a", "400")
    orch = orchestrator(tmp_path, [agent(fake_provider, "a")])
    from_file = await orch.run(Task(task_type="explain", prompt="v1"), prompt_file=str(prompt_file))
    inline = await orch.run(Task(task_type="explain", prompt="inline text"))
    prompt_file.write_text("v2")
    with pytest.raises(OrchestratorError, match="changed since"):
        await orch.retry(from_file.task_id)
    with pytest.raises(OrchestratorError, match="was not stored"):
        await orch.retry(inline.task_id)
    with pytest.raises(OrchestratorError, match="changed since"):
        await orch.retry(inline.task_id, prompt="other text")
    fake_provider.default("a", "ok")
    assert (await orch.retry(inline.task_id, prompt="inline text")).status == "succeeded"
    with pytest.raises(OrchestratorError, match="no task nope"):
        await orch.retry("nope")
    await orch.aclose()


async def test_builtin_agent_refactors_with_no_configuration_and_no_key(tmp_path, monkeypatch):
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    orch = Orchestrator(OrchexConfig(), state_dir=tmp_path)
    result = await orch.run(Task(task_type="refactor", prompt="simplify", code=COMPLEX))
    await orch.aclose()
    assert result.status == "succeeded" and result.agent == "builtin", result.reason
    assert result.cost_usd == 0
    assert "```python" in result.output and "def classify" in result.output


async def test_builtin_agent_says_why_when_nothing_applies(tmp_path):
    orch = Orchestrator(OrchexConfig(), state_dir=tmp_path)
    result = await orch.run(Task(task_type="refactor", code="x = 1\n", metadata={"rule": "no-such-rule"}))
    await orch.aclose()
    assert result.status == "escalated"
    assert result.attempts[0].error_kind == "bad_request"
    assert "no-such-rule does not apply here" in result.attempts[0].message


async def test_from_config_reads_the_project_and_puts_the_database_in_its_state_dir(tmp_path, fake_provider):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.orchex]\nstate-dir = 'var/orchex'\n"
        f"[[tool.orchex.agents]]\nname = 'a'\nmodel = 'openai/a'\napi-base = '{fake_provider.base_url}'\n"
    )
    sub = tmp_path / "pkg"
    sub.mkdir()
    orch = Orchestrator.from_config(sub)
    result = await orch.run(Task(task_type="explain", prompt="x"))
    await orch.aclose()
    assert result.status == "succeeded"
    assert (tmp_path / "var" / "orchex" / "orchex.db").is_file()
    orch = Orchestrator.from_config(tmp_path / "pyproject.toml", state_dir=":memory:")
    assert [a.name for a in orch.agents] == ["a", "builtin"]
    await orch.aclose()


async def test_a_task_id_cannot_run_twice_at_once(tmp_path, fake_provider):
    fake_provider.default("a", "slow:delay=30")
    orch = orchestrator(tmp_path, [agent(fake_provider, "a", timeout_s=60)])
    job = asyncio.ensure_future(orch.run(Task(id="dup", task_type="explain", prompt="x")))
    await asyncio.sleep(0)
    with pytest.raises(OrchestratorError, match="already running"):
        await orch.run(Task(id="dup", task_type="explain", prompt="x"))
    await orch.aclose()
    assert (await job).status == "cancelled"


def test_results_serialise_to_json(tmp_path):
    orch = Orchestrator(OrchexConfig(), state_dir=":memory:")
    decision = orch.route(Task(task_type="refactor", code="x = 1\n"))
    data = json.loads(decision.model_dump_json())
    assert data["order"] == ["builtin"] and data["candidates"][0]["score"] is not None
