"""Everything governance does to one request, in one call, for the orchestrator:

    governance = Governance.from_config(config, root)
    router = Router(..., policy=governance.agent_filter())
    ...
    outbound = governance.prepare(messages, agent=agent_config, task_id=task.id, path=task.path)
    if isinstance(outbound, PolicyDecision):          # refused: a `policy` failure
        raise ProviderError(FailureKind.policy, outbound.reason)
    if outbound.record is not None:
        write_audit(store, outbound.record)           # before the call: a crash keeps the row
    completion = await provider.complete(request_with(outbound.messages))
    answer = outbound.restore(completion.text)        # the secrets back, byte for byte

The builtin agent runs in this process: nothing is sent, so nothing is checked, redacted or
audited for it (``prepare`` returns the messages as they are).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .audit import AuditRecord, audit_record, payload_bytes
from .policy import BUILTIN_MODEL, Policy, PolicyDecision
from .redact import Redaction, redact_messages, restore
from .settings import GovernanceConfig


@dataclass(frozen=True)
class Outbound:
    """A request cleared to go: the messages to send, how to undo their redaction, and the
    audit record to write (None with ``audit = false`` or for the builtin agent)."""

    messages: list[dict[str, Any]]
    redaction: Redaction = field(default_factory=lambda: Redaction(""))
    record: AuditRecord | None = None
    size_bytes: int = 0

    def restore(self, answer: str) -> str:
        return restore(answer, self.redaction)


class Governance:
    """The policy, redaction and audit settings of one project, applied to requests."""

    def __init__(self, config: GovernanceConfig, root: Path | str | None = None) -> None:
        self.config = config
        self.policy = Policy(config, root)

    @classmethod
    def from_config(cls, config: Any, root: Path | str | None = None) -> Governance:
        """From a ``GovernanceConfig``, or any configuration with a ``governance`` section."""
        policy = Policy.from_config(config, root)
        return cls(policy.config, root)

    def agent_filter(self) -> Callable[[Any, Any], str | None] | None:
        """``(task, agent) -> reason | None`` for the router, on the task's file (see
        ``Policy.agent_filter``); None without globs, so that routing pays nothing."""
        if not (self.config.deny or self.config.local_only):
            return None
        return self.policy.agent_filter()

    def prepare(self, messages: Sequence[Mapping[str, Any]], *, agent: Any, task_id: str | None = None,
                path: str | os.PathLike[str] | None = None, known: Iterable[str] = ()) -> Outbound | PolicyDecision:
        """Check, redact and size ``messages`` for ``agent``: the request to send, or the
        refusal (``deny`` / ``local-only`` glob, ``max-payload-kb``). ``known``: secret values
        to redact wherever they appear (the values of the configured API key variables)."""
        plain = [dict(m) for m in messages]
        if getattr(agent, "model", None) == BUILTIN_MODEL:
            return Outbound(plain)
        decision = self.policy.check(path, agent)
        if not decision.allowed:
            return decision
        known = tuple(k for k in known if k)
        if self.config.redact_secrets:
            plain, redaction = redact_messages(plain, known)
        else:
            redaction = Redaction("")
        size = len(payload_bytes(plain))
        decision = self.policy.check_payload(size)
        if not decision.allowed:
            return decision
        record = None
        if self.config.audit:
            shown = None
            if path is not None:
                shown = self.policy.relative(path) or os.fspath(path)
            record = audit_record(agent=agent, payload=plain, task_id=task_id, file=shown, redaction=redaction,
                                  config=self.config, known=known)
        return Outbound(plain, redaction, record, size)
