"""`orchex agents | route | run | history | task | retry` end to end, in subprocesses, against
the fake provider; and a `kill -9` in the middle of a task. (Several processes writing one
database at once: tests/storage/test_store.py.)"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fake_provider import FakeProvider


@pytest.fixture
def server():
    with FakeProvider() as fake:
        yield fake


@pytest.fixture
def project(tmp_path: Path, server: FakeProvider) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / ".orchex.toml").write_text(f"""
[routing]
backoff-base-ms = 1
backoff-max-ms = 10
retries-per-agent = 0

[[agents]]
name = "primary"
model = "openai/primary"
api-base = "{server.base_url}"
cost-per-1k-input = 0.001
cost-per-1k-output = 0.002
timeout-s = 30

[[agents]]
name = "backup"
model = "openai/backup"
api-base = "{server.base_url}"
tier = 2
cost-per-1k-input = 0.0
cost-per-1k-output = 0.0
task-types = ["explain"]
""")
    return root


def orchex(*args: str, cwd: Path, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orchex_ls.cli.main", *args], capture_output=True, text=True, cwd=cwd,
        timeout=timeout, env={**os.environ, **(env or {})},
    )


def spawn(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "orchex_ls.cli.main", *args], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_agents_and_route_explain_the_registry_without_any_call(project, server):
    agents = orchex("agents", "--json", cwd=project)
    assert agents.returncode == 0, agents.stderr
    data = json.loads(agents.stdout)
    assert [a["name"] for a in data["agents"]] == ["primary", "backup", "builtin"]
    assert data["agents"][0]["health"] == "ok" and data["agents"][0]["circuit"] == "closed"
    assert data["budget"]["spent_today_usd"] == 0
    text = orchex("agents", cwd=project)
    assert "primary  tier 1" in text.stdout and "budget:" in text.stdout

    route = orchex("route", "--task-type", "review", "--json", cwd=project)
    assert route.returncode == 0, route.stderr
    decision = json.loads(route.stdout)
    assert decision["order"] == ["primary"]
    filtered = {c["agent"]: c["filtered"] for c in decision["candidates"]}
    assert "does not serve 'review'" in filtered["backup"]
    local = orchex("route", "--task-type", "explain", "--local-only", cwd=project)
    assert "order: (none)" in local.stdout and "not local" in local.stdout
    assert server.requests == []


def test_usage_and_configuration_errors_exit_2_with_a_message(project, tmp_path):
    no_prompt = orchex("run", "--task-type", "explain", cwd=project)
    assert no_prompt.returncode == 2 and "--prompt" in no_prompt.stderr
    both = orchex("run", "--task-type", "explain", "--prompt", "x", "--prompt-file", "f", cwd=project)
    assert both.returncode == 2 and "not both" in both.stderr
    missing = orchex("task", "nope", cwd=project)
    assert missing.returncode == 2 and "no task nope" in missing.stderr
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / ".orchex.toml").write_text("[[agents]]\nname = 'x'\nmodel = 'm'\ntier = 7\n")
    broken = orchex("agents", cwd=bad)
    assert broken.returncode == 2
    assert "agents[0].tier" in broken.stderr and "less than or equal to 3" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_a_task_nobody_serves_is_escalated_with_exit_4(project):
    run = orchex("run", "--task-type", "translate", "--prompt", "x", cwd=project)
    assert run.returncode == 4, run.stderr
    assert "escalated" in run.stderr and "no agent serves task type 'translate'" in run.stderr
    history = json.loads(orchex("history", "--json", "--status", "escalated", cwd=project).stdout)
    assert [h["task_type"] for h in history] == ["translate"]


def test_kill_9_mid_task_leaves_it_interrupted_and_retry_completes_it(project, server, tmp_path):
    server.script("primary", ["slow:delay=60"])  # the first call hangs; later ones answer
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("explain the meaning of this code")
    proc = spawn("run", "--task-type", "explain", "--prompt-file", str(prompt), cwd=project)
    try:
        assert server.wait_for_in_flight("primary", 1, timeout=60), proc.stderr.read() if proc.poll() else ""
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    db = project / ".orchex" / "orchex.db"
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        (task_id, status), = conn.execute("SELECT id, status FROM tasks").fetchall()
        assert status == "running"  # as the dead process left it, committed
    finally:
        conn.close()

    history = orchex("history", "--json", cwd=project)
    assert history.returncode == 0, history.stderr
    (row,) = json.loads(history.stdout)
    assert row["id"] == task_id and row["status"] == "interrupted" and "ended before the task did" in row["reason"]

    retry = orchex("retry", task_id[:6], "--json", "--log-level", "info", cwd=project)
    assert retry.returncode == 0, retry.stderr
    result = json.loads(retry.stdout)
    assert result["status"] == "succeeded" and result["task_id"] == task_id
    logs = [json.loads(line) for line in retry.stderr.splitlines() if line.startswith("{")]
    assert {"task.queued", "task.routed", "attempt.started", "task.succeeded"} <= {e["event"] for e in logs}
    assert all(e["task_id"] == task_id for e in logs if e["logger"] == "orchex.orchestrator")

    detail = json.loads(orchex("task", task_id, "--json", cwd=project).stdout)
    assert detail["status"] == "succeeded" and detail["runs"] == 2
    events = [e["event"] for e in detail["audit"]]
    assert events[:4] == ["queued", "routed", "running", "interrupted"]
    assert events[-1] == "succeeded"
    text = orchex("task", task_id, cwd=project).stdout
    assert "succeeded by primary" in text and "run 2 primary: succeeded" in text
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
