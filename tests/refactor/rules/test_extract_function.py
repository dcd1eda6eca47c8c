"""extract-function: golden before/after, refusals, offers, comments, methods, async and
module-level code (differential runs are in test_extract_function_behaviour.py)."""

from __future__ import annotations

import pytest
from extraction_harness import Rule, cursor, dedent, lines, span

from orchex_ls.refactor.models import Selection

rule = Rule("extract-function")


def selection(source: str, spec: tuple) -> Selection:
    kind, *args = spec
    return {"lines": lines, "span": span, "cursor": cursor}[kind](source, *args)


GOLDEN = [
    (
        "accumulator",
        """
        def report(rows, limit):
            total = 0
            for row in rows:
                if row > limit:
                    total += row
            print(total)
        """,
        ("lines", "total = 0", "total += row"),
        """
        def report(rows, limit):
            total = _extracted(rows, limit)
            print(total)


        def _extracted(rows, limit):
            total = 0
            for row in rows:
                if row > limit:
                    total += row
            return total
        """,
    ),
    (
        "several results",
        """
        def stats(xs):
            n = len(xs)
            s = sum(xs)
            mean = s / n
            return n, mean
        """,
        ("lines", "n = len", "s = sum"),
        """
        def stats(xs):
            n, s = _extracted(xs)
            mean = s / n
            return n, mean


        def _extracted(xs):
            n = len(xs)
            s = sum(xs)
            return n, s
        """,
    ),
    (
        "loop result",
        """
        def run(xs):
            acc = 0
            for x in xs:
                if x:
                    acc = acc + x
                print(acc)
        """,
        ("lines", "if x:", "acc = acc"),
        """
        def run(xs):
            acc = 0
            for x in xs:
                acc = _extracted(x, acc)
                print(acc)


        def _extracted(x, acc):
            if x:
                acc = acc + x
            return acc
        """,
    ),
    (
        "kept value",
        """
        def pick(a):
            b = 0
            if a:
                b = 1
            return b
        """,
        ("lines", "if a:", "b = 1"),
        """
        def pick(a):
            b = 0
            b = _extracted(a, b)
            return b


        def _extracted(a, b):
            if a:
                b = 1
            return b
        """,
    ),
    (
        "method self",
        """
        class Cart:
            def total(self, tax):
                net = sum(self.prices)
                gross = net * (1 + tax)
                return gross
        """,
        ("lines", "net =", "gross ="),
        """
        class Cart:
            def total(self, tax):
                gross = self._extracted(tax)
                return gross

            def _extracted(self, tax):
                net = sum(self.prices)
                gross = net * (1 + tax)
                return gross
        """,
    ),
    (
        "method no self",
        """
        class Cart:
            def total(self, tax):
                rate = 1 + tax
                return rate
        """,
        ("lines", "rate ="),
        """
        class Cart:
            def total(self, tax):
                rate = self._extracted(tax)
                return rate

            def _extracted(self, tax):
                rate = 1 + tax
                return rate
        """,
    ),
    (
        "classmethod",
        """
        class Cart:
            @classmethod
            def make(cls, n):
                items = [cls.item] * n
                return cls(items)
        """,
        ("lines", "items ="),
        """
        class Cart:
            @classmethod
            def make(cls, n):
                items = cls._extracted(n)
                return cls(items)

            @classmethod
            def _extracted(cls, n):
                items = [cls.item] * n
                return items
        """,
    ),
    (
        "super",
        """
        class Cart(Base):
            def total(self):
                base = super().total()
                return base + 1
        """,
        ("lines", "base ="),
        """
        class Cart(Base):
            def total(self):
                base = self._extracted()
                return base + 1

            def _extracted(self):
                base = super().total()
                return base
        """,
    ),
    (
        "async",
        """
        async def fetch(client, url):
            full = client.base + url
            response = await client.get(full)
            return response
        """,
        ("lines", "full ="),
        """
        async def fetch(client, url):
            full = _extracted(client, url)
            response = await client.get(full)
            return response


        def _extracted(client, url):
            full = client.base + url
            return full
        """,
    ),
    (
        "module level",
        """
        import sys

        count = 0
        for arg in sys.argv:
            count += len(arg)
        print(count)
        """,
        ("lines", "for arg", "count +="),
        """
        import sys

        count = 0


        def _extracted():
            global arg, count
            for arg in sys.argv:
                count += len(arg)


        _extracted()
        print(count)
        """,
    ),
    (
        "module block",
        """
        import sys

        if __name__ == "__main__":
            name = sys.argv[1]
            print(name.upper())
        """,
        ("lines", "name =", "print("),
        """
        import sys

        if __name__ == "__main__":
            def _extracted():
                global name
                name = sys.argv[1]
                print(name.upper())

            _extracted()
        """,
    ),
    (
        "comments",
        """
        def f(a):
            # prepare
            b = a + 1  # one more
            # then double
            c = b * 2
            return c
        """,
        ("span", "b = a + 1  # one more\n    # then double\n    c = b * 2"),
        """
        def f(a):
            # prepare
            c = _extracted(a)
            return c


        def _extracted(a):
            b = a + 1  # one more
            # then double
            c = b * 2
            return c
        """,
    ),
    (
        "comment lines selected",
        """
        def f(a):
            # prepare
            b = a + 1
            return b
        """,
        ("lines", "# prepare", "b = a"),
        """
        def f(a):
            b = _extracted(a)
            return b


        def _extracted(a):
            # prepare
            b = a + 1
            return b
        """,
    ),
    (
        "fresh name",
        """
        def _extracted():
            pass


        def f(a):
            b = a * 2
            return b
        """,
        ("lines", "b = a"),
        """
        def _extracted():
            pass


        def f(a):
            b = _extracted_2(a)
            return b


        def _extracted_2(a):
            b = a * 2
            return b
        """,
    ),
    (
        "global carried",
        """
        COUNT = 0


        def bump(n):
            global COUNT
            COUNT += n
            return COUNT
        """,
        ("lines", "COUNT += n"),
        """
        COUNT = 0


        def bump(n):
            global COUNT
            _extracted(n)
            return COUNT


        def _extracted(n):
            global COUNT
            COUNT += n
        """,
    ),
    (
        "inner break",
        """
        def first(rows):
            found = None
            for row in rows:
                if row:
                    found = row
                    break
            return found
        """,
        ("lines", "for row", "break"),
        """
        def first(rows):
            found = None
            found = _extracted(rows, found)
            return found


        def _extracted(rows, found):
            for row in rows:
                if row:
                    found = row
                    break
            return found
        """,
    ),
    (
        "generator consumed",
        """
        def f(xs, k):
            scale = k * 2
            total = sum(x * scale for x in xs)
            return total
        """,
        ("lines", "total ="),
        """
        def f(xs, k):
            scale = k * 2
            total = _extracted(scale, xs)
            return total


        def _extracted(scale, xs):
            total = sum(x * scale for x in xs)
            return total
        """,
    ),
    (
        "with open",
        """
        def size(path):
            with open(path) as fh:
                data = fh.read()
            n = len(data)
            return n
        """,
        ("lines", "n = len"),
        """
        def size(path):
            with open(path) as fh:
                data = fh.read()
            n = _extracted(data)
            return n


        def _extracted(data):
            n = len(data)
            return n
        """,
    ),
    (
        "nothing returned",
        """
        def f(xs):
            out = []
            for x in xs:
                y = x * 2
                out.append(y)
            return out
        """,
        ("lines", "y = x", "out.append"),
        """
        def f(xs):
            out = []
            for x in xs:
                _extracted(x, out)
            return out


        def _extracted(x, out):
            y = x * 2
            out.append(y)
        """,
    ),
]

