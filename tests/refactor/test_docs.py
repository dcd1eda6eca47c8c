"""docs/refactorings.md is generated from the rules, and its examples are true: applying each
rule to its Before example gives exactly its After example."""

from __future__ import annotations

from pathlib import Path

import pytest
from refactor_examples import example

from orchex_ls.refactor.docs import render
from orchex_ls.refactor.rules import RULES

DOCS = Path(__file__).parents[2] / "docs" / "refactorings.md"


def test_docs_are_generated_from_the_rules():
    assert DOCS.read_text() == render(), "run: python -m orchex_ls.refactor.docs > docs/refactorings.md"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_before_example_becomes_after_example(rule):
    before, after, selection, others = example(rule)
    assert before and after, f"{rule.id}: the docstring needs Before:: and After:: examples"
    compile(before, "before", "exec")
    assert selection is not None, f"{rule.id}: no selection turns Before into After; got {sorted(others)[:2]!r}"
