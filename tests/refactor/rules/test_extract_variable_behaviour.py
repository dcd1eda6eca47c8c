"""extract-variable keeps behaviour: the expression is evaluated earlier only where that
cannot be observed, so results, exceptions and logged side effects stay the same on
hypothesis-generated inputs and in random programs."""

from __future__ import annotations

import ast
import functools

import pytest
from extraction_harness import (
    Program,
    Rule,
    SingleAssignments,
    assert_same,
    behaviour,
    dedent,
    span,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from orchex_ls.refactor.models import Applied, Selection

rule = Rule("extract-variable")
ints = st.integers(-5, 5)

# (id, source, selected fragment, function, argument strategy)
CASES = [
    (
        "left operand that may raise",
        """
        def f(a, b):
            return log(a) // b - log(b)
        """,
        "log(a) // b", "f", st.tuples(ints, ints),
    ),
    (
        "condition with a short-circuit after it",
        """
        def f(a, b):
            if log(a) > 0 and log(b) > 0:
                return a
            return b
        """,
        "log(a) > 0", "f", st.tuples(ints, ints),
    ),
    (
        "argument of a builtin call",
        """
        def f(a, b):
            return max(a + b, log(a) // b)
        """,
        "a + b", "f", st.tuples(ints, ints),
    ),
    (
        "augmented assignment value",
        """
        def f(a, b):
            total = a
            total += log(b) // a
            return total
        """,
        "log(b) // a", "f", st.tuples(ints, ints),
    ),
    (
        "loop iterable",
        """
        def f(a, b):
            for i in range(log(a) % 4):
                log(i * b)
            return b
        """,
        "range(log(a) % 4)", "f", st.tuples(ints, ints),
    ),
    (
        "generator argument",
        """
        def f(a, b):
            return sum(log(i) * b for i in range(a % 4))
        """,
        "log(i) * b for i in range(a % 4)", "f", st.tuples(ints, ints),
    ),
    (
        "after an assigned local",
        """
        def f(a, b):
            c = a * 2
            return [c, log(b) // c]
        """,
        "log(b) // c", "f", st.tuples(ints, ints),
    ),
]


@functools.cache
def _refactor(source: str, fragment: str) -> tuple[str, str]:
    source = dedent(source)
    outcome = rule.apply(source, span(source, fragment))
    assert isinstance(outcome, Applied), outcome
    return source, outcome.new_source


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_same_behaviour(case, data):
    _, source, fragment, qualname, strategy = case
    before, after = _refactor(source, fragment)
    assert_same(before, after, qualname, data.draw(strategy))


def _expressions(source: str) -> list[Selection]:
    function = ast.parse(source).body[-1]
    return [
        Selection(start_line=n.lineno - 1, start_col=n.col_offset,
                  end_line=n.end_lineno - 1, end_col=n.end_col_offset)  # type: ignore[operator]
        for n in ast.walk(function)
        if isinstance(n, ast.expr) and not isinstance(n, ast.Name)
    ]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), single=st.booleans(), data=st.data())
def test_random_programs_refuse_or_keep_behaviour(seed, single, data):
    source = SingleAssignments(seed).source if single else Program(seed, initialise=True).source
    selections = _expressions(source)
    selection = data.draw(st.sampled_from(selections))
    result = rule.apply(source, selection)
    if isinstance(result, Applied):
        assert behaviour(result.new_source) == behaviour(source), result.new_source


def test_random_programs_are_mostly_extracted():
    applied = 0
    for seed in range(4):
        source = SingleAssignments(seed).source
        for selection in _expressions(source)[:6]:
            result = rule.apply(source, selection)
            if isinstance(result, Applied):
                applied += 1
                assert behaviour(result.new_source) == behaviour(source)
    assert applied >= 6
