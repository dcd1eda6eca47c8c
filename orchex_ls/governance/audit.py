"""The audit trail: one record per request sent to an LLM agent.

A record says when, to which agent and model, from which file, how many bytes, the SHA-256 of
what was sent, and how many secrets of which kinds were redacted. The request's text is kept
only with ``audit-content = true``, and even then it is scanned for secrets once more before
it is stored (the request may have gone out unredacted, with ``redact-secrets = false``).

Records are stored in the orchestrator's ``audit_log`` table as event ``outbound-request``
(``Store.audit``), next to the task's state changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from .redact import Redaction, redact, redact_messages
from .settings import GovernanceConfig

AUDIT_EVENT = "outbound-request"
Payload = str | bytes | Sequence[Mapping[str, Any]]


class AuditStore(Protocol):
    """What ``orchex_ls.storage.store.Store`` offers for the audit log."""

    def audit(self, task_id: str | None, event: str, detail: Mapping[str, Any] | None = None) -> None: ...

    def audit_log(self, task_id: str) -> list[dict[str, Any]]: ...


class Redactions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    count: int = Field(0, ge=0)
    kinds: dict[str, int] = {}


class AuditRecord(BaseModel):
    """One outbound request, as the audit log keeps it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    time: str  # UTC, ISO 8601
    task_id: str | None = None
    agent: str
    model: str | None = None
    file: str | None = None
    bytes: int = Field(ge=0)
    payload_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    redactions: Redactions = Redactions()
    content: str | None = None  # only with audit-content = true; never holds a secret


def payload_bytes(payload: Payload) -> bytes:
    """The bytes a record describes: text as UTF-8; chat messages as compact JSON (the order
    given, non-ASCII kept), so that ``sha256`` of a stored ``content`` can be checked."""
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogatepass")
    return json.dumps(list(payload), ensure_ascii=False, separators=(",", ":"), default=str).encode(
        "utf-8", "surrogatepass")


def _stored_content(payload: Payload, known: Iterable[str]) -> str:
    """The payload's text with every secret replaced, message by message (in JSON-escaped
    text a password's quotes are ``\\"``, and its assignment would no longer be recognised)."""
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8", "replace")
    if isinstance(payload, str):
        return redact(payload, known).text
    messages, _ = redact_messages([dict(m) for m in payload], known)
    return payload_bytes(messages).decode("utf-8", "surrogatepass")


def audit_record(*, agent: Any, payload: Payload, task_id: str | None = None, file: str | None = None,
                 redaction: Redaction | None = None, config: GovernanceConfig | None = None,
                 model: str | None = None, known: Iterable[str] = (), now: datetime | None = None) -> AuditRecord:
    """The record of sending ``payload`` (as sent: already redacted) to ``agent`` (an object
    with ``name`` and ``model``, or a name; then ``model`` names the model). ``redaction``:
    what was redacted from it; ``known``: secret values never to store (API keys)."""
    config = config or GovernanceConfig()
    data = payload_bytes(payload)
    content = None
    if config.audit_content:
        # Scanned again: the request may have gone out unredacted (redact-secrets = false).
        # With redaction on, nothing new is found and sha256(content) == payload_sha256.
        content = _stored_content(payload, known)
    summary = redaction.summary() if redaction is not None else {"count": 0, "kinds": {}}
    when = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return AuditRecord(
        time=when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        task_id=task_id,
        agent=agent if isinstance(agent, str) else str(getattr(agent, "name", agent)),
        model=model if model is not None or isinstance(agent, str) else getattr(agent, "model", None),
        file=file,
        bytes=len(data),
        payload_sha256=hashlib.sha256(data).hexdigest(),
        redactions=Redactions.model_validate(summary),
        content=content,
    )


def write_audit(store: AuditStore, record: AuditRecord) -> None:
    """Append ``record`` to the store's audit log (one committed row)."""
    store.audit(record.task_id, AUDIT_EVENT, record.model_dump(mode="json", exclude_none=True))


def read_audit(store: AuditStore, task_id: str) -> list[AuditRecord]:
    """The outbound-request records of a task, oldest first (rows that do not parse are skipped)."""
    out = []
    for row in store.audit_log(task_id):
        if row.get("event") == AUDIT_EVENT and isinstance(row.get("detail"), dict):
            try:
                out.append(AuditRecord.model_validate(row["detail"]))
            except ValueError:
                continue
    return out
