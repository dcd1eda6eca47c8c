"""Circuit breaker, concurrency, rpm and the queue bound, as the fake provider observes them."""

from __future__ import annotations

import asyncio
import time

from orchestrator_helpers import agent, orchestrator

from orchex_ls.orchestrator.models import Task
from orchex_ls.orchestrator.providers import load_litellm


def task(i: int = 0) -> Task:
    return Task(task_type="explain", prompt=f"task {i}")


async def test_circuit_opens_skips_the_agent_then_half_opens_and_closes(tmp_path, fake_provider):
    fake_provider.script("flaky", ["500", "500", "500"])
    orch = orchestrator(
        tmp_path, [agent(fake_provider, "flaky"), agent(fake_provider, "steady", tier=2)],
        routing={"retries-per-agent": 0, "circuit": {"failures": 3, "window-s": 60, "cooldown-s": 0.3}},
    )
    for i in range(3):
        result = await orch.run(task(i))
        assert [a.agent for a in result.attempts] == ["flaky", "steady"]
    assert orch.agents[0].breaker.state == "open"
    blocked = await orch.run(task(3))
    assert [a.agent for a in blocked.attempts] == ["steady"]
    assert "circuit open" in {c.agent: c for c in blocked.routing.candidates}["flaky"].filtered
    assert len(fake_provider.requests_for("flaky")) == 3
    await asyncio.sleep(0.35)  # the cooldown: half-open, one probe may go
    probe = await orch.run(task(4))
    status = orch.agents_status()
    health = orch.store.load_health()
    await orch.aclose()
    assert probe.agent == "flaky" and len(fake_provider.requests_for("flaky")) == 4
    assert status["agents"][0]["circuit"] == "closed"
    assert health["flaky"]["circuit"] == "closed"


async def test_an_open_circuit_is_seen_by_the_next_orchestrator_on_the_same_database(tmp_path, fake_provider):
    fake_provider.default("flaky", "503")
    routing = {"retries-per-agent": 0, "circuit": {"failures": 2, "window-s": 60, "cooldown-s": 60}}
    first = orchestrator(tmp_path, [agent(fake_provider, "flaky")], routing=routing)
    for i in range(2):
        await first.run(task(i))
    await first.aclose()
    second = orchestrator(tmp_path, [agent(fake_provider, "flaky")], routing=routing)
    decision = second.route(task())
    await second.aclose()
    assert decision.order == [] and "circuit open" in decision.candidates[0].filtered


async def test_max_concurrency_is_what_the_server_sees(tmp_path, fake_provider):
    fake_provider.hold()
    orch = orchestrator(tmp_path, [agent(fake_provider, "a", max_concurrency=2)], routing={"queue-max": 10})
    runs = [asyncio.ensure_future(orch.run(task(i))) for i in range(6)]
    assert await asyncio.to_thread(fake_provider.wait_for_in_flight, "a", 2)
    await asyncio.sleep(0.1)  # a third call, if it were let through, would arrive now
    assert fake_provider.in_flight("a") == 2
    assert orch.balancer.waiting == 4
    fake_provider.release()
    results = await asyncio.gather(*runs)
    await orch.aclose()
    assert all(r.status == "succeeded" for r in results)
    assert fake_provider.max_in_flight("a") == 2


async def test_rpm_spaces_requests_as_the_server_sees_them(tmp_path, fake_provider):
    load_litellm()  # its first import blocks the loop for seconds
    created = time.monotonic()
    orch = orchestrator(tmp_path, [agent(fake_provider, "a", rpm=240, max_concurrency=10)])  # 4 per second
    results = await asyncio.gather(*(orch.run(task(i)) for i in range(8)))
    await orch.aclose()
    assert all(r.status == "succeeded" for r in results)
    # A bucket of one second's worth (4), refilled at 4/s: by any time t, at most 4 + 4 t requests
    # can have been let through, so at most that many can have arrived (unlimited, all 8 would
    # arrive at once). Client-side delays only make arrivals later, never earlier.
    for n, arrived in enumerate(sorted(fake_provider.start_times("a")), 1):
        assert n <= 4 + 4 * (arrived - created) + 1e-6, f"request {n} arrived {arrived - created:.3f} s in"


async def test_a_full_queue_rejects_the_task_at_once_with_the_reason(tmp_path, fake_provider):
    fake_provider.hold()
    orch = orchestrator(tmp_path, [agent(fake_provider, "a", max_concurrency=1)], routing={"queue-max": 1})
    running = asyncio.ensure_future(orch.run(task(0)))
    assert await asyncio.to_thread(fake_provider.wait_for_in_flight, "a", 1)
    waiting = asyncio.ensure_future(orch.run(task(1)))
    while orch.balancer.waiting < 1:
        await asyncio.sleep(0.01)
    rejected = await orch.run(task(2))
    assert rejected.status == "rejected"
    assert "queue full" in rejected.reason and "queue-max = 1" in rejected.reason
    assert orch.store.get_task(rejected.task_id)["status"] == "rejected"
    fake_provider.release()
    assert (await running).status == "succeeded" and (await waiting).status == "succeeded"
    await orch.aclose()
    assert len(fake_provider.requests_for("a")) == 2
