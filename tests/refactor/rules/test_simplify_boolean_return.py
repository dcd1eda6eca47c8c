"""simplify-boolean-return: golden before/after, refusals, offers, comments, and differential
runs (the returned object must be exactly the same: ``True`` is not ``[1]``)."""

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

rule = Rule("simplify-boolean-return")

GOLDEN = [
    (
        "is comparison is certainly a bool",
        """
        def is_admin(user):
            if user.role is Role.ADMIN:
                return True
            return False
        """,
        "if user",
        """
        def is_admin(user):
            return user.role is Role.ADMIN
        """,
    ),
    (
        "else form, in / not in",
        """
        def f(x, xs):
            if x in xs:
                return True
            else:
                return False
        """,
        "if x",
        """
        def f(x, xs):
            return x in xs
        """,
    ),
    (
        "== may return any object: bool()",
        """
        def f(a, b):
            if a == b:
                return True
            return False
        """,
        "if a",
        """
        def f(a, b):
            return bool(a == b)
        """,
    ),
    (
        "comparisons of len() and literals are bools",
        """
        def f(items):
            if len(items) == 1:
                return True
            return False
        """,
        "if len",
        """
        def f(items):
            return len(items) == 1
        """,
    ),
    (
        "a plain value: bool()",
        """
        def f(items):
            if items:
                return True
            return False
        """,
        "if items",
        """
        def f(items):
            return bool(items)
        """,
    ),
    (
        "swapped: not",
        """
        def f(items):
            if items:
                return False
            return True
        """,
        "if items",
        """
        def f(items):
            return not items
        """,
    ),
    (
        "swapped with is not: exact inverse",
        """
        def f(x):
            if x is not None:
                return False
            return True
        """,
        "if x",
        """
        def f(x):
            return x is None
        """,
    ),
    (
        "swapped ==: not (...), never != (which may return anything)",
        """
        def f(a, b):
            if a == b:
                return False
            return True
        """,
        "if a",
        """
        def f(a, b):
            return not (a == b)
        """,
    ),
    (
        "swapped not x: bool(x)",
        """
        def f(x):
            if not x:
                return False
            return True
        """,
        "if not",
        """
        def f(x):
            return bool(x)
        """,
    ),
    (
        "builtin predicates and and/or of bools",
        """
        def f(x):
            if isinstance(x, int) and (callable(x) or hasattr(x, "y")):
                return True
            return False
        """,
        "if isinstance",
        """
        def f(x):
            return isinstance(x, int) and (callable(x) or hasattr(x, "y"))
        """,
    ),
    (
        "and with a non-bool operand: bool() on that operand only",
        """
        def f(x, y):
            if isinstance(x, int) and y:
                return True
            return False
        """,
        "if isinstance",
        """
        def f(x, y):
            return isinstance(x, int) and bool(y)
        """,
    ),
    (
        "and/or operand by operand: each truth test once",
        """
        def f(a, b, c):
            if a or (b and c is None):
                return True
            return False
        """,
        "if a",
        """
        def f(a, b, c):
            return bool(a) or (bool(b) and c is None)
        """,
    ),
    (
        "swapped and/or: De Morgan",
        """
        def f(a, b):
            if a and b is not None:
                return False
            return True
        """,
        "if a",
        """
        def f(a, b):
            return not a or b is None
        """,
    ),
    (
        "not (a or b) as a value: De Morgan too",
        """
        def f(a, b):
            if not (a or b):
                return True
            return False
        """,
        "if not",
        """
        def f(a, b):
            return not a and not b
        """,
    ),
    (
        "walrus: parenthesized in bool()",
        """
        def f(read):
            if line := read():
                return True
            return False
        """,
        "if line",
        """
        def f(read):
            return bool(line := read())
        """,
    ),
    (
        "walrus of a bool gets parentheses",
        """
        def f(x):
            if ok := x is None:
                return True
            return False
        """,
        "if ok",
        """
        def f(x):
            return (ok := x is None)
        """,
    ),
    (
        "one-line suites, cursor on the final return",
        """
        def f(x):
            if x is None: return True
            return False
        """,
        "return False",
        """
        def f(x):
            return x is None
        """,
    ),
    (
        "method and async, code after the returns is left alone",
        """
        class C:
            async def f(self, x):
                await x
                if x is self:
                    return True
                return False
                print("never")
        """,
        "if x",
        """
        class C:
            async def f(self, x):
                await x
                return x is self
                print("never")
        """,
    ),
]


@pytest.mark.parametrize("name, before, where, after", cases(GOLDEN))
def test_golden(name, before, where, after):
    assert rule.new_source(before, where) == dedent(after)


COMMENTS = [
    (
        "a comment above the if stays above the return",
        """
        def f(x):
            # the check
            if x is None:
                return True
            return False
        """,
        """
        def f(x):
            # the check
            return x is None
        """,
    ),
    (
        "one end-of-line comment moves to the return line",
        """
        def f(x):
            if x is None:  # unset
                return True
            return False
        """,
        """
        def f(x):
            return x is None  # unset
        """,
    ),
    (
        "a comment inside the test stays in it",
        """
        def f(x):
            if (x is None  # unset
                    or x is False):
                return True
            return False
        """,
        """
        def f(x):
            return (x is None  # unset
                    or x is False)
        """,
    ),
]


