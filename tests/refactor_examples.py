"""The catalogue's own examples (each rule's docstring Before/After), and where in a Before
example a user would select to get its After: shared by the docs and end-to-end tests."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from orchex_ls.refactor.docs import rule_doc
from orchex_ls.refactor.engine import apply_refactoring
from orchex_ls.refactor.models import Applied, Selection


def candidate_selections(source: str) -> Iterator[Selection]:
    """Every place a user might put the cursor or a selection in a small example: cursors,
    runs of whole sibling statements, expressions, and (last, as the CLI's LINE-LINE) lines."""
    lines = source.splitlines()
    tree = ast.parse(source)
    for i, line in enumerate(lines):
        yield Selection.cursor(i, len(line) - len(line.lstrip()))
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                for i, first in enumerate(block):
                    for last in block[i:]:
                        yield Selection(start_line=first.lineno - 1, start_col=first.col_offset,
                                        end_line=last.end_lineno - 1, end_col=last.end_col_offset)
    for node in ast.walk(tree):
        if isinstance(node, ast.expr) and node.end_lineno is not None:
            yield Selection(start_line=node.lineno - 1, start_col=node.col_offset,
                            end_line=node.end_lineno - 1, end_col=node.end_col_offset)
    for i in range(len(lines)):
        for j in range(i, len(lines)):
            yield Selection.lines(i, j)


def example(rule) -> tuple[str, str, Selection | None, set[str]]:
    """(before, after, a selection that turns before into after or None, other results)."""
    doc = rule_doc(rule)
    others: set[str] = set()
    for selection in candidate_selections(doc.before):
        outcome = apply_refactoring(doc.before, selection, rule.id)
        if isinstance(outcome, Applied):
            if outcome.new_source == doc.after:
                return doc.before, doc.after, selection, others
            others.add(outcome.new_source)
    return doc.before, doc.after, None, others
