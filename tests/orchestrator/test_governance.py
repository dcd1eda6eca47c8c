"""Governance inside the orchestrator, for every task (editor, CLI, SDK alike), through the
fake provider: deny and local-only globs, the payload limit, secrets redacted out of every
request and restored in the answer, one audit row per outbound request."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fake_responder import RespondingProvider, with_comment
from orchestrator_helpers import FAST_ROUTING, agent, dump_database

from orchex_ls.config import validate_config
from orchex_ls.governance.audit import AUDIT_EVENT
from orchex_ls.orchestrator.models import Task
from orchex_ls.orchestrator.orchestrator import Orchestrator

TOKEN = "ghp_" + "Zq8Xw2Lm4Np6Rt0Vb3Cd5Fg7Hj9Kl1Mn2Pq4"  # GitHub token shape
PASSWORD = "Tr0ub4dor&3-horse-Battery"
AWS = "AKIA" + "Q7RZ4XK2M9TB3WLP"
CODE = f'''\
def connect(host):
    token = "{TOKEN}"
    password = "{PASSWORD}"
    key_id = "{AWS}"
    return open_session(host, token, password, key_id)
'''
SECRETS = (TOKEN, PASSWORD, AWS)


@pytest.fixture
def fake():
    server = RespondingProvider().start()
    try:
        yield server
    finally:
        server.stop()


def make(tmp_path: Path, agents: list[dict], governance: dict | None = None, **routing) -> Orchestrator:
    data = {"agents": agents, "routing": {**FAST_ROUTING, **routing}, "governance": governance or {}}
    return Orchestrator(validate_config(data), state_dir=tmp_path / "state", root=tmp_path)


def outbound_rows(path: Path) -> list[dict]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT ts, task_id, detail FROM audit_log WHERE event = ? ORDER BY id", (AUDIT_EVENT,))
        return [{"ts": ts, "row_task_id": task_id, **json.loads(detail)} for ts, task_id, detail in rows]
    finally:
        conn.close()


async def test_secrets_never_leave_and_come_back_in_the_answer(tmp_path, fake):
    fake.respond("cloud", with_comment())
    orch = make(tmp_path, [agent(fake, "cloud")])
    result = await orch.run(Task(task_type="refactor", prompt="Simplify this.", code=CODE, path="pkg/net.py"))
    await orch.aclose()
    assert result.status == "succeeded", result.reason
    (request,) = fake.requests
    for secret in SECRETS:
        assert fake.bodies_containing(secret) == []
        assert secret in result.output  # restored, byte for byte
    assert "ORCHEX_REDACTED_" in request.body and "ORCHEX_REDACTED_" not in result.output
    assert "# reviewed" in result.output

    (row,) = outbound_rows(tmp_path / "state" / "orchex.db")
    assert row["task_id"] == result.task_id and row["agent"] == "cloud" and row["model"] == "openai/cloud"
    assert row["file"] == "pkg/net.py" and "content" not in row
    assert row["redactions"]["count"] >= 3 and row["time"].endswith("Z")
    # The hash and size are those of the messages as they went out.
    sent = json.dumps(request.json["messages"], ensure_ascii=False, separators=(",", ":")).encode()
    assert row["bytes"] == len(sent) and row["payload_sha256"] == hashlib.sha256(sent).hexdigest()
    database = dump_database(tmp_path / "state" / "orchex.db")
    assert all(secret not in database for secret in SECRETS)


async def test_redaction_can_be_turned_off(tmp_path, fake):
    fake.respond("cloud", with_comment())
    orch = make(tmp_path, [agent(fake, "cloud")], {"redact-secrets": False})
    result = await orch.run(Task(task_type="refactor", prompt="Simplify this.", code=CODE))
    await orch.aclose()
    assert result.status == "succeeded" and fake.bodies_containing(TOKEN)


async def test_one_audit_row_per_outbound_request_retries_included(tmp_path, fake):
    fake.script("cloud", ["500", "ok"])
    fake.script("backup", ["ok"])
    orch = make(tmp_path, [agent(fake, "cloud"), agent(fake, "backup", tier=2)], {"audit-content": True},
                **{"retries-per-agent": 1})
    result = await orch.run(Task(task_type="explain", prompt=f"what does this do?\n{CODE}"))
    events = [e["event"] for e in orch.store.audit_log(result.task_id)]
    await orch.aclose()
    assert result.status == "succeeded"
    # The task's own audit rows are its state changes alone.
    assert events == ["queued", "routed", "running", "running", "succeeded"]
    rows = outbound_rows(tmp_path / "state" / "orchex.db")
    assert [r["agent"] for r in rows] == ["cloud", "cloud"] == [r.model for r in fake.requests]
    assert all(r["task_id"] == result.task_id and r["row_task_id"] is None for r in rows)
    # Content only when asked, and then as sent: placeholders, not values.
    assert all("ORCHEX_REDACTED_" in r["content"] and TOKEN not in r["content"] for r in rows)


async def test_audit_off_writes_no_row(tmp_path, fake):
    orch = make(tmp_path, [agent(fake, "cloud")], {"audit": False})
    result = await orch.run(Task(task_type="explain", prompt="hello"))
    await orch.aclose()
    assert result.status == "succeeded" and len(fake.requests) == 1
    assert outbound_rows(tmp_path / "state" / "orchex.db") == []


async def test_a_denied_file_reaches_no_llm_agent_and_the_reason_says_why(tmp_path, fake):
    orch = make(tmp_path, [agent(fake, "cloud"), agent(fake, "onprem", local=True, tier=2)],
                {"deny": ["secrets/**"]})
    result = await orch.run(Task(task_type="explain", prompt="explain", code=CODE, path="secrets/keys.py"))
    allowed = await orch.run(Task(task_type="explain", prompt="explain", code="x = 1\n", path="pkg/ok.py"))
    await orch.aclose()
    assert result.status == "escalated" and result.error_kind == "policy"
    assert "deny glob 'secrets/**'" in result.reason and "never sent" in result.reason
    assert allowed.status == "succeeded"
    assert len(fake.requests) == 1 and "x = 1" in fake.requests[0].body


async def test_a_denied_refactoring_still_gets_the_builtin_agent(tmp_path, fake):
    code = "def pick(a, b):\n    if a:\n        return 1\n    else:\n        if b:\n            return 2\n        return 3\n"
    orch = make(tmp_path, [agent(fake, "cloud")], {"deny": ["*.py"]})
    result = await orch.run(Task(task_type="refactor", code=code, path="pkg/pick.py"))
    await orch.aclose()
    assert result.status == "succeeded" and result.agent == "builtin", result.reason
    assert fake.requests == []


async def test_local_only_files_go_to_local_agents_only(tmp_path, fake):
    orch = make(tmp_path, [agent(fake, "cloud"), agent(fake, "onprem", local=True, tier=2)],
                {"local-only": ["private/"]})
    kept = await orch.run(Task(task_type="explain", prompt="explain", code=CODE, path="private/db.py"))
    free = await orch.run(Task(task_type="explain", prompt="explain", code="x = 1\n", path="pkg/ok.py"))
    await orch.aclose()
    assert kept.agent == "onprem" and free.agent == "cloud"
    assert [r.model for r in fake.requests] == ["onprem", "cloud"]
    cloud = next(c for c in kept.routing.candidates if c.agent == "cloud")
    assert "local-only glob 'private/'" in cloud.filtered


async def test_a_payload_over_the_limit_is_not_sent(tmp_path, fake):
    orch = make(tmp_path, [agent(fake, "cloud"), agent(fake, "backup", tier=2)], {"max-payload-kb": 1})
    big = await orch.run(Task(task_type="explain", prompt="x" * 3000))
    small = await orch.run(Task(task_type="explain", prompt="x" * 100))
    await orch.aclose()
    assert big.status == "escalated" and big.error_kind == "policy"
    assert [(a.agent, a.status) for a in big.attempts] == [("cloud", "skipped"), ("backup", "skipped")]
    assert "max-payload-kb = 1" in big.reason
    assert small.status == "succeeded" and len(fake.requests) == 1


async def test_the_cli_obeys_the_same_rules(tmp_path, fake):
    root = tmp_path / "proj"
    (root / "secrets").mkdir(parents=True)
    (root / "secrets" / "keys.py").write_text(CODE)
    (root / ".orchex.toml").write_text(
        f'[governance]\ndeny = ["secrets/"]\n\n[[agents]]\nname = "cloud"\nmodel = "openai/cloud"\n'
        f'api-base = "{fake.base_url}"\n')
    run = subprocess.run(
        [sys.executable, "-m", "orchex_ls.cli.main", "run", "--task-type", "explain", "--prompt", "explain",
         "--file", "secrets/keys.py", "--json"],
        cwd=root, capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert run.returncode == 4, run.stderr
    data = json.loads(run.stdout)
    assert data["error_kind"] == "policy" and "deny glob 'secrets/'" in data["reason"]
    assert fake.requests == []