@pytest.mark.parametrize("name, before, after", cases(COMMENTS))
def test_comments_kept(name, before, after):
    assert rule.new_source(before, "if ") == dedent(after)


REFUSALS = [
    (
        "same constant twice",
        """
        def f(x):
            if x:
                return True
            return True
        """,
        "both branches return True",
    ),
    (
        "body does more",
        """
        def f(x):
            if x:
                log(x)
                return True
            return False
        """,
        "not just `return True`",
    ),
    (
        "else does more",
        """
        def f(x):
            if x:
                return True
            else:
                log(x)
                return False
        """,
        "`else` branch is not just",
    ),
    (
        "returns something else",
        """
        def f(x):
            if x:
                return True
            return None
        """,
        "not followed by `return True` or `return False`",
    ),
    (
        "no return after",
        """
        def f(x):
            if x:
                return True
            log(x)
        """,
        "not followed by `return True` or `return False`",
    ),
    (
        "elif",
        """
        def f(x):
            if x:
                return True
            elif x is None:
                return False
            else:
                return False
        """,
        "`elif`",
    ),
    (
        "two comments",
        """
        def f(x):
            if x:  # one
                return True
            return False  # two
        """,
        "comment inside the `if` would be lost",
    ),
    (
        "a comment on its own line",
        """
        def f(x):
            if x:
                return True
            # otherwise
            return False
        """,
        "comment inside the `if` would be lost",
    ),
    (
        "bool redefined",
        """
        def bool(x):
            return x

        def f(x):
            if x:
                return True
            return False
        """,
        "`bool` is redefined",
    ),
]


@pytest.mark.parametrize("name, source, phrase", cases(REFUSALS))
def test_refusal(name, source, phrase):
    assert phrase in rule.reason(source, "if x")
    assert not rule.offered(source, "if x")


def test_bool_read_elsewhere_in_the_file_is_still_the_builtin():
    source = """
    def g(y):
        return bool(y)

    def f(x):
        if x:
            return True
        return False
    """
    assert "    return bool(x)\n" in rule.new_source(source, "if x")


def test_not_on_an_if():
    assert "not on an `if`" in rule.reason("def f(x):\n    return x\n", "return")


def test_shadowed_predicate_is_not_trusted():
    source = """
    from checks import isinstance

    def f(x):
        if isinstance(x, int):
            return True
        return False
    """
    assert "return bool(isinstance(x, int))" in rule.new_source(source, "if isinstance")


def test_redefined_len_is_not_trusted():
    source = """
    from sizes import len

    def f(x):
        if len(x) == 1:
            return True
        return False
    """
    assert "return bool(len(x) == 1)" in rule.new_source(source, "if len")


def test_offered_positions():
    source = """
    def f(x):
        start()
        if x:
            return True
        return False
    """
    text = dedent(source)
    assert rule.offered(source, "if x")
    assert rule.offered(source, "return True")
    assert rule.offered(source, "return False")
    assert rule.offered(source, Selection.lines(line_of(text, "if x")))
    assert not rule.offered(source, "start")


def test_reduces_cyclomatic_and_cognitive():
    outcome = rule.applied("""
    def f(x):
        if x:
            return True
        return False
    """, "if x")
    metric = outcome.metrics[0]
    assert metric.cyclomatic[1] < metric.cyclomatic[0]
    assert metric.cognitive[1] < metric.cognitive[0]


# -- differential -----------------------------------------------------------------------

DIFFERENTIAL = [
    """
    def f(a, b, log):
        if a == b:
            return True
        return False
    """,
    """
    def f(a, b, log):
        if a:
            return False
        else:
            return True
    """,
    """
    def f(a, b, log):
        if a is None or b in (1, 2):
            return True
        return False
    """,
    """
    def f(a, b, log):
        if not (a and b):
            return False
        return True
    """,
    """
    def f(a, b, log):
        if a < b:
            return True
        return False
    """,
    """
    def f(a, b, log):
        if isinstance(a, int) and b:
            return True
        return False
    """,
    """
    def f(a, b, log):
        if a is not b:
            return False
        return True
    """,
    """
    def f(a, b, log):
        if not (a or b) or (a and not b):
            return True
        return False
    """,
    """
    def f(a, b, log):
        if b if a else a:
            return False
        return True
    """,
    """
    def f(a, b, log):
        if len(a) <= 1 == len(b):
            return True
        return False
    """,
]


@pytest.mark.parametrize("source", DIFFERENTIAL)
@settings(max_examples=50, deadline=None)
@given(specs=st.lists(SPECS, min_size=2, max_size=2))
def test_differential(source, specs):
    before, after = refactored(rule.id, source, "if")
    assert_same_behaviour(load(before, "f"), load(after, "f"), specs)
