"""extract-variable: golden before/after, refusals, offers and comments (differential
runs are in test_extract_variable_behaviour.py)."""

from __future__ import annotations

import pytest
from extraction_harness import Rule, cursor, dedent, lines, span

from orchex_ls.refactor.models import Selection

rule = Rule("extract-variable")


def selection(source: str, spec: tuple) -> Selection:
    kind, *args = spec
    return {"lines": lines, "span": span, "cursor": cursor}[kind](source, *args)


GOLDEN = [
    (
        "docstring example",
        """
        def price(order, rate):
            return order.total * (1 + rate) - order.discount
        """,
        ("span", "order.total * (1 + rate)"),
        """
        def price(order, rate):
            value = order.total * (1 + rate)
            return value - order.discount
        """,
    ),
    (
        "condition",
        """
        def f(a, b):
            if a > b and b > 0:
                return a
            return b
        """,
        ("span", "a > b"),
        """
        def f(a, b):
            value = a > b
            if value and b > 0:
                return a
            return b
        """,
    ),
    (
        "argument of a plain call",
        """
        def f(items):
            print(len(items) + 1)
        """,
        ("span", "len(items) + 1"),
        """
        def f(items):
            value = len(items) + 1
            print(value)
        """,
    ),
    (
        "parentheses selected",
        """
        def f(a, b):
            return (a + b) * 2
        """,
        ("span", "(a + b)"),
        """
        def f(a, b):
            value = a + b
            return value * 2
        """,
    ),
    (
        "parentheses not selected",
        """
        def f(a, b):
            return (a + b) * 2
        """,
        ("span", "a + b"),
        """
        def f(a, b):
            value = a + b
            return value * 2
        """,
    ),
    (
        "generator argument",
        """
        def f(xs):
            return sum(x * 2 for x in xs)
        """,
        ("span", "x * 2 for x in xs"),
        """
        def f(xs):
            value = (x * 2 for x in xs)
            return sum(value)
        """,
    ),
    (
        "for iterable",
        """
        def f(xs):
            for x in sorted(xs):
                print(x)
        """,
        ("span", "sorted(xs)"),
        """
        def f(xs):
            value = sorted(xs)
            for x in value:
                print(x)
        """,
    ),
    (
        "augmented assignment",
        """
        def f(xs):
            total = 0
            total += len(xs) * 2
            return total
        """,
        ("span", "len(xs) * 2"),
        """
        def f(xs):
            total = 0
            value = len(xs) * 2
            total += value
            return total
        """,
    ),
    (
        "method",
        """
        class A:
            def m(self, x):
                total = len(self.items) * x
                return total
        """,
        ("span", "len(self.items)"),
        """
        class A:
            def m(self, x):
                value = len(self.items)
                total = value * x
                return total
        """,
    ),
    (
        "module level",
        """
        import os
        path = os.path.join(os.sep, "tmp")
        """,
        ('span', 'os.path.join(os.sep, "tmp")'),
        """
        import os
        _value = os.path.join(os.sep, "tmp")
        path = _value
        """,
    ),
    (
        "comment above moves with",
        """
        def f(a):
            # the answer
            return a * 2 + 1
        """,
        ("span", "a * 2"),
        """
        def f(a):
            # the answer
            value = a * 2
            return value + 1
        """,
    ),
    (
        "fresh name",
        """
        def f(value):
            return value * 2 + 1
        """,
        ("span", "value * 2"),
        """
        def f(value):
            value_2 = value * 2
            return value_2 + 1
        """,
    ),
    (
        "multi-line",
        """
        def f(a, b):
            return (a +
                    b) * 2
        """,
        ("span", "(a +\n            b)"),
        """
        def f(a, b):
            value = (a +
                    b)
            return value * 2
        """,
    ),
    (
        "first with item",
        """
        def f(p):
            with open(p + ".txt") as fh:
                return fh.read()
        """,
        ('span', 'p + ".txt"'),
        """
        def f(p):
            value = p + ".txt"
            with open(value) as fh:
                return fh.read()
        """,
    ),
    (
        "async",
        """
        async def fetch(n):
            return n


        async def f(a):
            return await fetch(a + 1)
        """,
        ("span", "a + 1"),
        """
        async def fetch(n):
            return n


        async def f(a):
            value = a + 1
            return await fetch(value)
        """,
    ),
    (
        "f-string part",
        """
        def f(a):
            return f"{a + 1}!"
        """,
        ("span", "a + 1"),
        """
        def f(a):
            value = a + 1
            return f"{value}!"
        """,
    ),
]