REFUSALS = [
    ("return", "def f(a):\n    if a:\n        return 1\n    b = 2\n    return b\n", ("lines", "if a:", "return 1"), "escaping `return`"),
    ("yield", "def f(a):\n    b = a\n    yield b\n", ("lines", "b = a", "yield b"), "`yield`"),
    ("await", "async def f(a):\n    b = await a\n    return b\n", ("lines", "b = await"), "awaits"),
    ("async for", "async def f(a):\n    async for x in a:\n        print(x)\n", ("lines", "async for", "print"), "awaits"),
    ("break", "def f(xs):\n    for x in xs:\n        if x:\n            break\n        print(x)\n", ("lines", "if x:", "break"), "escaping `break`"),
    ("continue", "def f(xs):\n    for x in xs:\n        if x:\n            continue\n        print(x)\n", ("lines", "if x:", "continue"), "escaping `continue`"),
    ("global statement", "def f(a):\n    global G\n    G = a\n    return G\n", ("lines", "global G", "G = a"), "`global` statement"),
    ("nested def", "def f(a):\n    def g():\n        return a\n    return g\n", ("lines", "def g", "return a"), "qualified name would change"),
    ("class body", "class A:\n    x = 1\n    y = x + 1\n", ("lines", "x = 1", "y = x"), "class body"),
    ("nested function", "def f(a):\n    def g(b):\n        c = b + 1\n        return c\n    return g\n", ("lines", "c = b"), "nested function"),
    ("partial statement", "def f(a):\n    b = a + 1\n    return b\n", ("span", "a + 1"), "whole statements"),
    ("cursor", "def f(a):\n    b = a + 1\n    return b\n", ("cursor", "b = a"), "select the statements"),
    ("input maybe unbound", "def f(a):\n    if a:\n        b = 1\n    c = b + 1\n    return c\n", ("lines", "c = b"), "`b` may be unbound where the range starts"),
    ("result maybe unbound", "def f(a):\n    if a:\n        b = 1\n    return b\n", ("lines", "if a:", "b = 1"), "`b` is assigned on some paths"),
    ("read before assigned", "def f(a):\n    print(b)\n    b = a\n", ("lines", "print(b)"), "`b` is read before it is assigned"),
    ("read outside, bound only inside", "def f(a):\n    print(b)\n    b = a\n", ("lines", "b = a"), "look it up as a global"),
    ("del of a parameter", "def f(a):\n    del a\n    return 1\n", ("lines", "del a"), "deletes `a`"),
    ("closure outside the range", "def f(a):\n    g = lambda: a\n    a = a + 1\n    return g()\n", ("lines", "a = a + 1"), "shared with a nested function"),
    ("closure in the range goes stale", "def f(xs):\n    fs = []\n    for x in xs:\n        fs.append(lambda: x)\n    return fs\n", ("lines", "fs.append"), "a copy would go stale"),
    ("nonlocal writer", "def f(a):\n    def bump():\n        nonlocal a\n        a += 1\n    bump()\n    b = a\n    return b\n", ("lines", "bump()\n", "b = a"), "`nonlocal`"),
    ("try handler sees a result", "def f(a):\n    b = 0\n    try:\n        b = a + 1\n        c = 1 / a\n    except ZeroDivisionError:\n        return b\n    return c\n", ("lines", "b = a + 1", "c = 1 / a"), "enclosing `try` block"),
    ("with may swallow", "from contextlib import suppress\n\n\ndef f(a):\n    b = 0\n    with suppress(ZeroDivisionError):\n        b = a + 1\n        b = b / a\n    return b\n", ("lines", "b = a + 1", "b = b / a"), "enclosing `with` block"),
    ("locals()", "def f(a):\n    b = a\n    print(locals())\n", ("lines", "b = a", "print("), "`locals`"),
    ("frame", "import sys\n\n\ndef f(a):\n    b = sys._getframe()\n    return b\n", ("lines", "b = sys"), "inspects a frame"),
    ("star import", "from os import *\nx = 1\n", ("lines", "from os", "x = 1"), "star import"),
    ("module docstring", '\"\"\"Doc.\"\"\"\nx = 1\n', ("lines", '\"\"\"Doc', "x = 1"), "docstring"),
    ("future import", "from __future__ import annotations\nx = 1\n", ("lines", "from __future__", "x = 1"), "`from __future__`"),
    ("module annotation", "x: int = 1\ny = x\n", ("lines", "x: int", "y = x"), "annotates"),
    ("static method", "class A:\n    @staticmethod\n    def f(a):\n        b = a + 1\n        return b\n", ("lines", "b = a"), "static method"),
    ("protocol", "from typing import Protocol\n\n\nclass P(Protocol):\n    def f(self, a):\n        b = a + 1\n        return b\n", ("lines", "b = a"), "`Protocol`"),
    ("self rebound", "class A:\n    def f(self, other):\n        self = other\n        b = self.x\n        return b\n", ("lines", "b = self"), "rebinds `self`"),
    ("walrus in a comprehension", "def f(xs):\n    ys = [y := x for x in xs]\n    return y\n", ("lines", "ys ="), ":="),
]


