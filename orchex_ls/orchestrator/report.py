"""A task's attempt chain as a Markdown report a person can read (``Show attempts``).

Built from the ``TaskResult`` alone: attempts, routing candidates and the final reason.
Messages in it are the orchestrator's (already scrubbed of keys); no prompt or answer text.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

from .models import TaskResult


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip() or "—"


def _usd(value: float) -> str:
    return f"${value:.4f}" if value else "$0"


def render(result: TaskResult, *, title: str, details: Mapping[str, object] | None = None,
           now: float | None = None) -> str:
    """The report: a summary, one row per attempt, and how the router saw each agent."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(now if now is not None else time.time()))
    lines = [f"# {title}", "", f"- Task: `{result.task_id}` ({stamp})", f"- Outcome: **{result.status}**"]
    if result.reason:
        lines.append(f"- Why: {_cell(result.reason)}")
    for key, value in (details or {}).items():
        if value not in (None, ""):
            lines.append(f"- {key}: {_cell(value)}")
    lines.append(f"- Cost: {_usd(result.cost_usd)} ({result.tokens_in} tokens in, {result.tokens_out} out)")
    lines += ["", "## Attempts", ""]
    if result.attempts:
        lines += ["| # | Agent | Model | Outcome | Failure | Detail | Latency | Tokens in/out | Cost |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for n, a in enumerate(result.attempts, 1):
            latency = f"{a.latency_ms:.0f} ms" if a.status != "skipped" else "—"
            lines.append(
                f"| {n} | {_cell(a.agent)} | {_cell(a.model)} | {a.status} | {_cell(a.error_kind)} | {_cell(a.message)} "
                f"| {latency} | {a.tokens_in}/{a.tokens_out} | {_usd(a.cost_usd)} |")
    else:
        lines.append("No agent was called.")
    routing = result.routing
    if routing is not None and routing.candidates:
        lines += ["", f"## Routing (strategy `{routing.strategy}`)", "",
                  "| Agent | Tier | Score | Not a candidate because |", "|---|---|---|---|"]
        for c in routing.candidates:
            if c is None:
                continue
            score = f"{c.score:.3f}" if c.score is not None else "—"
            lines.append(f"| {_cell(c.agent)} | {c.tier} | {score} | {_cell(c.filtered)} |")
        if routing.order:
            lines += ["", "Order tried: " + " → ".join(f"`{name}`" for name in routing.order)]
    if result.status != "succeeded":
        lines += ["", "Nothing was applied: the code is as it was."]
    return "\n".join(lines) + "\n"


def write(state_dir: Path, result: TaskResult, *, title: str, details: Mapping[str, object] | None = None) -> Path:
    """Write the report to ``<state_dir>/reports/<task id>.md``; returns its path."""
    folder = state_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{result.task_id}.md"
    path.write_text(render(result, title=title, details=details), encoding="utf-8")
    return path
