"""Tasks, attempts, agent statistics, the budget ledger and the audit log, in SQLite.

Every state change of a task is one short transaction, committed before the orchestrator
takes its next step, together with what it concerns (the attempt that just ended, its cost
in the ledger, the agent's statistics) and an audit row. Prompt and answer texts are stored
only when the user turned content logging on; otherwise their size and SHA-256 are.
Nothing here knows API keys: callers pass none, and messages are scrubbed before they come.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .db import DB_NAME, connect, integrity_check
from .owners import OwnerLock

ACTIVE = ("queued", "routed", "running")
FINAL = ("succeeded", "failed", "escalated", "cancelled", "interrupted", "rejected")
STATUSES = ACTIVE + FINAL

# Columns of `tasks` a state change may set (a whitelist: names go into SQL text).
_TASK_COLUMNS = frozenset({
    "agent", "reason", "routing", "output_chars", "output_sha256", "output", "cost_usd",
    "tokens_in", "tokens_out",
})


@dataclass(frozen=True)
class AttemptRecord:
    agent: str
    status: str  # succeeded | failed | skipped
    started_at: float
    model: str | None = None
    error_kind: str | None = None
    message: str | None = None
    latency_ms: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class StatsDelta:
    """What one attempt adds to an agent's statistics for a task type."""

    agent: str
    task_type: str
    successes: int
    failures: int
    cost_usd: float
    tokens_in: int
    tokens_out: int
    latency_ewma_ms: float | None
    latency_recent: tuple[float, ...] | None  # None: keep the stored list