REFUSALS = [
    ("right of `and`", "def f(a, b):\n    return a and b.x\n", ("span", "b.x"), "short-circuit"),
    ("conditional branch", "def f(a, b):\n    return b.x if a else 0\n", ("span", "b.x"), "branch of a conditional expression"),
    ("lambda body", "def f(a):\n    return lambda: a + 1\n", ("span", "a + 1"), "inside a lambda"),
    ("comprehension body", "def f(xs):\n    return [x + 1 for x in xs]\n", ("span", "x + 1"), "inside a comprehension"),
    ("loop condition", "def f(a):\n    while a.more():\n        a.step()\n", ("span", "a.more()"), "loop condition"),
    ("elif condition", "def f(a):\n    if a.x:\n        return 1\n    elif a.y:\n        return 2\n", ("span", "a.y"), "`elif` condition"),
    ("assert", "def f(a):\n    assert a.ok()\n", ("span", "a.ok()"), "python -O"),
    ("chained comparison", "def f(a, b, c):\n    return a < b < c.x\n", ("span", "c.x"), "chained comparison"),
    ("method looked up first", "def f(obj, x):\n    return obj.method(x + 1)\n", ("span", "x + 1"), "evaluates `obj.method` before"),
    ("a call evaluated first", "def f(a):\n    return g(a) + h(a)\n", ("span", "h(a)"), "evaluates `g(a)` before"),
    ("a local that may be unbound first", "def f(a):\n    if a:\n        b = 1\n    return b + len(a)\n", ("span", "len(a)"), "evaluates `b` before"),
    ("module global read first", "def g():\n    return 1\n\n\ntotal = 1\ntotal += g()\n", ("span", "g()\n"), "evaluates `total` before"),
    ("local a closure rebinds", "def f():\n    x = 1\n    def g():\n        nonlocal x\n        x = 5\n        return 1\n    x += g()\n    return x\n", ("span", "g()\n"), "evaluates `x` before"),
    ("later `with` item", "def f(a, b):\n    with open(a), open(b + '.x'):\n        pass\n", ("span", "b + '.x'"), "earlier `with` item"),
    ("assignment target", "def f(a):\n    a.x = 1\n", ("span", "a.x"), "assignment target"),
    ("definition header", "def f(a=len('x')):\n    return a\n", ("span", "len('x')"), "definition header"),
    ("walrus", "def f(a):\n    return (b := a + 1)\n", ("span", "(b := a + 1)"), ":="),
    ("yield", "def f(a):\n    x = yield a\n", ("span", "yield a"), "`yield`"),
    ("await", "async def f(a):\n    return await a\n", ("span", "await a"), "awaits"),
    ("already a name", "def f(a):\n    return a\n", ("span", "a"), "already a name"),
    ("whole statement", "def f(a):\n    a.run()\n", ("span", "a.run()"), "whole statement"),
    ("partial expression", "def f(a, b):\n    return a + b * 2\n", ("span", "a + b"), "not exactly one expression"),
    ("cursor", "def f(a, b):\n    return a + b\n", ("cursor", "a + b"), "select the expression"),
    ("class body", "class A:\n    x = len('abc') + 1\n", ("span", "len('abc')"), "class body"),
    ("second statement on a line", "def f(a):\n    b = 1; c = a + 1\n    return c\n", ("span", "a + 1"), "same line"),
    ("one-line suite", "def f(a):\n    if a: print(a + 1)\n", ("span", "a + 1"), "shares a line"),
]


@pytest.mark.parametrize(("before", "spec", "after"), [g[1:] for g in GOLDEN], ids=[g[0] for g in GOLDEN])
def test_golden(before, spec, after):
    source = dedent(before)
    assert rule.new_source(source, selection(source, spec)) == dedent(after)


@pytest.mark.parametrize(("source", "spec", "phrase"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refusals(source, spec, phrase):
    assert phrase in rule.reason(source, selection(source, spec))


def test_offered_only_for_an_exact_expression():
    source = "def f(a, b):\n    return a * 2 + b\n"
    assert rule.offered(source, span(source, "a * 2"))
    assert not rule.offered(source, span(source, "a * 2 +"))
    assert not rule.offered(source, cursor(source, "a * 2"))


def test_title_reports_the_metric_change():
    source = dedent(GOLDEN[0][1])
    assert rule.applied(source, selection(source, GOLDEN[0][2])).title == "Extract variable (lines 1 → 2)"


def test_comments_inside_the_expression_move_with_it():
    source = dedent("""
        def f(a, b):
            return (a +  # first
                    b) * 2
    """)
    new = rule.new_source(source, span(source, "(a +  # first\n            b)"))
    assert new == dedent("""
        def f(a, b):
            value = (a +  # first
                    b)
            return value * 2
    """)


def test_line_breaks_get_parentheses_of_their_own():
    source = dedent("""
        import re


        def f(tag):
            return re.compile(b'<'
                              + tag
                              + b'>', re.ASCII)
    """)
    new = rule.new_source(source, span(source, "b'<'\n                      + tag\n                      + b'>'"))
    assert new == dedent("""
        import re


        def f(tag):
            value = (b'<'
                              + tag
                              + b'>')
            return re.compile(value, re.ASCII)
    """)


def test_module_level_name_is_private_and_fresh():
    source = "import os\n_value = 1\npath = os.path.join(os.sep, 'x')\n"
    new = rule.new_source(source, span(source, "os.path.join(os.sep, 'x')"))
    assert new == "import os\n_value = 1\n_value_2 = os.path.join(os.sep, 'x')\npath = _value_2\n"
