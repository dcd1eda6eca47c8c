"""inline-returned-variable: golden before/after, refusals, offers, comments, and differential runs."""

from __future__ import annotations

import pytest
from control_flow_harness import (
    SPECS,
    Rule,
    assert_same_behaviour,
    cases,
    dedent,
    line_of,
    load,
    refactored,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from orchex_ls.refactor.models import Selection

rule = Rule("inline-returned-variable")

GOLDEN = [
    (
        "cursor on the assignment",
        """
        def total(items):
            result = sum(item.price for item in items)
            return result
        """,
        "result =",
        """
        def total(items):
            return sum(item.price for item in items)
        """,
    ),
    (
        "cursor on the return",
        """
        def f(a, b):
            c = a + b
            return c
        """,
        "return",
        """
        def f(a, b):
            return a + b
        """,
    ),
    (
        "annotation dropped (a local's annotation is never evaluated)",
        """
        def f(a):
            c: Undefined = a * 2
            return c
        """,
        "c:",
        """
        def f(a):
            return a * 2
        """,
    ),
    (
        "tuple value",
        """
        def f(a):
            pair = a, -a
            return pair
        """,
        "pair",
        """
        def f(a):
            return a, -a
        """,
    ),
    (
        "yield value gets parentheses",
        """
        def g():
            got = yield 1
            return got
        """,
        "got",
        """
        def g():
            return (yield 1)
        """,
    ),
    (
        "same line",
        """
        def f(a):
            if a: b = a * 2; return b
            return 0
        """,
        "b =",
        """
        def f(a):
            if a: return a * 2
            return 0
        """,
    ),
    (
        "other statements on the assignment's line stay",
        """
        def f(a):
            log(a); b = a * 2
            return b
        """,
        "b =",
        """
        def f(a):
            log(a)
            return a * 2
        """,
    ),
    (
        "`return(x)` keeps a space",
        """
        def f(a):
            b = -a
            return(b)
        """,
        "b =",
        """
        def f(a):
            return -a
        """,
    ),
    (
        "a parameter reassigned from itself",
        """
        def f(a):
            a = a.strip()
            return a
        """,
        "return",
        """
        def f(a):
            return a.strip()
        """,
    ),
    (
        "method and async",
        """
        class C:
            async def f(self):
                value = await self.fetch()
                return value
        """,
        "value =",
        """
        class C:
            async def f(self):
                return await self.fetch()
        """,
    ),
    (
        "nested function: its own locals",
        """
        def outer(a):
            def inner(b):
                c = b + a
                return c
            return inner
        """,
        "c =",
        """
        def outer(a):
            def inner(b):
                return b + a
            return inner
        """,
    ),
]


@pytest.mark.parametrize("name, before, where, after", cases(GOLDEN))
def test_golden(name, before, where, after):
    assert rule.new_source(before, where) == dedent(after)


COMMENTS = [
    (
        "comments above either statement stay above the return",
        """
        def f(a):
            # compute
            b = a * 2
            # and give back
            return b
        """,
        """
        def f(a):
            # compute
            # and give back
            return a * 2
        """,
    ),
    (
        "end-of-line comment of the assignment moves to the return line",
        """
        def f(a):
            b = a * 2  # doubled
            return b
        """,
        """
        def f(a):
            return a * 2  # doubled
        """,
    ),
    (
        "end-of-line comment of the return stays",
        """
        def f(a):
            b = a * 2
            return b  # doubled
        """,
        """
        def f(a):
            return a * 2  # doubled
        """,
    ),
]


@pytest.mark.parametrize("name, before, after", cases(COMMENTS))
def test_comments_kept(name, before, after):
    assert rule.new_source(before, "b =") == dedent(after)


REFUSALS = [
    (
        "global",
        """
        def f(a):
            global b
            b = a
            return b
        """,
        "b =",
        "global or nonlocal",
    ),
    (
        "nonlocal",
        """
        def f(a):
            b = 0
            def g():
                nonlocal b
                b = a
                return b
            return g
        """,
        "b = a",
        "global or nonlocal",
    ),
    (
        "captured by a lambda",
        """
        def f(a):
            g = lambda: b
            b = a
            return b
        """,
        "b = a",
        "nested function, lambda",
    ),
    (
        "read in a finally block",
        """
        def f(a):
            b = None
            try:
                b = a()
                return b
            finally:
                log(b)
        """,
        "b = a",
        "`finally` block reads",
    ),
    (
        "two comments for the return line",
        """
        def f(a):
            b = a  # one
            return b  # two
        """,
        "b = a",
        "room for one",
    ),
    (
        "return outside a function (the file parses; only compiling it fails)",
        """
        b = 1
        return b
        """,
        Selection.lines(0, 1),
        "outside a function",
    ),
    (
        "returns another name",
        """
        def f(a):
            b = a
            return a
        """,
        "b = a",
        "not on `x = ...` followed by `return x`",
    ),
    (
        "chained assignment",
        """
        def f(a):
            b = c = a
            return b
        """,
        "b =",
        "not on `x = ...` followed by `return x`",
    ),
    (
        "unpacking",
        """
        def f(a):
            b, c = a
            return b
        """,
        "b,",
        "not on `x = ...` followed by `return x`",
    ),
    (
        "augmented assignment",
        """
        def f(a):
            a += 1
            return a
        """,
        "a +=",
        "not on `x = ...` followed by `return x`",
    ),
]


@pytest.mark.parametrize("name, source, where, phrase", cases(REFUSALS))
def test_refusal(name, source, where, phrase):
    assert phrase in rule.reason(source, where)
    assert not rule.offered(source, where)


def test_offered_positions_and_whole_lines():
    source = """
    def f(a):
        start()
        b = a * 2
        return b
    """
    text = dedent(source)
    assert rule.offered(source, "b =")
    assert rule.offered(source, "return")
    assert rule.offered(source, Selection.lines(line_of(text, "b ="), line_of(text, "return")))
    assert rule.offered(source, Selection.lines(line_of(text, "return")))
    assert not rule.offered(source, "start")


def test_kind_is_inline():
    assert rule.applied("def f():\n    x = 1\n    return x\n", "x =").kind == "refactor.inline"


# -- differential -----------------------------------------------------------------------

DIFFERENTIAL = [
    """
    def f(a, b, log):
        log.append("start")
        c = [a, b] if a else (b, a)
        return c
    """,
    """
    def f(a, b, log):
        try:
            c = a + b
            return c
        except TypeError as e:
            log.append(("type", str(e)[:0]))
            return "no"
    """,
    """
    def f(a, b, log):
        for x in (a, b):
            if x:
                c: list = [x, not x]
                return c
        return None
    """,
]


@pytest.mark.parametrize("source", DIFFERENTIAL)
@settings(max_examples=50, deadline=None)
@given(specs=st.lists(SPECS, min_size=2, max_size=2))
def test_differential(source, specs):
    before, after = refactored(rule.id, source, "c")
    assert_same_behaviour(load(before, "f"), load(after, "f"), specs)
