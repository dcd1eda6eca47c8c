"""use-any-all: golden before/after, refusals, offers, and differential runs."""

from __future__ import annotations

import functools
import textwrap

import pytest
from control_flow_harness import at
from differential import namespace_of as _exec
from differential import run_logged as _run
from hypothesis import given, settings
from hypothesis import strategies as st

from orchex_ls.refactor.engine import apply_refactoring, list_refactorings
from orchex_ls.refactor.models import Applied, Refused, Selection

RULE = "use-any-all"


def applied(before: str, fragment: str) -> str:
    before = textwrap.dedent(before)
    outcome = apply_refactoring(before, at(before, fragment), RULE)
    assert isinstance(outcome, Applied), outcome
    return outcome.new_source


def refused(before: str, fragment: str) -> str:
    before = textwrap.dedent(before)
    outcome = apply_refactoring(before, at(before, fragment), RULE)
    assert isinstance(outcome, Refused), outcome
    return outcome.reason


def offered(source: str, selection: Selection) -> bool:
    return any(o.rule == RULE for o in list_refactorings(source, selection))


# -- golden -----------------------------------------------------------------------------

GOLDEN = [
    (
        "any, return form",
        """
        def expensive(items, limit):
            for item in items:
                if item.price > limit:
                    return True
            return False
        """,
        "for item",
        """
        def expensive(items, limit):
            return any(item.price > limit for item in items)
        """,
    ),
    (
        "all flips ==",
        """
        def fresh(items, seen):
            for item in items:
                if item == seen:
                    return False
            return True
        """,
        "if item",
        """
        def fresh(items, seen):
            return all(item != seen for item in items)
        """,
    ),
    (
        "all flips `is not`, cursor on the return after the loop",
        """
        def all_none(items):
            for item in items:
                if item is not None:
                    return False
            return True
        """,
        "return True",
        """
        def all_none(items):
            return all(item is None for item in items)
        """,
    ),
    (
        "all flips `in`",
        """
        def disjoint(items, bad):
            for item in items:
                if item in bad: return False
            return True
        """,
        "for item",
        """
        def disjoint(items, bad):
            return all(item not in bad for item in items)
        """,
    ),
    (
        "all drops a `not`",
        """
        def complete(items):
            for item in items:
                if not (item.done or item.skipped):
                    return False
            return True
        """,
        "for item",
        """
        def complete(items):
            return all(item.done or item.skipped for item in items)
        """,
    ),
    (
        "all negates anything else",
        """
        def valid(items, a, b):
            for item in items:
                if check(item) and a < item < b:
                    return False
            return True
        """,
        "for item",
        """
        def valid(items, a, b):
            return all(not (check(item) and a < item < b) for item in items)
        """,
    ),
    (
        "for-else, nested loops and a filter",
        """
        def has_negative(rows):
            for row in rows:
                if row:
                    for cell in row:
                        if cell < 0:
                            return True
            else:
                return False
        """,
        "for cell",
        """
        def has_negative(rows):
            return any(cell < 0 for row in rows if row for cell in row)
        """,
    ),
    (
        "one-line for-else",
        """
        def f(items):
            for item in items:
                if item:
                    return False
            else: return True
        """,
        "if item",
        """
        def f(items):
            return all(not item for item in items)
        """,
    ),
    (
        "flag form, any, cursor on the flag",
        """
        def f(items, limit):
            found = False  # set below
            for item in items:
                if item > limit:
                    found = True
                    break
            return found
        """,
        "found = False",
        """
        def f(items, limit):
            found = any(item > limit for item in items)  # set below
            return found
        """,
    ),
    (
        "flag form, all",
        """
        def f(items):
            ok = True
            for item in items:
                if item is None:
                    ok = False; break
            return ok
        """,
        "for item",
        """
        def f(items):
            ok = all(item is not None for item in items)
            return ok
        """,
    ),
    (
        "comment above the loop stays",
        """
        def f(items):
            # look for zero
            for item in items:
                if item == 0:
                    return True
            return False
        """,
        "for item",
        """
        def f(items):
            # look for zero
            return any(item == 0 for item in items)
        """,
    ),
    (
        "tuple iterable gets parentheses",
        """
        def f(a, b):
            for x in a, b:
                if x:
                    return True
            return False
        """,
        "for x",
        """
        def f(a, b):
            return any(x for x in (a, b))
        """,
    ),
    (
        "method",
        """
        class Basket:
            def has(self, name):
                for item in self.items:
                    if item.name == name:
                        return True
                return False
        """,
        "for item",
        """
        class Basket:
            def has(self, name):
                return any(item.name == name for item in self.items)
        """,
    ),
    (
        "async function, await only in the iterable",
        """
        async def has(client, name):
            for item in await client.items():
                if item.name == name:
                    return True
            return False
        """,
        "for item",
        """
        async def has(client, name):
            return any(item.name == name for item in await client.items())
        """,
    ),
]


