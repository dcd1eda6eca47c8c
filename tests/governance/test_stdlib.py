"""Redaction on real code: the standard library (tests excluded) has almost no secrets."""

from __future__ import annotations

import ast
from collections import Counter

from planted import PY, stdlib_modules

from orchex_ls.governance.detectors import find_secrets
from orchex_ls.governance.redact import redact, restore

# Measured on CPython 3.11.7 (563 modules, 286k lines): 4 findings, all in docstrings:
#   hashlib.py   a sha224 hex digest in an example
#   secrets.py   token_hex() and token_urlsafe() outputs in examples (random by design)
#   urllib/request.py   passwd='geheim$parole' in an example
# Other versions move a module or two; the bound leaves room for that, not for a regression.
MAX_FINDINGS = 10


def test_few_false_positives_on_the_stdlib():
    findings = []
    kinds: Counter[str] = Counter()
    for rel, text in stdlib_modules():
        for start, end, kind in find_secrets(text):
            findings.append(f"{rel}: {kind}: {text[start:end][:40]}")
            kinds[kind] += 1
    assert len(findings) <= MAX_FINDINGS, f"Python {PY}: {len(findings)} findings\n" + "\n".join(findings)
    # Nothing with a vendor's shape: those would be real mistakes, not judgement calls.
    assert set(kinds) <= {"high-entropy", "password", "url-password", "secret-assignment"}, kinds


def _strings_blanked(tree: ast.AST) -> str:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            node.value = type(node.value)()
    return ast.dump(tree)


def test_redacted_stdlib_modules_still_parse_to_the_same_code_and_restore_exactly():
    changed = 0
    for rel, text in stdlib_modules(stride=3):
        try:
            before = ast.parse(text)
        except SyntaxError:
            continue
        result = redact(text)
        assert restore(result.text, result) == text, rel
        if result.secrets:
            changed += 1
            assert _strings_blanked(ast.parse(result.text)) == _strings_blanked(before), rel
    assert changed <= MAX_FINDINGS
