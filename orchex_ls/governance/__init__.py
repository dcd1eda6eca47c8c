"""Governance: which code may go to which AI agent, secrets kept out of requests, and an audit
trail of what was sent (``[tool.orchex.governance]``).

    settings.py   GovernanceConfig, the configuration section
    policy.py     Policy: deny / local-only globs, payload limit; the router's agent filter
    detectors.py  where the secrets are in a text
    redact.py     redact / restore: placeholders out, original values back
    audit.py      AuditRecord, audit_record, write_audit / read_audit (the storage's audit log)
    outbound.py   Governance.prepare: all of the above for one request

Names resolve on first use (PEP 562): ``orchex_ls.config`` imports ``settings`` without loading
the rest.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "GovernanceConfig": "orchex_ls.governance.settings",
    "Policy": "orchex_ls.governance.policy",
    "PolicyDecision": "orchex_ls.governance.policy",
    "is_local": "orchex_ls.governance.policy",
    "find_secrets": "orchex_ls.governance.detectors",
    "Redaction": "orchex_ls.governance.redact",
    "redact": "orchex_ls.governance.redact",
    "redact_messages": "orchex_ls.governance.redact",
    "restore": "orchex_ls.governance.redact",
    "AUDIT_EVENT": "orchex_ls.governance.audit",
    "AuditRecord": "orchex_ls.governance.audit",
    "audit_record": "orchex_ls.governance.audit",
    "read_audit": "orchex_ls.governance.audit",
    "write_audit": "orchex_ls.governance.audit",
    "Governance": "orchex_ls.governance.outbound",
    "Outbound": "orchex_ls.governance.outbound",
}

__all__ = [
    "AUDIT_EVENT",
    "AuditRecord",
    "Governance",
    "GovernanceConfig",
    "Outbound",
    "Policy",
    "PolicyDecision",
    "Redaction",
    "audit_record",
    "find_secrets",
    "is_local",
    "read_audit",
    "redact",
    "redact_messages",
    "restore",
    "write_audit",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'orchex_ls.governance' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from .audit import AUDIT_EVENT, AuditRecord, audit_record, read_audit, write_audit
    from .detectors import find_secrets
    from .outbound import Governance, Outbound
    from .policy import Policy, PolicyDecision, is_local
    from .redact import Redaction, redact, redact_messages, restore
    from .settings import GovernanceConfig
