"""A planted API key reaches the provider's Authorization header and nowhere else: no log
line (ours or litellm's, at DEBUG), no database row or file byte, no result or message."""

from __future__ import annotations

import io
import logging

from orchestrator_helpers import agent, dump_database, orchestrator

from orchex_ls.orchestrator.logs import json_handler
from orchex_ls.orchestrator.models import Task


async def test_a_planted_key_appears_in_no_log_line_and_no_database_row(tmp_path, fake_provider, planted_key):
    stream = io.StringIO()
    handler = json_handler(stream, logging.DEBUG)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        # The server echoes the credential it got in its 401 message, as careless servers do.
        fake_provider.script("leaky", ["401:text=Incorrect API key provided: {key}"])
        fake_provider.script("keyed", ["500:text=upstream said {key}", "ok"])
        keyed = {"api_key_env": "ORCHEX_TEST_API_KEY"}
        orch = orchestrator(tmp_path, [agent(fake_provider, "leaky", **keyed), agent(fake_provider, "keyed", tier=2, **keyed)],
                            routing={"log-content": True})
        results = [await orch.run(Task(task_type="explain", prompt=f"task {i}")) for i in range(2)]
        status = orch.agents_status()
        await orch.aclose()
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)

    # The key did travel, where it belongs.
    assert any(planted_key in " ".join(r.headers.values()) for r in fake_provider.requests)
    assert fake_provider.bodies_containing(planted_key) == []
    kinds = [(a.agent, a.error_kind) for a in results[0].attempts]
    assert kinds == [("leaky", "auth"), ("keyed", "server_error"), ("keyed", None)]

    lines = stream.getvalue().splitlines()
    assert any('"task.succeeded"' in line for line in lines) and any('"agent.unhealthy"' in line for line in lines)
    assert all('"task_id"' in line for line in lines if '"task.' in line)
    assert [line for line in lines if planted_key in line] == []
    assert planted_key not in dump_database(tmp_path / "state" / "orchex.db")
    assert all(planted_key not in r.model_dump_json() for r in results)
    assert planted_key not in str(status)
    assert planted_key[-12:] not in stream.getvalue()  # not even a tail of it
