"""Helpers for orchestrator tests: configurations pointing at the fake provider."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from fake_provider import FakeProvider

from orchex_ls.config import OrchexConfig, validate_config
from orchex_ls.orchestrator.orchestrator import Orchestrator

# Small waits everywhere: tests must be fast, and nothing here measures time.
FAST_ROUTING = {"backoff-base-ms": 1, "backoff-max-ms": 20, "retries-per-agent": 1}


def agent(server: FakeProvider, name: str, *, model: str | None = None, **fields: Any) -> dict[str, Any]:
    """An agent on the fake provider's OpenAI endpoint; ``model`` is what the server sees."""
    out = {"name": name, "model": f"openai/{model or name}", "api-base": server.base_url, "timeout-s": 5}
    out.update({k.replace("_", "-"): v for k, v in fields.items()})
    return out


def config(agents: list[dict[str, Any]], routing: dict[str, Any] | None = None,
           budget: dict[str, Any] | None = None) -> OrchexConfig:
    data: dict[str, Any] = {"agents": agents, "routing": {**FAST_ROUTING, **(routing or {})}}
    if budget:
        data["budget"] = budget
    return validate_config(data)


def orchestrator(tmp_path: Path, agents: list[dict[str, Any]], **kwargs: Any) -> Orchestrator:
    routing = kwargs.pop("routing", None)
    budget = kwargs.pop("budget", None)
    return Orchestrator(config(agents, routing, budget), state_dir=tmp_path / "state", **kwargs)


def dump_database(path: Path) -> str:
    """Every row of every table, as text, plus the raw bytes of the files (WAL included)."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = {t: [list(r) for r in conn.execute(f"SELECT * FROM {t}")] for t in tables}
    finally:
        conn.close()
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    return json.dumps(rows, default=str) + raw.decode("latin-1")
