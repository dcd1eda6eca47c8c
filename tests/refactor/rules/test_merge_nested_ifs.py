"""merge-nested-ifs: golden before/after, refusals, offers, comments, and differential runs."""

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

rule = Rule("merge-nested-ifs")

GOLDEN = [
    (
        "or is parenthesized",
        """
        if user:
            if user.active or user.admin:
                grant(user)
        """,
        "if user:",
        """
        if user and (user.active or user.admin):
            grant(user)
        """,
    ),
    (
        "and chains need no parentheses",
        """
        def f(a, b, c):
            if a and b:
                if c:
                    go()
                    more()
        """,
        "if a",
        """
        def f(a, b, c):
            if a and b and c:
                go()
                more()
        """,
    ),
    (
        "cursor on the inner if",
        """
        def f(a, b):
            if a:
                if b:
                    go()
        """,
        "if b",
        """
        def f(a, b):
            if a and b:
                go()
        """,
    ),
    (
        "conditional expression, lambda and walrus operands",
        """
        def f(a, b, read):
            if (n := read()):
                if x if a else b:
                    go(n)
        """,
        "if (n",
        """
        def f(a, b, read):
            if (n := read()) and (x if a else b):
                go(n)
        """,
    ),
    (
        "bare walrus gets parentheses",
        """
        def f(read):
            if n := read():
                if n > 2:
                    go(n)
        """,
        "if n :=",
        """
        def f(read):
            if (n := read()) and n > 2:
                go(n)
        """,
    ),
    (
        "not and comparisons bind tighter than and",
        """
        def f(a, b):
            if not a:
                if b < 3:
                    go()
        """,
        "if not",
        """
        def f(a, b):
            if not a and b < 3:
                go()
        """,
    ),
    (
        "an elif branch as the outer if",
        """
        def f(a, b, c):
            if a:
                x()
            elif b:
                if c:
                    y()
        """,
        "elif",
        """
        def f(a, b, c):
            if a:
                x()
            elif b and c:
                y()
        """,
    ),
    (
        "inner one-line suite",
        """
        def f(a, b):
            if a:
                if b: go()
        """,
        "if a",
        """
        def f(a, b):
            if a and b: go()
        """,
    ),
    (
        "method and async",
        """
        class C:
            async def f(self, a, b):
                if a:
                    if await b():
                        await go()
        """,
        "if a",
        """
        class C:
            async def f(self, a, b):
                if a and await b():
                    await go()
        """,
    ),
    (
        "multi-line inner test keeps its parentheses (its lines move with it)",
        """
        def f(a, b, c):
            if a:
                if (b or
                        c):
                    go()
        """,
        "if a",
        """
        def f(a, b, c):
            if a and (b or
                    c):
                go()
        """,
    ),
]


@pytest.mark.parametrize("name, before, where, after", cases(GOLDEN))
def test_golden(name, before, where, after):
    assert rule.new_source(before, where) == dedent(after)


COMMENTS = [
    (
        "comment on the outer line",
        """
        def f(a, b):
            # both needed
            if a:  # first a
                if b:
                    # inner body
                    go()  # go
        """,
        """
        def f(a, b):
            # both needed
            if a and b:  # first a
                # inner body
                go()  # go
        """,
    ),
    (
        "comment on the inner line",
        """
        def f(a, b):
            if a:
                if b:  # then b
                    go()
        """,
        """
        def f(a, b):
            if a and b:  # then b
                go()
        """,
    ),
    (
        "a comment after the inner block stays after the body",
        """
        def f(a, b):
            if a:
                if b:
                    go()
                # after b
            done()
        """,
        """
        def f(a, b):
            if a and b:
                go()
                # after b
            done()
        """,
    ),
    (
        "outer comment joins an inner one-line suite",
        """
        def f(a, b):
            if a:  # first a
                if b: go()
        """,
        """
        def f(a, b):
            if a and b: go()  # first a
        """,
    ),
]


@pytest.mark.parametrize("name, before, after", cases(COMMENTS))
def test_comments_kept(name, before, after):
    assert rule.new_source(before, "if a") == dedent(after)


REFUSALS = [
    (
        "outer else",
        """
        if a:
            if b:
                x()
        else:
            y()
        """,
        "if a",
        "outer `if` has an `else`",
    ),
    (
        "inner else",
        """
        if a:
            if b:
                x()
            else:
                y()
        """,
        "if a",
        "inner `if` has an `else`",
    ),
    (
        "outer body has more",
        """
        if a:
            if b:
                x()
            z()
        """,
        "if a",
        "not a single nested `if`",
    ),
    (
        "comment above the inner if",
        """
        if a:
            # why b
            if b:
                x()
        """,
        "if a",
        "comment above the inner",
    ),
    (
        "comment after a one-line inner if",
        """
        def f(a, b):
            if a:
                if b: x()
                # after b
            z()
        """,
        "if a",
        "after the inner one-line `if`",
    ),
    (
        "comments on both lines",
        """
        if a:  # one
            if b:  # two
                x()
        """,
        "if a",
        "room for one",
    ),
    (
        "not on an if",
        """
        x = 1
        """,
        "x",
        "not on an `if`",
    ),
]


@pytest.mark.parametrize("name, source, where, phrase", cases(REFUSALS))
def test_refusal(name, source, where, phrase):
    assert phrase in rule.reason(source, where)
    assert not rule.offered(source, where)


def test_offered_on_both_ifs_and_by_whole_line():
    source = """
    def f(a, b):
        start()
        if a:
            if b:
                go()
    """
    text = dedent(source)
    assert rule.offered(source, "if a")
    assert rule.offered(source, "if b")
    assert rule.offered(source, "go()")
    assert rule.offered(source, Selection.lines(line_of(text, "if a")))
    assert not rule.offered(source, "start")


def test_triple_nesting_merges_one_pair_per_step():
    once = rule.new_source("""
    def f(a, b, c):
        if a:
            if b:
                if c:
                    go()
    """, "if a")
    assert "if a and b:\n        if c:" in once
    twice = rule.new_source(once, "if a")
    assert "if a and b and c:\n        go()" in twice


def test_reduces_nesting():
    outcome = rule.applied("""
    def f(a, b):
        if a:
            if b:
                go()
    """, "if a")
    assert outcome.metrics[0].nesting == (2, 1)


# -- differential -----------------------------------------------------------------------

DIFFERENTIAL = [
    """
    def f(a, b, log):
        if a:
            if b:
                log.append("both")
                return (a, b)
        return "no"
    """,
    """
    def f(a, b, log):
        if a or b:
            if b if a else a:
                log.append("cond")
        log.append("end")
    """,
    """
    def f(a, b, log):
        if (c := a):
            if not b:
                return c
    """,
    """
    def f(a, b, log):
        for x in (a, b):
            if x is not None:
                if x == a:
                    log.append(("hit", x))
    """,
]


@pytest.mark.parametrize("source", DIFFERENTIAL)
@settings(max_examples=50, deadline=None)
@given(specs=st.lists(SPECS, min_size=2, max_size=2))
def test_differential(source, specs):
    before, after = refactored(rule.id, source, "if")
    assert_same_behaviour(load(before, "f"), load(after, "f"), specs)
