"""docs/refactorings.md, generated from the rules' own docstrings (one source of truth).

Regenerate with ``python -m orchex_ls.refactor.docs > docs/refactorings.md``; a test fails
when the file and the docstrings disagree, and another applies every Before example and
checks it gives the After example.
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from importlib import import_module

from .rules import RULES

HEADER = """\
# Refactorings

Every refactoring below is a libcst transformation that keeps the program's behaviour. Before
an edit reaches you, orchex checks that the result parses and compiles, that every name in the
changed code binds to the same definition as before (and that no new name shadows another),
and that the text outside the changed code is byte-for-byte the same — comments and
formatting included. A refactoring whose preconditions cannot be proven is not offered; on the
command line it exits 1 with the reason.

Where they show up: as code actions at the cursor or selection (`refactor.extract`,
`refactor.inline`, `refactor.rewrite`, and as `quickfix` on the diagnostics they reduce);
through the command `orchex.applyRefactoring {uri, range, refactoring}`; and on the command
line: `orchex refactor FILE:LINE[:COL][-LINE[:COL]] --rule ID [--diff | --apply]` (lines and
columns 1-based; an end column points just past the last character; a bare `LINE` means the
statement that starts on that line, `LINE-LINE` the whole statements on those lines).
`orchex refactor --list` prints this catalogue. Titles show the metric change, e.g.
`Extract function (cognitive 23 → 11)`.

This file is generated from the rules' docstrings:
`python -m orchex_ls.refactor.docs > docs/refactorings.md`.
"""


@dataclass
class RuleDoc:
    summary: str
    text: list[str]
    before: str
    after: str


def parse_docstring(doc: str) -> RuleDoc:
    lines = textwrap.dedent(doc).strip("\n").splitlines()
    summary = lines[0].split(":", 1)[-1].strip()
    text: list[str] = []
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines[1:]:
        marker = line.strip()
        if marker in ("Before::", "After::"):
            current = blocks.setdefault(marker[:-2], [])
            continue
        if current is not None:
            if line.strip() and not line.startswith((" ", "\t")):
                current = None
            else:
                current.append(line)
                continue
        text.append(line)

    def block(name: str) -> str:
        body = blocks.get(name, [])
        return textwrap.dedent("\n".join(body)).strip("\n") + "\n" if body else ""

    return RuleDoc(summary, text, block("Before"), block("After"))


def rule_doc(rule) -> RuleDoc:
    return parse_docstring(import_module(type(rule).__module__).__doc__ or f"{rule.id}: ")


def render() -> str:
    out = [HEADER, "| id | kind | fixes | what it does |", "|---|---|---|---|"]
    for rule in RULES:
        fixes = ", ".join(rule.answers) or "—"
        out.append(f"| [`{rule.id}`](#{rule.id}) | `{rule.kind}` | {fixes} | {rule.description} |")
    for rule in RULES:
        doc = rule_doc(rule)
        summary = doc.summary.replace("``", "`")
        out += ["", f"## {rule.id}", "", f"**{rule.title}** — {summary}", ""]
        out.append(f"Kind `{rule.kind}`" + (f"; offered as a quick fix for {', '.join(rule.answers)}." if rule.answers else "."))
        prose = "\n".join(doc.text).strip().replace("``", "`")
        if prose:
            out += ["", prose]
        if doc.before:
            out += ["", "Before:", "", "```python", doc.before.rstrip("\n"), "```"]
        if doc.after:
            out += ["", "After:", "", "```python", doc.after.rstrip("\n"), "```"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
