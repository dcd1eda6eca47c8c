"""remove-redundant-else: golden before/after, refusals, offers, comments, and differential runs."""

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

rule = Rule("remove-redundant-else")

GOLDEN = [
    (
        "return",
        """
        def sign(x):
            if x < 0:
                return -1
            else:
                return 1
        """,
        "if x",
        """
        def sign(x):
            if x < 0:
                return -1
            return 1
        """,
    ),
    (
        "raise, with code after the if",
        """
        def f(x):
            if not x:
                raise ValueError(x)
            else:
                a = x + 1
                b = a * 2
            return b
        """,
        "else",
        """
        def f(x):
            if not x:
                raise ValueError(x)
            a = x + 1
            b = a * 2
            return b
        """,
    ),
    (
        "break and continue in a loop",
        """
        def f(xs):
            for x in xs:
                if x is None:
                    break
                elif x == 0:
                    continue
                else:
                    use(x)
        """,
        "elif",
        """
        def f(xs):
            for x in xs:
                if x is None:
                    break
                elif x == 0:
                    continue
                use(x)
        """,
    ),
    (
        "a branch ending in an if/else that always jumps",
        """
        def f(x, y):
            if x:
                if y:
                    return 1
                else:
                    return 2
            else:
                return 3
        """,
        "if x",
        """
        def f(x, y):
            if x:
                if y:
                    return 1
                else:
                    return 2
            return 3
        """,
    ),
    (
        "one-line suites",
        """
        def f(x):
            if x: return 1
            else: log(x); return 2
        """,
        "if x",
        """
        def f(x):
            if x: return 1
            log(x); return 2
        """,
    ),
    (
        "method and async, nested blocks keep their shape",
        """
        class C:
            async def f(self, x):
                if x:
                    return await x
                else:
                    for y in self.ys:
                        await y
        """,
        "if x",
        """
        class C:
            async def f(self, x):
                if x:
                    return await x
                for y in self.ys:
                    await y
        """,
    ),
    (
        "module level",
        """
        if broken:
            raise SystemExit(1)
        else:
            main()
        """,
        "if broken",
        """
        if broken:
            raise SystemExit(1)
        main()
        """,
    ),
]


@pytest.mark.parametrize("name, before, where, after", cases(GOLDEN))
def test_golden(name, before, where, after):
    assert rule.new_source(before, where) == dedent(after)


def test_inner_if_first():
    source = """
    def f(x, y):
        if x:
            return 1
        else:
            if y:
                return 2
            else:
                y = 3
            return y
    """
    inner = rule.new_source(source, "if y")
    assert "            return 2\n        y = 3\n        return y" in inner
    outer = rule.new_source(source, "if x")
    assert outer == dedent("""
    def f(x, y):
        if x:
            return 1
        if y:
            return 2
        else:
            y = 3
        return y
    """)


COMMENTS = [
    (
        "the else line's comment and the lines above else go above the moved code",
        """
        def f(x):
            if x:
                return 1
            # the usual case
            else:  # fallback
                # compute
                y = 2  # two
                return y
        """,
        """
        def f(x):
            if x:
                return 1
            # the usual case
            # fallback
            # compute
            y = 2  # two
            return y
        """,
    ),
    (
        "a comment closing the else block stays after the moved code",
        """
        def f(x):
            for y in x:
                if y:
                    continue
                else:
                    use(y)
                    # used
            return x
        """,
        """
        def f(x):
            for y in x:
                if y:
                    continue
                use(y)
                # used
            return x
        """,
    ),
]


@pytest.mark.parametrize("name, before, after", cases(COMMENTS))
def test_comments_kept(name, before, after):
    assert rule.new_source(before, "if") == dedent(after)


REFUSALS = [
    (
        "no else",
        """
        def f(x):
            if x:
                return 1
        """,
        "if x",
        "no `else`",
    ),
    (
        "the if body falls through",
        """
        def f(x):
            if x:
                log(x)
            else:
                return 1
        """,
        "if x",
        "the `if` body does not always end in",
    ),
    (
        "an elif falls through",
        """
        def f(x):
            if x:
                return 1
            elif x is None:
                log(x)
            else:
                return 2
        """,
        "if x",
        "a branch before the `else` does not always end in",
    ),
    (
        "raise inside with may be swallowed",
        """
        def f(x):
            if x:
                with suppress(E):
                    raise E
            else:
                return 2
        """,
        "if x",
        "does not always end in",
    ),
    (
        "an inner if without else may fall through",
        """
        def f(x, y):
            if x:
                if y:
                    return 1
            else:
                return 2
        """,
        "if x",
        "does not always end in",
    ),
    (
        "not on an if",
        """
        def f(x):
            return x
        """,
        "return",
        "not on an `if`",
    ),
]


@pytest.mark.parametrize("name, source, where, phrase", cases(REFUSALS))
def test_refusal(name, source, where, phrase):
    assert phrase in rule.reason(source, where)
    assert not rule.offered(source, where)


def test_offered_positions():
    source = """
    def f(x):
        start()
        if x:
            return 1
        else:
            return 2
    """
    text = dedent(source)
    assert rule.offered(source, "if x")
    assert rule.offered(source, "else")
    assert rule.offered(source, "return 2")
    assert rule.offered(source, Selection.lines(line_of(text, "else")))
    assert not rule.offered(source, "start")


def test_reduces_nesting():
    outcome = rule.applied("""
    def f(x, ys):
        if x:
            return 1
        else:
            for y in ys:
                if y:
                    use(y)
    """, "if x")
    assert outcome.metrics[0].nesting[1] < outcome.metrics[0].nesting[0]


def test_reduces_cognitive_even_when_nothing_is_nested():
    outcome = rule.applied("""
    def f(x):
        if x:
            return 1
        else:
            return 2
    """, "if x")
    assert outcome.metrics[0].cognitive[1] < outcome.metrics[0].cognitive[0]


# -- differential -----------------------------------------------------------------------

DIFFERENTIAL = [
    """
    def f(a, b, log):
        if a == b:
            return "same"
        elif a:
            raise KeyError(a)
        else:
            log.append("else")
            c = [a, b]
        log.append("after")
        return c
    """,
    """
    def f(a, b, log):
        out = []
        for x in (a, b, a):
            if x is None:
                break
            elif not x:
                continue
            else:
                out.append(x)
        return out
    """,
    """
    def f(a, b, log):
        try:
            if a:
                raise ValueError(b)
            else:
                log.append(("else", b))
        except ValueError as e:
            log.append(("caught", e.args))
        return "end"
    """,
]


@pytest.mark.parametrize("source", DIFFERENTIAL)
@settings(max_examples=50, deadline=None)
@given(specs=st.lists(SPECS, min_size=2, max_size=2))
def test_differential(source, specs):
    before, after = refactored(rule.id, source, "else:")
    assert_same_behaviour(load(before, "f"), load(after, "f"), specs)