def ensure_state_dir(path: Path) -> bool:
    """Create the state dir with a ``.gitignore`` of ``*``; False if it cannot be written."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        ignore = path / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# created by orchex: nothing here belongs in version control\n*\n")
        return os.access(path, os.W_OK)
    except OSError:
        return False


_period_cache: tuple[int, tuple[str, str]] = (-1, ("", ""))


def day_and_month(ts: float) -> tuple[str, str]:
    """Budget periods are UTC calendar days and months."""
    global _period_cache
    minute = int(ts // 60)
    if _period_cache[0] != minute:  # every ledger row asks; the answer changes once a day
        day = datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d")
        _period_cache = (minute, (day, day[:7]))
    return _period_cache[1]


class Store:
    """One process's handle on the database of a state dir (``None``: in memory, for tests
    and benchmarks). Use from one thread (the event loop's)."""

    def __init__(self, state_dir: Path | None) -> None:
        self.state_dir = state_dir
        if state_dir is None:
            self.path: Path | None = None
            self.conn = connect(":memory:")
            self.owner = OwnerLock(None)
        else:
            from .db import DatabaseError

            if not ensure_state_dir(state_dir):
                raise DatabaseError(f"cannot create or write the state dir {state_dir}")
            self.path = state_dir / DB_NAME
            self.conn = connect(self.path)
            # Checkpoints (WAL -> database file) are where SQLite fsyncs: tens of ms on a busy
            # disk. They run in a worker thread on a connection of its own, never in a commit.
            self.conn.execute("PRAGMA wal_autocheckpoint = 0")
            self.owner = OwnerLock(state_dir / "owners")
        self._commits = 0
        self._checkpointing: threading.Thread | None = None
        self.interrupted = self.sweep_interrupted()

    # -- transactions -------------------------------------------------------------------------

    def _write(self, statements: Iterable[tuple[str, tuple[Any, ...]]]) -> None:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for sql, params in statements:
                conn.execute(sql, params)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY == 0:
            self._checkpoint_in_background()

    def _checkpoint_in_background(self) -> None:
        if self.path is None or (self._checkpointing is not None and self._checkpointing.is_alive()):
            return
        self._checkpointing = threading.Thread(target=_checkpoint, args=(self.path, "PASSIVE"),
                                               name="orchex-checkpoint", daemon=True)
        self._checkpointing.start()

    @staticmethod
    def _audit(task_id: str | None, event: str, detail: Mapping[str, Any] | None, ts: float) -> tuple[str, tuple]:
        text = json.dumps(detail, separators=(",", ":"), default=str) if detail else None
        return "INSERT INTO audit_log (ts, task_id, event, detail) VALUES (?, ?, ?, ?)", (ts, task_id, event, text)

    # -- tasks --------------------------------------------------------------------------------

    def sweep_interrupted(self) -> list[str]:
        """Tasks left queued/routed/running by a process that has ended become ``interrupted``."""
        marks = ",".join("?" * len(ACTIVE))
        owners = [r[0] for r in self.conn.execute(f"SELECT DISTINCT owner FROM tasks WHERE status IN ({marks})", ACTIVE)]
        swept: list[str] = []
        for owner in owners:
            if owner is not None and self.owner.is_alive(owner):
                continue
            ids = [r[0] for r in self.conn.execute(
                f"SELECT id FROM tasks WHERE owner IS ? AND status IN ({marks})", (owner, *ACTIVE))]
            now = time.time()
            pid = (owner or "").partition(":")[2] or "?"
            reason = f"the process running it (pid {pid}) ended before the task did"
            statements = [(f"UPDATE tasks SET status = 'interrupted', reason = ?, updated_at = ? "
                           f"WHERE id = ? AND status IN ({marks})", (reason, now, task_id, *ACTIVE)) for task_id in ids]
            statements += [self._audit(task_id, "interrupted", {"reason": reason}, now) for task_id in ids]
            self._write(statements)
            if owner is not None:
                self.owner.forget(owner)
            swept += ids
        return swept

    def create_task(self, task_id: str, task_type: str, *, local_only: bool = False, path: str | None = None,
                    prompt_file: str | None = None, input_chars: int = 0, input_sha256: str | None = None,
                    input_text: str | None = None, metadata: Mapping[str, Any] | None = None,
                    spec: Mapping[str, Any] | None = None) -> int:
        """Record a new task as ``queued``; a known id is run again (``retry``). Returns the
        run number (1 for a new task)."""
        now = time.time()
        row = self.conn.execute("SELECT status, runs FROM tasks WHERE id = ?", (task_id,)).fetchone()
        meta = json.dumps(dict(metadata), default=str) if metadata else None
        spec_text = json.dumps(dict(spec), default=str) if spec else None
        if row is None:
            run = 1
            sql = ("INSERT INTO tasks (id, task_type, status, created_at, updated_at, local_only, path, prompt_file, "
                   "input_chars, input_sha256, input, metadata, spec, owner) VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            params: tuple = (task_id, task_type, now, now, int(local_only), path, prompt_file, input_chars,
                             input_sha256, input_text, meta, spec_text, self.owner.id)
        else:
            run = row["runs"] + 1
            sql = ("UPDATE tasks SET status = 'queued', updated_at = ?, runs = ?, agent = NULL, reason = NULL, "
                   "routing = NULL, output_chars = NULL, output_sha256 = NULL, output = NULL, owner = ?, "
                   "input = COALESCE(?, input) WHERE id = ?")
            params = (now, run, self.owner.id, input_text, task_id)
        detail = {"task_type": task_type, "run": run, "input_chars": input_chars}
        self._write([(sql, params), self._audit(task_id, "queued", detail, now)])
        return run

    def transition(self, task_id: str, status: str, *, attempt: AttemptRecord | None = None,
                   run: int = 1, stats: StatsDelta | None = None, detail: Mapping[str, Any] | None = None,
                   **columns: Any) -> None:
        """One committed step: the new status (and columns), the attempt that led to it with
        its cost and statistics, and an audit row."""
        if status not in STATUSES:
            raise ValueError(f"unknown task status {status!r}")
        unknown = set(columns) - _TASK_COLUMNS
        if unknown:
            raise ValueError(f"unknown task column(s): {sorted(unknown)}")
        now = time.time()
        statements: list[tuple[str, tuple]] = []
        if attempt is not None:
            statements += self._attempt_statements(task_id, run, attempt, now)
        if stats is not None:
            statements.append(self._stats_statement(stats, now))
        values = {k: (json.dumps(v, separators=(",", ":"), default=str)
                      if k == "routing" and v is not None and not isinstance(v, str) else v)
                  for k, v in columns.items()}
        assignments = "".join(f", {name} = ?" for name in values)
        statements.append((f"UPDATE tasks SET status = ?, updated_at = ?{assignments} WHERE id = ?",
                           (status, now, *values.values(), task_id)))
        statements.append(self._audit(task_id, status, detail, now))
        self._write(statements)

    def add_attempt(self, task_id: str, attempt: AttemptRecord, *, run: int = 1,
                    stats: StatsDelta | None = None) -> None:
        """An attempt that does not change the task's status (a retry on the same agent)."""
        now = time.time()
        statements = self._attempt_statements(task_id, run, attempt, now)
        if stats is not None:
            statements.append(self._stats_statement(stats, now))
        self._write(statements)

    def _attempt_statements(self, task_id: str, run: int, a: AttemptRecord, now: float) -> list[tuple[str, tuple]]:
        out = [(
            "INSERT INTO attempts (task_id, seq, run, agent, model, status, error_kind, message, started_at, "
            "latency_ms, tokens_in, tokens_out, cost_usd) SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ? FROM attempts WHERE task_id = ?",
            (task_id, run, a.agent, a.model, a.status, a.error_kind, a.message, a.started_at, a.latency_ms,
             a.tokens_in, a.tokens_out, a.cost_usd, task_id),
        )]
        if a.cost_usd:
            day, month = day_and_month(now)
            out.append(("INSERT INTO budget_ledger (ts, day, month, task_id, agent, cost_usd) VALUES (?, ?, ?, ?, ?, ?)",
                        (now, day, month, task_id, a.agent, a.cost_usd)))
        return out

    @staticmethod
    def _stats_statement(s: StatsDelta, now: float) -> tuple[str, tuple]:
        # Counters add up, so processes sharing the database merge; the latency estimates are
        # the last writer's view.
        recent = None if s.latency_recent is None else json.dumps(s.latency_recent)
        calls = s.successes + s.failures
        return (
            "INSERT INTO agent_stats (agent, task_type, successes, failures, calls, cost_total, tokens_in_total, "
            "tokens_out_total, latency_ewma_ms, latency_recent, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (agent, task_type) DO UPDATE SET successes = successes + excluded.successes, "
            "failures = failures + excluded.failures, calls = calls + excluded.calls, "
            "cost_total = cost_total + excluded.cost_total, tokens_in_total = tokens_in_total + excluded.tokens_in_total, "
            "tokens_out_total = tokens_out_total + excluded.tokens_out_total, "
            "latency_ewma_ms = COALESCE(excluded.latency_ewma_ms, latency_ewma_ms), "
            "latency_recent = COALESCE(excluded.latency_recent, latency_recent), updated_at = excluded.updated_at",
            (s.agent, s.task_type, s.successes, s.failures, calls, s.cost_usd, s.tokens_in, s.tokens_out,
             s.latency_ewma_ms, recent, now),
        )

    def audit(self, task_id: str | None, event: str, detail: Mapping[str, Any] | None = None) -> None:
        self._write([self._audit(task_id, event, detail, time.time())])

    # -- agent health -------------------------------------------------------------------------

    def save_health(self, agent: str, circuit: str, opened_at: float | None, unhealthy: str | None) -> None:
        now = time.time()
        self._write([
            ("INSERT INTO agent_health (agent, circuit, opened_at, unhealthy, updated_at) VALUES (?, ?, ?, ?, ?) "
             "ON CONFLICT (agent) DO UPDATE SET circuit = excluded.circuit, opened_at = excluded.opened_at, "
             "unhealthy = excluded.unhealthy, updated_at = excluded.updated_at",
             (agent, circuit, opened_at, unhealthy, now)),
            self._audit(None, "agent-health", {"agent": agent, "circuit": circuit, "unhealthy": unhealthy}, now),
        ])

    def load_health(self) -> dict[str, dict[str, Any]]:
        return {r["agent"]: dict(r) for r in self.conn.execute("SELECT * FROM agent_health")}

    def load_stats(self) -> list[dict[str, Any]]:
        rows = []
        for r in self.conn.execute("SELECT * FROM agent_stats"):
            row = dict(r)
            try:
                row["latency_recent"] = [float(x) for x in json.loads(row["latency_recent"] or "[]")]
            except (ValueError, TypeError):
                row["latency_recent"] = []
            rows.append(row)
        return rows

    # -- budget -------------------------------------------------------------------------------

    def spent(self, *, day: str | None = None, month: str | None = None) -> float:
        if day is not None:
            row = self.conn.execute("SELECT COALESCE(SUM(cost_usd), 0) FROM budget_ledger WHERE day = ?", (day,))
        elif month is not None:
            row = self.conn.execute("SELECT COALESCE(SUM(cost_usd), 0) FROM budget_ledger WHERE month = ?", (month,))
        else:
            row = self.conn.execute("SELECT COALESCE(SUM(cost_usd), 0) FROM budget_ledger")
        return float(row.fetchone()[0])

    # -- reading ------------------------------------------------------------------------------

    def get_task(self, task_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()
        return _task_row(row) if row is not None else None

    def find_task(self, prefix: str) -> list[str]:
        """Ids starting with ``prefix`` (users type the first few characters)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return [r[0] for r in self.conn.execute(
            "SELECT id FROM tasks WHERE id LIKE ? ESCAPE '\\' ORDER BY created_at LIMIT 10", (escaped + "%",))]

    def attempts(self, task_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute("SELECT * FROM attempts WHERE task_id = ? ORDER BY seq", (task_id,))]

    def audit_log(self, task_id: str) -> list[dict[str, Any]]:
        out = []
        for r in self.conn.execute("SELECT ts, event, detail FROM audit_log WHERE task_id = ? ORDER BY id", (task_id,)):
            row = dict(r)
            row["detail"] = json.loads(row["detail"]) if row["detail"] else None
            out.append(row)
        return out

    def history(self, limit: int = 20, status: str | None = None) -> list[dict[str, Any]]:
        if status is None:
            rows = self.conn.execute("SELECT * FROM tasks ORDER BY created_at DESC, rowid DESC LIMIT ?", (limit,))
        else:
            rows = self.conn.execute(
                "SELECT * FROM tasks WHERE status = ? ORDER BY created_at DESC, rowid DESC LIMIT ?", (status, limit))
        return [_task_row(r) for r in rows]

    def counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.conn.execute("SELECT status, COUNT(*) FROM tasks GROUP BY status")}

    def integrity(self) -> list[str]:
        return integrity_check(self.conn)

    def close(self) -> None:
        try:
            if self._checkpointing is not None:
                self._checkpointing.join()
            if self.path is not None:
                try:  # leave a small WAL behind; another process may be reading: then it waits
                    self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.DatabaseError:
                    pass
            self.conn.close()
        finally:
            self.owner.release()


CHECKPOINT_EVERY = 256  # commits; a few MB of WAL at most between checkpoints


def _checkpoint(path: Path, mode: str) -> None:
    try:
        conn = sqlite3.connect(str(path), timeout=5)
        try:
            conn.execute(f"PRAGMA wal_checkpoint({mode})")
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        pass  # busy or gone: the next one (or SQLite's own, in another process) catches up


def _task_row(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    for key in ("metadata", "spec", "routing"):
        if out.get(key):
            try:
                out[key] = json.loads(out[key])
            except ValueError:
                pass
    out["local_only"] = bool(out.get("local_only"))
    return out


def attempt_dict(a: AttemptRecord) -> dict[str, Any]:
    return asdict(a)