@pytest.mark.parametrize(("before", "fragment", "after"), [c[1:] for c in GOLDEN], ids=[c[0] for c in GOLDEN])
def test_golden(before, fragment, after):
    assert applied(before, fragment) == textwrap.dedent(after)


def test_offered_on_the_loop_and_its_return_only():
    source = textwrap.dedent(
        """
        def f(xs):
            print(xs)
            for x in xs:
                if x:
                    return True
            return False
        """
    )
    assert offered(source, at(source, "for x"))
    assert offered(source, at(source, "return True"))
    assert offered(source, at(source, "return False"))
    assert not offered(source, at(source, "print"))


# -- refusals ---------------------------------------------------------------------------

REFUSALS = [
    (
        "returns something other than a bool literal",
        "def f(xs):\n    for x in xs:\n        if x:\n            return x\n    return False\n",
        "for x",
        "other than `True`/`False`",
    ),
    (
        "not followed by the opposite return",
        "def f(xs):\n    for x in xs:\n        if x:\n            return True\n    print(xs)\n    return False\n",
        "for x",
        "not followed by `return False`",
    ),
    (
        "else that does more",
        "def f(xs):\n    for x in xs:\n        if x:\n            return True\n    else:\n        print(xs)\n        return False\n",
        "for x",
        "`else:` does more",
    ),
    (
        "loop variable read after the loop",
        "def f(xs):\n    found = False\n    for x in xs:\n        if x:\n            found = True\n            break\n    return found, x\n",
        "for x",
        "`x` is used outside the loop",
    ),
    (
        "loop variable captured",
        "def f(xs, keep):\n    for x in xs:\n        if keep(lambda: x):\n            return True\n    return False\n",
        "for x",
        "captured",
    ),
    (
        "any is redefined in the file",
        "def any(xs):\n    return 1\n\ndef f(xs):\n    for x in xs:\n        if x:\n            return True\n    return False\n",
        "for x",
        "`any` is redefined",
    ),
    (
        "star import could redefine any",
        "from helpers import *\n\ndef f(xs):\n    for x in xs:\n        if x:\n            return True\n    return False\n",
        "for x",
        "star import",
    ),
    (
        "await in the condition",
        "async def f(xs):\n    for x in xs:\n        if await x:\n            return True\n    return False\n",
        "for x",
        "`await`",
    ),
    (
        "async for",
        "async def f(xs):\n    async for x in xs:\n        if x:\n            return True\n    return False\n",
        "for x",
        "`async for`",
    ),
    (
        "next() in the condition",
        "def f(xs, it):\n    for x in xs:\n        if next(it) == x:\n            return True\n    return False\n",
        "for x",
        "StopIteration",
    ),
    (
        "flag read in the loop",
        "def f(xs, keep):\n    found = False\n    for x in xs:\n        if keep(x, found):\n            found = True\n            break\n    return found\n",
        "for x",
        "uses `found` itself",
    ),
    (
        "flag read in an except handler",
        """
        def f(xs):
            try:
                found = False
                for x in xs:
                    if 1 / x:
                        found = True
                        break
            except ZeroDivisionError:
                return found
            return found
        """,
        "for x",
        "raised half-way",
    ),
    (
        "flag form over nested loops",
        "def f(rows):\n    found = False\n    for row in rows:\n        for x in row:\n            if x:\n                found = True\n                break\n    return found\n",
        "for row",
        "leaves only the inner loop",
    ),
    (
        "flag already has that value",
        "def f(xs):\n    found = True\n    for x in xs:\n        if x:\n            found = True\n            break\n    return found\n",
        "for x",
        "already True",
    ),
    (
        "comment in the loop",
        "def f(xs):\n    for x in xs:\n        if x:  # the first one\n            return True\n    return False\n",
        "for x",
        "comment",
    ),
    (
        "a local that may be unbound",
        "def f(xs, flag):\n    if flag:\n        limit = 3\n    for x in xs:\n        if x > limit:\n            return True\n    return False\n",
        "for x",
        "`limit` may be unassigned",
    ),
    (
        "class body (flag form)",
        "def f(xs):\n    class A:\n        found = False\n        for x in xs:\n            if x:\n                found = True\n                break\n",
        "for x",
        "class body",
    ),
    (
        "a plain loop",
        "def f(xs):\n    for x in xs:\n        print(x)\n",
        "for x",
        "not on a `for` loop that returns",
    ),
]


