"""The language server's orchestrators: one per workspace folder, created on first use,
replaced when the folder's settings change; and what the editor is told about them
(the ``orchex/status`` notification, failure messages).

Nothing here imports litellm: the orchestrator loads it when a task may reach an LLM agent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import OrchexConfig
from ..storage.db import DB_NAME

if TYPE_CHECKING:
    from ..orchestrator.models import TaskResult
    from ..orchestrator.orchestrator import Orchestrator
    from .state import FolderState


def project_root(folder: FolderState) -> Path:
    """Where the folder's configuration lives (``state-dir`` and governance globs are
    relative to it): the config file's folder, else the workspace folder."""
    return folder.config_file.parent if folder.config_file else folder.path


class Orchestras:
    """Orchestrators by folder path. A folder whose settings changed gets a new one; the old
    one is closed once its tasks are done (closing cancels what still runs)."""

    def __init__(self) -> None:
        self._by_folder: dict[Path, Orchestrator] = {}
        self._busy: dict[int, int] = {}
        self._retired: list[Orchestrator] = []
        self._closing: set[asyncio.Task] = set()  # referenced: the loop holds tasks weakly

    def existing(self, folder: FolderState) -> Orchestrator | None:
        orch = self._by_folder.get(folder.path)
        return orch if orch is not None and orch.config == folder.config else None

    def get(self, folder: FolderState) -> Orchestrator:
        orch = self._by_folder.get(folder.path)
        if orch is not None and orch.config == folder.config:
            return orch
        from ..orchestrator.orchestrator import Orchestrator

        root = project_root(folder)
        fresh = Orchestrator(folder.config, state_dir=root / folder.config.state_dir, root=root)
        if orch is not None:
            self._retired.append(orch)
            self._close_idle()
        self._by_folder[folder.path] = fresh
        return fresh

    def open_existing(self, folders: Iterable[FolderState]) -> None:
        """Open the orchestrators of folders that have used one before (their database
        exists): the status then shows their health and today's cost from the start."""
        for folder in folders:
            if folder.path not in self._by_folder and (project_root(folder) / folder.config.state_dir / DB_NAME).is_file():
                try:
                    self.get(folder)
                except Exception:  # noqa: BLE001 - reported when the user asks for a task
                    pass

    def busy(self, orch: Orchestrator, delta: int) -> None:
        self._busy[id(orch)] = self._busy.get(id(orch), 0) + delta
        if self._busy[id(orch)] <= 0:
            del self._busy[id(orch)]
            self._close_idle()

    def _close_idle(self) -> None:
        for orch in [o for o in self._retired if id(o) not in self._busy]:
            self._retired.remove(orch)
            closing = asyncio.ensure_future(orch.aclose())
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)

    def all(self) -> list[Orchestrator]:
        return list(self._by_folder.values())

    async def aclose(self) -> None:
        for orch in [*self._by_folder.values(), *self._retired]:
            await orch.aclose()
        self._by_folder.clear()
        self._retired.clear()


def _agent_count(config: OrchexConfig) -> int:
    from ..orchestrator.agents import agent_configs

    return len(agent_configs(config))


def status_of(folders: Iterable[FolderState], orchestras: Orchestras, running: int) -> dict[str, Any]:
    """``orchex/status``: agents able to take a call now out of all configured (over every
    folder), AI tasks running in this server, and what the folders' agents cost today."""
    healthy = total = 0
    cost = 0.0
    for folder in folders:
        orch = orchestras.existing(folder)
        if orch is None:
            count = _agent_count(folder.config)
            healthy += count
            total += count
            continue
        total += len(orch.agents)
        healthy += sum(1 for a in orch.agents if a.blocked() is None)
        cost += float(orch.budget.summary()["spent_today_usd"])
    return {"agents": {"healthy": healthy, "total": total}, "tasks": {"running": running},
            "cost": {"today_usd": round(cost, 6)}}


def governed_path(orch: Orchestrator, path: Path | None, fallback: str) -> tuple[str, bool]:
    """The task's path as governance sees it (relative to the project root the globs are
    written for, which may be above the workspace folder), and whether the file must stay on
    this machine (``local-only``)."""
    policy = orch.governance.policy
    shown = (policy.relative(path) if path is not None else None) or (str(path) if path else fallback)
    return shown, policy.match(shown)[0] == "local-only"


def filtered_notes(result: TaskResult) -> str:
    """Agents the router did not ask, and why (governance, budget, health), in one line."""
    routing = result.routing
    if routing is None:
        return ""
    notes = [f"{c.agent} ({c.filtered})" for c in routing.candidates
             if c is not None and c.filtered and not c.filtered.startswith("does not serve")]
    return "; ".join(notes)


def failure_message(result: TaskResult, what: str, path: str) -> str:
    """What the user reads when nothing could be applied: the final reason, then the agents
    that were not asked and why (a denied file, an exhausted budget...)."""
    if result.status == "escalated":
        head = f"orchex: Refactor {what} with AI ({path}): no acceptable answer"
    else:
        head = f"orchex: Refactor {what} with AI ({path}): {result.status}"
    parts = [head]
    if result.reason:
        parts.append(result.reason)
    notes = filtered_notes(result)
    if notes and notes not in (result.reason or ""):
        parts.append(f"not asked: {notes}")
    return " — ".join(parts)

