"""Open the orchestrator's SQLite database: WAL mode, a busy timeout, versioned migrations.

WAL lets the language server and CLI commands read while one of them writes; writers queue
on the lock for up to ``BUSY_TIMEOUT_MS``. ``synchronous=NORMAL`` in WAL mode never corrupts
the database on a crash (a kill -9 included); at worst a power loss drops the last commits.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

DB_NAME = "orchex.db"
BUSY_TIMEOUT_MS = 5000

# One entry per schema version; entry i takes the database from version i to i + 1.
# Never edit a released entry: append a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE tasks (
        id TEXT PRIMARY KEY,
        task_type TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        agent TEXT,
        reason TEXT,
        local_only INTEGER NOT NULL DEFAULT 0,
        path TEXT,
        prompt_file TEXT,
        input_chars INTEGER NOT NULL DEFAULT 0,
        input_sha256 TEXT,
        input TEXT,
        output_chars INTEGER,
        output_sha256 TEXT,
        output TEXT,
        metadata TEXT,
        spec TEXT,
        routing TEXT,
        cost_usd REAL NOT NULL DEFAULT 0,
        tokens_in INTEGER NOT NULL DEFAULT 0,
        tokens_out INTEGER NOT NULL DEFAULT 0,
        runs INTEGER NOT NULL DEFAULT 1,
        owner TEXT
    );
    CREATE INDEX tasks_by_status ON tasks (status, updated_at);
    CREATE INDEX tasks_by_created ON tasks (created_at);
    CREATE TABLE attempts (
        task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        run INTEGER NOT NULL,
        agent TEXT NOT NULL,
        model TEXT,
        status TEXT NOT NULL,
        error_kind TEXT,
        message TEXT,
        started_at REAL NOT NULL,
        latency_ms REAL NOT NULL DEFAULT 0,
        tokens_in INTEGER NOT NULL DEFAULT 0,
        tokens_out INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (task_id, seq)
    );
    CREATE TABLE agent_stats (
        agent TEXT NOT NULL,
        task_type TEXT NOT NULL,
        successes INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0,
        calls INTEGER NOT NULL DEFAULT 0,
        cost_total REAL NOT NULL DEFAULT 0,
        tokens_in_total INTEGER NOT NULL DEFAULT 0,
        tokens_out_total INTEGER NOT NULL DEFAULT 0,
        latency_ewma_ms REAL,
        latency_recent TEXT,
        updated_at REAL NOT NULL,
        PRIMARY KEY (agent, task_type)
    );
    CREATE TABLE agent_health (
        agent TEXT PRIMARY KEY,
        circuit TEXT NOT NULL,
        opened_at REAL,
        unhealthy TEXT,
        updated_at REAL NOT NULL
    );
    CREATE TABLE budget_ledger (
        id INTEGER PRIMARY KEY,
        ts REAL NOT NULL,
        day TEXT NOT NULL,
        month TEXT NOT NULL,
        task_id TEXT,
        agent TEXT NOT NULL,
        cost_usd REAL NOT NULL
    );
    CREATE INDEX ledger_by_day ON budget_ledger (day);
    CREATE INDEX ledger_by_month ON budget_ledger (month);
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        ts REAL NOT NULL,
        task_id TEXT,
        event TEXT NOT NULL,
        detail TEXT
    );
    CREATE INDEX audit_by_task ON audit_log (task_id);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


class DatabaseError(Exception):
    """The database cannot be used: says which file and why."""


def connect(path: Path | str) -> sqlite3.Connection:
    """Open (creating and migrating if needed) the database at ``path`` (``":memory:"`` too)."""
    where = str(path)
    try:
        # Autocommit mode: every write transaction is an explicit BEGIN IMMEDIATE, so a writer
        # takes the lock before reading and never fails half-way with a stale snapshot.
        conn = sqlite3.connect(where, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if where != ":memory:":
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise DatabaseError(f"{where}: cannot switch to WAL mode (got {mode})")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn, where)
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"cannot open the orchestrator database {where}: {exc}") from None
    conn.row_factory = sqlite3.Row
    return conn


def migrate(conn: sqlite3.Connection, where: str = "database") -> int:
    """Bring the schema to ``SCHEMA_VERSION``; one transaction per step, safe against a
    second process doing the same at the same time. Returns the version found."""
    found = initial = conn.execute("PRAGMA user_version").fetchone()[0]
    if found > SCHEMA_VERSION:
        raise DatabaseError(
            f"{where} has schema version {found}, newer than this orchex knows ({SCHEMA_VERSION}); upgrade orchex"
        )
    while found < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
            if current == found:
                for statement in MIGRATIONS[found].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {found + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        found = conn.execute("PRAGMA user_version").fetchone()[0]
    return initial


def integrity_check(conn: sqlite3.Connection) -> list[str]:
    """``PRAGMA integrity_check``: ``["ok"]`` for a sound database."""
    return [row[0] for row in conn.execute("PRAGMA integrity_check")]
