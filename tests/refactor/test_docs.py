"""docs/refactorings.md is generated from the rules, and its examples are true: applying each
rule to its Before example gives exactly its After example."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from orchex_ls.refactor.docs import render, rule_doc
from orchex_ls.refactor.engine import apply_refactoring
from orchex_ls.refactor.models import Applied, Selection
from orchex_ls.refactor.rules import RULES

DOCS = Path(__file__).parents[2] / "docs" / "refactorings.md"


def test_docs_are_generated_from_the_rules():
    assert DOCS.read_text() == render(), "run: python -m orchex_ls.refactor.docs > docs/refactorings.md"


def candidate_selections(source: str):
    """Every place a user might put the cursor or a selection in a small example."""
    lines = source.splitlines()
    for i, line in enumerate(lines):
        yield Selection.cursor(i, len(line) - len(line.lstrip()))
    for i in range(len(lines)):
        for j in range(i, len(lines)):
            yield Selection.lines(i, j)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.expr | ast.stmt) and node.end_lineno is not None:
            yield Selection(start_line=node.lineno - 1, start_col=node.col_offset,
                            end_line=node.end_lineno - 1, end_col=node.end_col_offset)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_before_example_becomes_after_example(rule):
    doc = rule_doc(rule)
    assert doc.before and doc.after, f"{rule.id}: the docstring needs Before:: and After:: examples"
    compile(doc.before, "before", "exec")
    results = set()
    for selection in candidate_selections(doc.before):
        outcome = apply_refactoring(doc.before, selection, rule.id)
        if isinstance(outcome, Applied):
            if outcome.new_source == doc.after:
                return
            results.add(outcome.new_source)
    pytest.fail(f"{rule.id}: no selection turns Before into After; got {sorted(results)[:2]!r}")