@pytest.mark.parametrize(("source", "fragment", "phrase"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS])
def test_refusal(source, fragment, phrase):
    assert phrase in refused(source, fragment)
    source = textwrap.dedent(source)
    assert not offered(source, at(source, fragment))


def test_module_level_flag_form_refused():
    source = "found = False\nfor x in range(3):\n    if x:\n        found = True\n        break\n"
    outcome = apply_refactoring(source, Selection.lines(0, 4), RULE)
    assert isinstance(outcome, Refused)
    assert "inside a function" in outcome.reason


# -- differential -----------------------------------------------------------------------

PRELUDE = """
LOG = []

def gt(a, b):
    LOG.append((a, b))
    return a > b

class Odd:
    # truthiness that runs code and can fail
    def __init__(self, v):
        self.v = v
    def __bool__(self):
        LOG.append(("bool", self.v))
        if self.v == 5:
            raise ValueError("five")
        return self.v % 2 == 1
"""

DIFFERENTIAL = [
    (
        "any, return",
        """
        def f(xs, k):
            for x in xs:
                if gt(x, k):
                    return True
            return False
        """,
    ),
    (
        "all, return, flipped ==",
        """
        def f(xs, k):
            for x in xs:
                if x == k:
                    return False
            return True
        """,
    ),
    (
        "all, not (...)",
        """
        def f(xs, k):
            for x in xs:
                if gt(x, k) and gt(k, x - 3):
                    return False
            return True
        """,
    ),
    (
        "any, truthiness of a non-bool that can raise",
        """
        def f(xs, k):
            for x in xs:
                if Odd(x + k):
                    return True
            return False
        """,
    ),
    (
        "all, drops not on a non-bool",
        """
        def f(xs, k):
            for x in xs:
                if not Odd(x):
                    return False
            return True
        """,
    ),
    (
        "any, flag with a filter",
        """
        def f(xs, k):
            found = False
            for x in xs:
                if x % 2:
                    if gt(x, k):
                        found = True
                        break
            return found
        """,
    ),
    (
        "all, flag",
        """
        def f(xs, k):
            ok = True
            for x in xs:
                if x is None or gt(k, x):
                    ok = False
                    break
            return ok
        """,
    ),
    (
        "nested loops",
        """
        def f(xs, k):
            for x in xs:
                for y in range(x % 3):
                    if gt(x * y, k):
                        return True
            return False
        """,
    ),
]

values = st.one_of(st.integers(-4, 6), st.none())


@functools.cache
def _refactored(source: str) -> str:
    before = PRELUDE + textwrap.dedent(source)
    outcome = apply_refactoring(before, at(before, "for x"), RULE)
    assert isinstance(outcome, Applied), outcome
    return outcome.new_source


@pytest.mark.parametrize("source", [c[1] for c in DIFFERENTIAL], ids=[c[0] for c in DIFFERENTIAL])
@settings(max_examples=50, deadline=None)
@given(xs=st.lists(values, max_size=8), k=values)
def test_differential(source, xs, k):
    old, new = _exec(PRELUDE + textwrap.dedent(source)), _exec(_refactored(source))
    assert _run(old, list(xs), k) == _run(new, list(xs), k)
