"""Audit records: one per outbound request, no content unless asked for, never a secret."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from planted import KINDS, line_for, secret

from orchex_ls.governance.audit import (
    AUDIT_EVENT,
    AuditRecord,
    audit_record,
    payload_bytes,
    read_audit,
    write_audit,
)
from orchex_ls.governance.outbound import Governance, Outbound
from orchex_ls.governance.policy import PolicyDecision
from orchex_ls.governance.redact import redact_messages
from orchex_ls.governance.settings import GovernanceConfig
from orchex_ls.storage.store import Store

REMOTE = SimpleNamespace(name="claude", model="anthropic/claude-sonnet-4-5", local=False)
LOCAL = SimpleNamespace(name="ollama", model="ollama/qwen2.5-coder", local=True)
BUILTIN = SimpleNamespace(name="builtin", model="builtin", local=True)


def planted_messages(seed: int = 0) -> tuple[list[dict[str, str]], list[str]]:
    rng = random.Random(seed)
    values = [secret(kind, rng) for kind in KINDS]
    code = "\n".join(line_for(kind, value, rng) for kind, value in zip(KINDS, values))
    messages = [{"role": "system", "content": "You refactor Python code."},
                {"role": "user", "content": f"Refactor:\n```python\n{code}\n```"}]
    pieces = [piece for value in values for piece in value.splitlines()]
    return messages, pieces


def test_record_fields():
    messages, _ = planted_messages()
    sent, redaction = redact_messages(messages)
    now = datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=timezone(timedelta(hours=2)))
    record = audit_record(agent=REMOTE, payload=sent, task_id="t1", file="pkg/x.py", redaction=redaction, now=now)
    data = payload_bytes(sent)
    assert record.time == "2026-03-01T10:30:05.123Z"  # UTC
    assert (record.task_id, record.agent, record.model, record.file) == ("t1", "claude", REMOTE.model, "pkg/x.py")
    assert record.bytes == len(data) and record.payload_sha256 == hashlib.sha256(data).hexdigest()
    assert record.redactions.count == redaction.count == sum(record.redactions.kinds.values()) >= len(KINDS)
    assert record.content is None


def test_agent_by_name_and_plain_text_payload():
    record = audit_record(agent="local-llm", model="ollama/x", payload="héllo")
    assert (record.agent, record.model, record.bytes) == ("local-llm", "ollama/x", len("héllo".encode()))
    assert record.redactions.count == 0 and record.time.endswith("Z")


@pytest.mark.parametrize("redact_secrets", [True, False])
@pytest.mark.parametrize("audit_content", [True, False])
def test_records_never_hold_a_secret_and_hold_content_only_when_asked(redact_secrets, audit_content, tmp_path):
    messages, pieces = planted_messages(1)
    governance = Governance(GovernanceConfig(redact_secrets=redact_secrets, audit_content=audit_content), tmp_path)
    outbound = governance.prepare(messages, agent=REMOTE, task_id="t1", path=tmp_path / "pkg" / "m.py")
    assert isinstance(outbound, Outbound) and outbound.record is not None
    stored = outbound.record.model_dump_json()
    assert not [p for p in pieces if p in stored]
    assert (outbound.record.content is not None) is audit_content
    assert outbound.record.file == "pkg/m.py"
    sent = json.dumps(outbound.messages)
    assert bool([p for p in pieces if p in sent]) is not redact_secrets  # sent as configured
    if audit_content and redact_secrets:  # nothing left to hide: the content is what was sent
        assert hashlib.sha256(outbound.record.content.encode()).hexdigest() == outbound.record.payload_sha256


def test_prepare_redacts_and_restores(tmp_path):
    messages, pieces = planted_messages(2)
    outbound = Governance(GovernanceConfig(), tmp_path).prepare(messages, agent=REMOTE)
    assert isinstance(outbound, Outbound)
    assert outbound.redaction.count >= len(KINDS)
    assert outbound.restore(outbound.messages[1]["content"]) == messages[1]["content"]
    assert outbound.size_bytes == len(payload_bytes(outbound.messages))
    assert messages == planted_messages(2)[0]  # the caller's messages are untouched


def test_prepare_refuses_by_glob_and_by_size(tmp_path):
    governance = Governance(GovernanceConfig(deny=["vault/"], local_only=["internal/"], max_payload_kb=1), tmp_path)
    messages = [{"role": "user", "content": "x = 1"}]
    denied = governance.prepare(messages, agent=LOCAL, path="vault/keys.py")
    assert isinstance(denied, PolicyDecision) and denied.rule == "deny"
    assert isinstance(governance.prepare(messages, agent=REMOTE, path="internal/a.py"), PolicyDecision)
    assert isinstance(governance.prepare(messages, agent=LOCAL, path="internal/a.py"), Outbound)
    big = [{"role": "user", "content": "y" * 1100}]
    too_big = governance.prepare(big, agent=REMOTE)
    assert isinstance(too_big, PolicyDecision) and too_big.rule == "max-payload-kb"


def test_payload_limit_counts_the_redacted_request(tmp_path):
    # 40 long keys shrink to short placeholders: the request that goes out fits the limit.
    rng = random.Random(3)
    content = "\n".join(f"K{i} = '{secret('anthropic-key', rng)}'" for i in range(12))
    assert len(content) > 1024
    outbound = Governance(GovernanceConfig(max_payload_kb=1), tmp_path).prepare(
        [{"role": "user", "content": content}], agent=REMOTE)
    assert isinstance(outbound, Outbound) and outbound.size_bytes <= 1024


def test_builtin_agent_is_not_checked_redacted_or_audited(tmp_path):
    governance = Governance(GovernanceConfig(deny=["*"], max_payload_kb=1), tmp_path)
    messages, _ = planted_messages(4)
    outbound = governance.prepare(messages, agent=BUILTIN, path="a.py")
    assert isinstance(outbound, Outbound)
    assert outbound.messages == messages and outbound.record is None and outbound.redaction.count == 0


def test_router_filter_only_with_globs(tmp_path):
    assert Governance(GovernanceConfig(), tmp_path).agent_filter() is None
    veto = Governance(GovernanceConfig(deny=["vault/"]), tmp_path).agent_filter()
    assert "deny glob 'vault/'" in veto(SimpleNamespace(path="vault/a.py"), REMOTE)


def test_no_record_when_audit_is_off(tmp_path):
    outbound = Governance(GovernanceConfig(audit=False), tmp_path).prepare([{"role": "user", "content": "x"}],
                                                                          agent=REMOTE)
    assert isinstance(outbound, Outbound) and outbound.record is None


def test_known_values_never_reach_the_request_or_the_record(tmp_path):
    key = "my-company-internal-key-42"
    governance = Governance(GovernanceConfig(audit_content=True), tmp_path)
    outbound = governance.prepare([{"role": "user", "content": f"key is {key}"}], agent=REMOTE, known=[key])
    assert key not in json.dumps(outbound.messages) and key not in outbound.record.model_dump_json()


@pytest.mark.parametrize("persistent", [False, True])
def test_records_go_to_the_stores_audit_log_and_come_back(persistent, tmp_path: Path):
    store = Store(tmp_path / "state" if persistent else None)
    try:
        store.create_task("t1", "refactor")
        messages, pieces = planted_messages(5)
        outbound = Governance(GovernanceConfig(audit_content=True), tmp_path).prepare(
            messages, agent=REMOTE, task_id="t1", path="pkg/m.py")
        write_audit(store, outbound.record)
        write_audit(store, outbound.record)  # a retry: one row per request
        rows = [r for r in store.audit_log("t1") if r["event"] == AUDIT_EVENT]
        assert len(rows) == 2
        assert read_audit(store, "t1") == [outbound.record, outbound.record]
        dump = "\n".join(str(tuple(row)) for row in store.conn.execute("SELECT * FROM audit_log"))
        assert not [p for p in pieces if p in dump]
    finally:
        store.close()


def test_read_audit_skips_rows_it_cannot_read():
    store = Store(None)
    try:
        store.audit("t9", AUDIT_EVENT, {"agent": "x"})  # written by something else: incomplete
        store.audit("t9", "queued", {"task_type": "refactor"})
        assert read_audit(store, "t9") == []
    finally:
        store.close()


def test_record_model_refuses_a_bad_hash():
    with pytest.raises(ValueError):
        AuditRecord(time="2026-01-01T00:00:00.000Z", agent="a", bytes=1, payload_sha256="not-a-hash")
