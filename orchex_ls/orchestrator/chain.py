"""The attempt chain of a task: database records of its attempts, the summary a human gets
when every agent failed, and how to rebuild the task later without its texts."""

from __future__ import annotations

from typing import Any

from ..storage.store import AttemptRecord
from .models import Attempt, Task


def record(attempt: Attempt, started_wall: float) -> AttemptRecord:
    return AttemptRecord(
        agent=attempt.agent, status=attempt.status, started_at=started_wall, model=attempt.model,
        error_kind=attempt.error_kind, message=attempt.message, latency_ms=attempt.latency_ms,
        tokens_in=attempt.tokens_in, tokens_out=attempt.tokens_out, cost_usd=attempt.cost_usd)


def escalation_kind(attempts: list[Attempt]) -> str | None:
    """The last call's failure kind; or, when no call was made, the one reason every agent
    was skipped for (budget, policy, ...)."""
    failed = [a for a in attempts if a.status == "failed"]
    if failed:
        return failed[-1].error_kind
    kinds = {a.error_kind for a in attempts if a.status == "skipped"}
    return kinds.pop() if len(kinds) == 1 else None


def escalation_reason(attempts: list[Attempt]) -> str:
    """``every agent failed, needs a human: a: server_error ×2; b: invalid_output``."""
    if not attempts:
        return "no agent could take the task"
    parts: list[str] = []
    for a in attempts:
        label = f"{a.agent}: skipped ({a.message})" if a.status == "skipped" else f"{a.agent}: {a.error_kind or a.status}"
        head, _, count = parts[-1].partition(" ×") if parts else ("", "", "")
        if head == label:
            parts[-1] = f"{label} ×{int(count or 1) + 1}"
        else:
            parts.append(label)
    return "every agent failed, needs a human: " + "; ".join(parts)


def task_spec(task: Task, prompt_file: str | None) -> dict[str, Any]:
    """How to rebuild the task without its texts (for ``retry`` with content logging off)."""
    return {
        "prompt_from": "file" if prompt_file else ("inline" if task.prompt else None),
        "messages": bool(task.messages),
        "code_from": "inline" if task.code is not None and not task.path else ("path" if task.path else None),
        "selection": task.selection.model_dump() if task.selection else None,
        "max_tokens": task.max_tokens,
    }