@pytest.mark.parametrize(("before", "spec", "after"), [g[1:] for g in GOLDEN], ids=[g[0] for g in GOLDEN])
def test_golden(before, spec, after):
    source = dedent(before)
    assert rule.new_source(source, selection(source, spec)) == dedent(after)


@pytest.mark.parametrize(("source", "spec", "phrase"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refusals(source, spec, phrase):
    assert phrase in rule.reason(source, selection(source, spec))


def test_title_reports_the_metric_change():
    source = dedent(GOLDEN[0][1])
    outcome = rule.applied(source, selection(source, GOLDEN[0][2]))
    assert outcome.title == "Extract function (cognitive 3 → 0)"
    names = [m.function for m in outcome.metrics]
    assert names == ["report", "_extracted"]


def test_new_method_metrics_are_named_by_qualname():
    source = dedent(dict((g[0], g[1:]) for g in GOLDEN)["method self"][0])
    outcome = rule.applied(source, lines(source, "net =", "gross ="))
    assert [m.function for m in outcome.metrics] == ["Cart.total", "Cart._extracted"]


def test_offered_for_statements_not_for_a_cursor_or_a_return():
    source = dedent(GOLDEN[0][1])
    assert rule.offered(source, lines(source, "total = 0", "total += row"))
    assert not rule.offered(source, cursor(source, "total = 0"))
    refused = "def f(a):\n    b = a\n    return b\n"
    assert not rule.offered(refused, lines(refused, "b = a", "return b"))


def test_decorated_function_gets_the_new_function_above_its_decorators():
    source = dedent("""
        import functools


        @functools.cache
        def f(a):
            b = a * 2
            return b
    """)
    assert rule.new_source(source, lines(source, "b = a")) == dedent("""
        import functools


        def _extracted(a):
            b = a * 2
            return b


        @functools.cache
        def f(a):
            b = _extracted(a)
            return b
    """)


def test_comment_above_the_function_stays_with_it():
    source = dedent("""
        import os


        # Reads the thing.
        def f(a):
            b = a * 2
            return b
    """)
    assert rule.new_source(source, lines(source, "b = a")) == dedent("""
        import os


        # Reads the thing.
        def f(a):
            b = _extracted(a)
            return b


        def _extracted(a):
            b = a * 2
            return b
    """)


def test_text_around_the_function_is_untouched():
    source = dedent("""
        X = 1  # keep   this   spacing


        def f(a):
            b = a * 2
            return b
        # trailing comment
    """)
    new = rule.new_source(source, lines(source, "b = a"))
    assert new.startswith("X = 1  # keep   this   spacing\n")
    assert new.endswith("    return b\n# trailing comment\n")
