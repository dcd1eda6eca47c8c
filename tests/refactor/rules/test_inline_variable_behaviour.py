"""inline-variable keeps behaviour: the expression is evaluated at its use only where
nothing could tell the difference, so results, exceptions and logged side effects stay the
same on hypothesis-generated inputs and in random programs."""

from __future__ import annotations

import ast
import functools

import pytest
from extraction_harness import (
    Rule,
    SingleAssignments,
    assert_same,
    behaviour,
    cursor,
    dedent,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from orchex_ls.refactor.models import Applied, Selection

rule = Rule("inline-variable")
ints = st.integers(-5, 5)

# (id, source, cursor fragment, function, argument strategy)
CASES = [
    (
        "division that may raise, used right after",
        """
        def f(a, b):
            q = log(a) // b
            return q * 2 + log(b)
        """,
        "q =", "f", st.tuples(ints, ints),
    ),
    (
        "precedence: a sum under a power",
        """
        def f(a, b):
            s = a + b
            return s ** 2
        """,
        "s =", "f", st.tuples(ints, ints),
    ),
    (
        "negative literal used twice",
        """
        def f(a, b):
            n = -2
            return a ** n if a else n * b
        """,
        "n =", "f", st.tuples(ints, ints),
    ),
    (
        "alias of a parameter",
        """
        def f(a, b):
            c = a
            log(c)
            return c // b
        """,
        "c =", "f", st.tuples(ints, ints),
    ),
    (
        "condition of an if",
        """
        def f(a, b):
            ok = log(a) > b
            if ok:
                return log(a)
            return b
        """,
        "ok =", "f", st.tuples(ints, ints),
    ),
    (
        "a negation compared",
        """
        def f(a, b):
            c = not a
            return c == (b > 0)
        """,
        "c =", "f", st.tuples(ints, ints),
    ),
]


@functools.cache
def _refactor(source: str, fragment: str) -> tuple[str, str]:
    source = dedent(source)
    outcome = rule.apply(source, cursor(source, fragment))
    assert isinstance(outcome, Applied), outcome
    return source, outcome.new_source


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_same_behaviour(case, data):
    _, source, fragment, qualname, strategy = case
    before, after = _refactor(source, fragment)
    assert_same(before, after, qualname, data.draw(strategy))


def _names(source: str) -> list[Selection]:
    function = ast.parse(source).body[-1]
    return [
        Selection.cursor(n.lineno - 1, n.col_offset)
        for n in ast.walk(function)
        if isinstance(n, ast.Name) and n.id.startswith("v")
    ]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), data=st.data())
def test_random_programs_refuse_or_keep_behaviour(seed, data):
    source = SingleAssignments(seed).source
    selections = _names(source)
    if not selections:
        return
    result = rule.apply(source, data.draw(st.sampled_from(selections)))
    if isinstance(result, Applied):
        assert behaviour(result.new_source) == behaviour(source), result.new_source


def test_random_programs_are_often_inlined():
    applied = 0
    for seed in range(6):
        source = SingleAssignments(seed).source
        for selection in _names(source)[:4]:
            result = rule.apply(source, selection)
            if isinstance(result, Applied):
                applied += 1
                assert behaviour(result.new_source) == behaviour(source)
    assert applied >= 4
