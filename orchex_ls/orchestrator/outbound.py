"""Governance where the orchestrator meets the wire (``[tool.orchex.governance]``).

The router gets the ``deny`` / ``local-only`` globs as a filter on the task's file alone;
the payload limit is checked on what is really sent, after redaction, right before each
call (``Governance.prepare``: policy, redaction, size, audit record). An LLM agent whose
request is refused is skipped with a ``policy`` reason; the builtin agent sends nothing and
is never concerned. The same rules hold for editor, CLI and SDK tasks: they are the
orchestrator's, not a caller's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from ..governance.audit import AUDIT_EVENT, AuditRecord
from ..governance.outbound import Governance, Outbound
from .models import Task

Veto = Callable[[Task, Any], "str | None"]


def path_filter(governance: Governance) -> Veto | None:
    """The router's filter: may this agent get the task's file? None without globs (routing
    then pays nothing). The payload's size is not judged here: the task's texts are not what
    is sent (an editor task carries the whole file for the builtin agent, and the messages
    are redacted first); ``Governance.prepare`` measures the real request."""
    config = governance.config
    if not (config.deny or config.local_only):
        return None
    policy = governance.policy

    def veto(task: Task, agent: Any) -> str | None:
        decision = policy.check(task.path, agent)
        return None if decision.allowed else decision.reason

    return veto


def combine(first: Veto | None, second: Veto | None) -> Veto | None:
    if first is None or second is None:
        return first or second

    def both(task: Task, agent: Any) -> str | None:
        return first(task, agent) or second(task, agent)

    return both


def known_secrets(env_names: Iterable[str | None]) -> list[str]:
    """The configured API keys' values: redacted wherever a payload holds them."""
    return [v for v in (os.environ.get(n) for n in env_names if n) if v and len(v) >= 8]


def audit_row(record: AuditRecord) -> tuple[None, str, dict[str, Any]]:
    """``Store.audit`` arguments for one outbound request. The row is not filed under the
    task (its id is in the detail): a task's audit rows are its state changes, in order."""
    return None, AUDIT_EVENT, record.model_dump(mode="json", exclude_none=True)


def sent_chars(task: Task, chars: int) -> int:
    """What an LLM agent reads of the task: its messages alone when it has them (the code
    then travels for the builtin agent only), else everything."""
    if task.messages:
        return sum(len(m.content) for m in task.messages)
    return chars


def clear(governance: Governance, messages: list[dict[str, str]], task: Task, agent: Any,
          known: Iterable[str]) -> tuple[Outbound | None, tuple[str, str] | None]:
    """``(outbound, None)``: the request for ``agent`` cleared (redacted, measured, its audit
    record made); or ``(None, ("policy", reason))``."""
    prepared = governance.prepare(messages, agent=agent, task_id=task.id, path=task.path, known=known)
    if isinstance(prepared, Outbound):
        return prepared, None
    return None, ("policy", f"policy: {prepared.reason}")


def may_reach_llm(agents: Iterable[Any], task: Task, veto: Veto | None) -> bool:
    """Could an LLM agent take ``task``, as far as its type, the local requirement and the
    governance filter say?"""
    for agent in agents:
        if agent.builtin or task.task_type not in agent.task_types:
            continue
        if task.local_only and not agent.config.local:
            continue
        if veto is not None and veto(task, agent.config):
            continue
        return True
    return False
