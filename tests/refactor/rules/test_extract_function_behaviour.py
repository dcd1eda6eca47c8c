"""extract-function keeps behaviour: functions run before and after the refactoring on
hypothesis-generated inputs return the same values, raise the same exceptions and log the
same side effects; random programs either refuse or keep behaviour for every input."""

from __future__ import annotations

import functools

import pytest
from extraction_harness import (
    ARGS,
    Program,
    Rule,
    assert_same,
    behaviour,
    dedent,
    lines,
    load,
    outcome,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchex_ls.refactor.models import Applied, Selection

rule = Rule("extract-function")
ints = st.integers(-5, 5)
small_lists = st.lists(st.integers(-3, 3), max_size=6)

# (id, source, first line fragment, last line fragment, function, argument strategy)
CASES = [
    (
        "accumulator with a division that may fail",
        """
        def f(xs, d):
            total = 0
            for x in xs:
                total += log(x) // d
            return total
        """,
        "total = 0", "total += log", "f", st.tuples(small_lists, ints),
    ),
    (
        "value kept when the branch does not assign",
        """
        def f(a, b):
            c = a
            if b > 0:
                c = log(a * b)
            return c
        """,
        "if b > 0", "c = log", "f", st.tuples(ints, ints),
    ),
    (
        "loop-carried result",
        """
        def f(xs, limit):
            acc = 0
            for x in xs:
                if acc < limit:
                    acc = acc + x
                log(acc)
            return acc
        """,
        "if acc < limit", "acc = acc", "f", st.tuples(small_lists, ints),
    ),
    (
        "a break inside the range",
        """
        def f(xs, goal):
            found = None
            for x in xs:
                if x == goal:
                    found = log(x)
                    break
            return found
        """,
        "for x in xs", "break", "f", st.tuples(small_lists, ints),
    ),
    (
        "several results and an exception half-way",
        """
        def f(a, b):
            q = log(a) // b
            r = a % b
            return q, r
        """,
        "q = log", "r = a", "f", st.tuples(ints, ints),
    ),
    (
        "a generator consumed at once reads a local",
        """
        def f(xs, k):
            scale = k * 2
            total = sum(x * scale for x in xs)
            return total
        """,
        "total = sum", None, "f", st.tuples(small_lists, ints),
    ),
    (
        "a lambda in the range, kept for later",
        """
        def f(a, b):
            g = lambda: a + b
            return g() * 2
        """,
        "g = lambda", None, "f", st.tuples(ints, ints),
    ),
    (
        "try around the whole range",
        """
        def f(a, b):
            try:
                c = log(a) // b
                d = c + 1
            except ZeroDivisionError:
                d = None
            return d
        """,
        "c = log", "d = c", "f", st.tuples(ints, ints),
    ),
    (
        "a method that uses self",
        """
        class Box:
            def __init__(self):
                self.k = 3

            def m(self, a):
                b = self.k * a
                log(b)
                return b
        """,
        "b = self", "log(b)", "Box.m", st.tuples(ints),
    ),
    (
        "a method with super()",
        """
        class Base:
            def m(self, a):
                return a + 1


        class Box(Base):
            def m(self, a):
                b = super().m(a) * 2
                return b
        """,
        "b = super", None, "Box.m", st.tuples(ints),
    ),
]


@functools.cache
def _refactor(source: str, first: str, last: str | None) -> tuple[str, str]:
    source = dedent(source)
    outcome_ = rule.apply(source, lines(source, first, last))
    assert isinstance(outcome_, Applied), outcome_
    return source, outcome_.new_source


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_same_behaviour(case, data):
    _, source, first, last, qualname, strategy = case
    before, after = _refactor(source, first, last)
    assert_same(before, after, qualname, data.draw(strategy))


def test_module_level_code_keeps_its_globals():
    before = dedent("""
        total = 0
        for v in [3, 1, 2]:
            total += v
            log(total)
        result = total * 2
    """)
    after = rule.new_source(before, lines(before, "for v", "log(total)"))
    old, new = load(before), load(after)
    for name in ("total", "v", "result", "LOG"):
        assert old[name] == new[name]


def test_async_function_keeps_behaviour():
    before = dedent("""
        async def f(a, b):
            c = log(a) // b
            d = await g(c)
            return d


        async def g(v):
            return v + 1
    """)
    after = rule.new_source(before, lines(before, "c = log"))

    def run(source, args):
        namespace = load(source)
        coroutine = namespace["f"](*args)
        try:
            coroutine.send(None)
        except StopIteration as stop:
            return ("returned", stop.value, namespace["LOG"])
        except ZeroDivisionError as exc:
            return ("raised", exc.args, namespace["LOG"])

    for args in [(1, 2), (3, 0), (-4, 3)]:
        assert run(before, args) == run(after, args)


def _statement_ranges(source: str) -> list[Selection]:
    body = range(4, source.count("\n") - 1)  # the lines of f's body, not its `return`
    return [Selection.lines(i, j) for i in body for j in body if 0 <= j - i < 4]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), initialise=st.booleans(), data=st.data())
def test_random_programs_refuse_or_keep_behaviour(seed, initialise, data):
    source = Program(seed, initialise=initialise).source
    selection = data.draw(st.sampled_from(_statement_ranges(source)))
    result = rule.apply(source, selection)
    if isinstance(result, Applied):
        assert behaviour(result.new_source) == behaviour(source), result.new_source


def test_random_programs_are_mostly_extracted():
    """The random programs are not all refused: the property above has teeth."""
    applied = 0
    for seed in range(5):
        source = Program(seed, initialise=True).source
        for selection in _statement_ranges(source)[:4]:
            result = rule.apply(source, selection)
            if isinstance(result, Applied):
                applied += 1
                assert behaviour(result.new_source) == behaviour(source)
    assert applied >= 8


def test_outcome_compares_exceptions():
    namespace = load("def f(a):\n    return 1 // a\n")
    assert outcome(namespace, "f", (0,))[:2] == ("raised", "ZeroDivisionError")
    assert len(ARGS) == 20


def test_module_level_definitions_keep_their_qualified_names():
    before = dedent("""
        class Shape:
            def area(self):
                return 0


        def describe(shape):
            return type(shape).__qualname__
    """)
    after = rule.new_source(before, lines(before, "class Shape", "return type"))
    assert "global Shape, describe" in after
    old, new = load(before), load(after)
    assert new["Shape"].__qualname__ == old["Shape"].__qualname__ == "Shape"
    assert new["Shape"].area.__qualname__ == "Shape.area"
    assert new["describe"](new["Shape"]()) == old["describe"](old["Shape"]()) == "Shape"
