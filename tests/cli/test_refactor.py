"""`orchex refactor` end to end, in a subprocess, as a user runs it."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from samples import ELIF, ELSE_IF

from orchex_ls.refactor.rules import RULES

NESTED = """\
def total(rows, limit):
    result = 0
    for row in rows:
        if row > limit:
            result += row
    return result
"""


def orchex(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orchex_ls.cli.main", "refactor", *args],
        capture_output=True, text=True, cwd=cwd, timeout=120, env={**os.environ},
    )


def test_list_names_every_refactoring():
    run = orchex("--list")
    assert run.returncode == 0, run.stderr
    for rule in RULES:
        assert rule.id in run.stdout
    listed = json.loads(orchex("--list", "--json").stdout)
    assert [r["id"] for r in listed] == [r.id for r in RULES]
    assert {r["kind"] for r in listed} <= {"refactor.extract", "refactor.inline", "refactor.rewrite", "quickfix"}


def test_diff_is_the_default_and_changes_nothing(tmp_path):
    target = tmp_path / "pick.py"
    target.write_text(ELSE_IF)
    run = orchex("pick.py:4", "--rule", "elif-chain", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("--- a/pick.py\n+++ b/pick.py\n")
    assert "+    elif b:  # keep me\n" in run.stdout
    assert "cognitive 5 → 3" in run.stderr
    assert target.read_text() == ELSE_IF
    # The diff applies with git as is.
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "apply"], input=run.stdout, text=True, cwd=tmp_path, check=True)
    assert target.read_text() == ELIF


def test_apply_writes_atomically_keeping_mode_encoding_and_newlines(tmp_path):
    target = tmp_path / "pick.py"
    crlf = ("# -*- coding: latin-1 -*-\n# caf\xe9\n" + ELSE_IF).replace("\n", "\r\n")
    target.write_bytes(crlf.encode("latin-1"))
    target.chmod(0o755)
    run = orchex(f"{target}:6", "--rule", "elif-chain", "--apply")
    assert run.returncode == 0, run.stderr
    data = target.read_bytes()
    assert data == ("# -*- coding: latin-1 -*-\n# caf\xe9\n" + ELIF).replace("\n", "\r\n").encode("latin-1")
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert [p.name for p in tmp_path.iterdir()] == ["pick.py"]  # no temporary file left


@pytest.mark.parametrize("location, rule", [
    ("f.py:3-5", "extract-function"),  # LINE-LINE: the whole statements on those lines
    ("f.py:3:5-5:26", "extract-function"),  # the same range by columns; end just past
])
def test_locations(tmp_path, location, rule):
    (tmp_path / "f.py").write_text(NESTED)
    run = orchex(location, "--rule", rule, "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    outcome = json.loads(run.stdout)
    assert outcome["outcome"] == "applied"
    compile(outcome["new_source"], "f.py", "exec")
    assert "def _extracted" in outcome["new_source"]


def test_a_rule_that_does_not_apply_exits_1_with_the_reason(tmp_path):
    (tmp_path / "f.py").write_text(NESTED)
    run = orchex("f.py:1", "--rule", "elif-chain", cwd=tmp_path)
    assert run.returncode == 1
    assert "elif-chain does not apply at f.py:1:" in run.stderr and "else" in run.stderr
    assert run.stdout == ""
    refused = json.loads(orchex("f.py:1", "--rule", "elif-chain", "--json", cwd=tmp_path).stdout)
    assert refused["outcome"] == "refused" and refused["reason"]


@pytest.mark.parametrize("args, message", [
    (["f.py", "--rule", "elif-chain"], "is not FILE:LINE"),
    (["f.py:0", "--rule", "elif-chain"], "lines start at 1"),
    (["f.py:5-2", "--rule", "elif-chain"], "must not end before it starts"),
    (["f.py:99", "--rule", "elif-chain"], "has only 6 lines"),
    (["f.py:1", "--rule", "no-such-rule"], "unknown refactoring 'no-such-rule'"),
    (["missing.py:1", "--rule", "elif-chain"], "cannot read missing.py"),
    (["blob.py:1", "--rule", "elif-chain"], "binary file"),
    (["f.py:1"], "give a location and --rule"),
])
def test_usage_errors_exit_2(tmp_path, args, message):
    (tmp_path / "f.py").write_text(NESTED)
    (tmp_path / "blob.py").write_bytes(b"\x00\x01binary")
    run = orchex(*args, cwd=tmp_path)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert message in run.stderr
    assert "Traceback" not in run.stderr


def test_syntax_error_is_a_refusal_not_a_crash(tmp_path):
    (tmp_path / "bad.py").write_text("def f(:\n    pass\n")
    run = orchex("bad.py:1", "--rule", "guard-clause", cwd=tmp_path)
    assert run.returncode == 1
    assert "does not parse (line 1)" in run.stderr and "Traceback" not in run.stderr
