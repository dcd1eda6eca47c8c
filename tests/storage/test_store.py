"""The orchestrator's database: schema versions, committed state changes, owners, several writers."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time

import pytest

from orchex_ls.storage.db import DB_NAME, SCHEMA_VERSION, DatabaseError, connect, integrity_check
from orchex_ls.storage.store import AttemptRecord, StatsDelta, Store


def test_new_database_is_wal_at_the_current_schema_version(tmp_path):
    store = Store(tmp_path / "state")
    try:
        conn = store.conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"tasks", "attempts", "agent_stats", "agent_health", "budget_ledger", "audit_log"} <= tables
        assert (tmp_path / "state" / ".gitignore").read_text().strip().endswith("*")
    finally:
        store.close()


def test_reopening_does_not_migrate_again_and_keeps_rows(tmp_path):
    store = Store(tmp_path)
    store.create_task("t1", "explain", input_chars=3, input_sha256="ab")
    store.close()
    store = Store(tmp_path)
    try:
        assert store.get_task("t1")["status"] == "interrupted"  # its owner (the first handle) is gone
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        store.close()


def test_a_database_from_a_newer_orchex_is_refused_with_its_path(tmp_path):
    path = tmp_path / DB_NAME
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(DatabaseError, match="newer than this orchex knows") as info:
        connect(path)
    assert str(path) in str(info.value)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    (tmp_path / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError, match="cannot open the orchestrator database"):
        Store(tmp_path)


def test_state_changes_attempts_ledger_and_audit_are_recorded(tmp_path):
    store = Store(tmp_path)
    try:
        run = store.create_task("t1", "refactor", input_chars=10, input_sha256="00", metadata={"k": 1})
        assert run == 1
        store.transition("t1", "routed", routing={"order": ["a"]}, agent="a")
        store.transition("t1", "running", agent="a")
        failed = AttemptRecord(agent="a", status="failed", started_at=time.time(), error_kind="server_error",
                               message="provider error (HTTP 500)", latency_ms=3.0)
        store.add_attempt("t1", failed)
        ok = AttemptRecord(agent="b", status="succeeded", started_at=time.time(), tokens_in=10, tokens_out=5,
                           cost_usd=0.25)
        stats = StatsDelta(agent="b", task_type="refactor", successes=1, failures=0, cost_usd=0.25, tokens_in=10,
                           tokens_out=5, latency_ewma_ms=12.0, latency_recent=(12.0,))
        store.transition("t1", "succeeded", attempt=ok, stats=stats, agent="b", cost_usd=0.25, output_chars=4)
        task = store.get_task("t1")
        assert task["status"] == "succeeded" and task["agent"] == "b" and task["routing"] == {"order": ["a"]}
        assert task["metadata"] == {"k": 1}
        assert [(a["seq"], a["agent"], a["status"]) for a in store.attempts("t1")] == [
            (1, "a", "failed"), (2, "b", "succeeded")]
        assert [e["event"] for e in store.audit_log("t1")] == ["queued", "routed", "running", "succeeded"]
        assert store.spent() == pytest.approx(0.25)
        (row,) = store.load_stats()
        assert (row["successes"], row["calls"], row["latency_recent"]) == (1, 1, [12.0])
        assert store.history(5)[0]["id"] == "t1"
        assert store.history(5, "escalated") == []
    finally:
        store.close()


def test_an_unknown_status_or_column_is_refused(tmp_path):
    store = Store(tmp_path)
    try:
        store.create_task("t1", "explain")
        with pytest.raises(ValueError, match="unknown task status"):
            store.transition("t1", "done")
        with pytest.raises(ValueError, match="unknown task column"):
            store.transition("t1", "routed", owner="x")
    finally:
        store.close()


def test_a_task_of_a_live_owner_is_left_alone_and_a_dead_ones_interrupted(tmp_path):
    alive = Store(tmp_path)
    alive.create_task("mine", "explain")
    other = Store(tmp_path)  # another handle: another owner, alive (it holds its lock)
    try:
        assert other.get_task("mine")["status"] == "queued"
        # A process that died without releasing anything: no lock file is held for it.
        other.conn.execute("UPDATE tasks SET owner = 'deadbeefdeadbeef:999999' WHERE id = 'mine'")
        assert other.sweep_interrupted() == ["mine"]
        row = other.get_task("mine")
        assert row["status"] == "interrupted" and "999999" in row["reason"]
    finally:
        alive.close()
        other.close()


def test_the_same_id_runs_again_with_a_new_run_number(tmp_path):
    store = Store(tmp_path)
    try:
        store.create_task("t1", "explain")
        store.transition("t1", "escalated", reason="x")
        assert store.create_task("t1", "explain") == 2
        row = store.get_task("t1")
        assert (row["status"], row["runs"], row["reason"]) == ("queued", 2, None)
    finally:
        store.close()


def test_find_task_by_prefix_treats_wildcards_literally(tmp_path):
    store = Store(tmp_path)
    try:
        store.create_task("abc123", "explain")
        store.create_task("abd456", "explain")
        assert store.find_task("abc") == ["abc123"]
        assert sorted(store.find_task("ab")) == ["abc123", "abd456"]
        assert store.find_task("a%") == [] and store.find_task("a_c") == []
    finally:
        store.close()


def _writer(state_dir: str, name: str, count: int) -> None:
    from pathlib import Path

    store = Store(Path(state_dir))
    for i in range(count):
        task_id = f"{name}-{i}"
        store.create_task(task_id, "explain")
        store.transition(task_id, "running", agent="a")
        store.transition(task_id, "succeeded", agent="a",
                         attempt=AttemptRecord(agent="a", status="succeeded", started_at=time.time(), cost_usd=0.001))
    store.close()


def test_several_processes_write_at_once_without_losing_anything(tmp_path):
    Store(tmp_path).close()  # created once, as the first process would
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), f"p{n}", 60)) for n in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    store = Store(tmp_path)
    try:
        assert store.counts() == {"succeeded": 240}
        assert store.spent() == pytest.approx(0.24)
        assert integrity_check(store.conn) == ["ok"]
    finally:
        store.close()
