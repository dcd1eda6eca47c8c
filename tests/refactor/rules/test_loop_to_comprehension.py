"""loop-to-comprehension: golden before/after, refusals, offers, and differential runs."""

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

RULE = "loop-to-comprehension"


def applied(before: str, fragment: str, nth: int = 0) -> str:
    before = textwrap.dedent(before)
    outcome = apply_refactoring(before, at(before, fragment, nth), RULE)
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
        "list with a filter",
        """
        def names(users):
            out = []
            for user in users:
                if user.active:
                    out.append(user.name)
            return out
        """,
        "for user",
        """
        def names(users):
            out = [user.name for user in users if user.active]
            return out
        """,
    ),
    (
        "list() and an annotation",
        """
        def squares(xs):
            out: list[int] = list()
            for x in xs:
                out.append(x * x)
            return out
        """,
        "out.append",
        """
        def squares(xs):
            out: list[int] = [x * x for x in xs]
            return out
        """,
    ),
    (
        "set with .add, nested loops and a filter between them",
        """
        def leaves(groups):
            seen = set()
            for group in groups:
                if group:
                    for leaf in group:
                        seen.add(leaf)
            return seen
        """,
        "for leaf",
        """
        def leaves(groups):
            seen = {leaf for group in groups if group for leaf in group}
            return seen
        """,
    ),
    (
        "dict from item assignment, cursor on the init line",
        """
        def index(rows):
            by_id = {}
            for row in rows:
                by_id[row.id] = row
            return by_id
        """,
        "by_id = {}",
        """
        def index(rows):
            by_id = {row.id: row for row in rows}
            return by_id
        """,
    ),
    (
        "dict() with a tuple key, one-line body",
        """
        def grid(xs, ys):
            cells = dict()
            for x in xs:
                for y in ys: cells[x, y] = 0
            return cells
        """,
        "for x",
        """
        def grid(xs, ys):
            cells = {(x, y): 0 for x in xs for y in ys}
            return cells
        """,
    ),
    (
        "a tuple iterable and a conditional filter get parentheses",
        """
        def pick(a, b, flag):
            out = []
            for x in a, b:
                if x if flag else not x:
                    out.append((x, flag))
            return out
        """,
        "for x",
        """
        def pick(a, b, flag):
            out = [(x, flag) for x in (a, b) if (x if flag else not x)]
            return out
        """,
    ),
    (
        "comments above and beside the init stay",
        """
        def names(users):
            # all the names
            out = []  # filled below
            for user in users:
                out.append(user.name)
            return out
        """,
        "for user",
        """
        def names(users):
            # all the names
            out = [user.name for user in users]  # filled below
            return out
        """,
    ),
    (
        "a method",
        """
        class Repo:
            def ids(self):
                result = []
                for item in self.items:
                    result.append(item.id)
                return result
        """,
        "for item",
        """
        class Repo:
            def ids(self):
                result = [item.id for item in self.items]
                return result
        """,
    ),
    (
        "an async function (await only in the first iterable)",
        """
        async def ids(client):
            result = []
            for item in await client.items():
                result.append(item.id)
            return result
        """,
        "for item",
        """
        async def ids(client):
            result = [item.id for item in await client.items()]
            return result
        """,
    ),
    (
        "the accumulator read after the loop inside a try",
        """
        def ids(items):
            try:
                result = []
                for item in items:
                    result.append(item.id)
                return result
            except AttributeError:
                return None
        """,
        "for item",
        """
        def ids(items):
            try:
                result = [item.id for item in items]
                return result
            except AttributeError:
                return None
        """,
    ),
    (
        "locals bound before the loop, in a nested function",
        """
        def outer(xs):
            def inner(scale):
                offset = 1
                out = []
                for x in xs:
                    out.append(x * scale + offset)
                return out
            return inner
        """,
        "for x",
        """
        def outer(xs):
            def inner(scale):
                offset = 1
                out = [x * scale + offset for x in xs]
                return out
            return inner
        """,
    ),
]


@pytest.mark.parametrize(("before", "fragment", "after"), [c[1:] for c in GOLDEN], ids=[c[0] for c in GOLDEN])
def test_golden(before, fragment, after):
    assert applied(before, fragment) == textwrap.dedent(after)


def test_whole_lines_selection_over_init_and_loop():
    source = textwrap.dedent(
        """
        def f(xs):
            out = []
            for x in xs:
                out.append(x)
            return out
        """
    )
    outcome = apply_refactoring(source, Selection.lines(2, 4), RULE)
    assert isinstance(outcome, Applied)
    assert "    out = [x for x in xs]\n" in outcome.new_source


def test_offered_on_the_loop_and_not_elsewhere():
    source = textwrap.dedent(
        """
        def f(xs):
            out = []
            for x in xs:
                out.append(x)
            print(out)
            for y in xs:
                print(y)
        """
    )
    assert offered(source, at(source, "for x"))
    assert offered(source, at(source, "out.append"))
    assert not offered(source, at(source, "print(out)"))
    assert not offered(source, at(source, "for y"))


# -- refusals ---------------------------------------------------------------------------

REFUSALS = [
    (
        "loop variable read after the loop",
        """
        def f(xs):
            out = []
            for x in xs:
                out.append(x)
            return out, x
        """,
        "for x",
        "`x` is used outside the loop",
    ),
    (
        "loop variable captured by a lambda",
        """
        def f(xs):
            out = []
            for x in xs:
                out.append(lambda: x)
            x = 0
            return out
        """,
        "for x",
        "`x` is",
    ),
    (
        "the loop reads the accumulator",
        """
        def f(xs):
            out = []
            for x in xs:
                if x not in out:
                    out.append(x)
            return out
        """,
        "for x",
        "uses `out` itself",
    ),
    ("break", "def f(xs):\n    out = []\n    for x in xs:\n        if x:\n            break\n        out.append(x)\n", "for x", "`break`"),
    ("continue", "def f(xs):\n    out = []\n    for x in xs:\n        if x:\n            continue\n        out.append(x)\n", "for x", "`continue`"),
    ("return", "def f(xs):\n    out = []\n    for x in xs:\n        if x: return out\n        out.append(x)\n", "for x", "`return`"),
    ("for-else", "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n    else:\n        pass\n", "for x", "`else:`"),
    ("if-else", "def f(xs):\n    out = []\n    for x in xs:\n        if x:\n            out.append(x)\n        else:\n            out.append(0)\n", "for x", "`else`"),
    ("two statements", "def f(xs):\n    out = []\n    for x in xs:\n        print(x)\n        out.append(x)\n", "for x", "does more than"),
    ("append with two args", "def f(xs):\n    out = []\n    for x in xs:\n        out.append(*x)\n", "for x", "one plain argument"),
    ("async for", "async def f(xs):\n    out = []\n    async for x in xs:\n        out.append(x)\n", "for x", "`async for`"),
    ("await in the body", "async def f(xs):\n    out = []\n    for x in xs:\n        out.append(await x)\n", "for x", "`await`"),
    ("yield in the body", "def f(xs):\n    out = []\n    for x in xs:\n        out.append((yield x))\n", "for x", "`yield`"),
    ("walrus", "def f(xs):\n    out = []\n    for x in xs:\n        out.append((y := x))\n    return y\n", "for x", ":="),
    ("super()", "class A(B):\n    def f(self, xs):\n        out = []\n        for x in xs:\n            out.append(super().g(x))\n", "for x", "`super`"),
    (
        "class body",
        "def f(xs):\n    class A:\n        out = []\n        for x in xs:\n            out.append(x)\n",
        "for x",
        "class body",
    ),
    (
        "dict key and value both call code",
        "def f(xs):\n    d = {}\n    for x in xs:\n        d[key(x)] = value(x)\n",
        "for x",
        "key before the value",
    ),
    ("slice assignment", "def f(xs):\n    d = {}\n    for x in xs:\n        d[1:2] = x\n", "for x", "slice"),
    ("wrong method", "def f(xs):\n    out = []\n    for x in xs:\n        out.add(x)\n", "for x", "does more than append"),
    (
        "list is redefined in the file",
        "list = tuple\n\ndef f(xs):\n    out = list()\n    for x in xs:\n        out.append(x)\n",
        "for x",
        "`list` is redefined",
    ),
    (
        "global accumulator",
        "def f(xs):\n    global out\n    out = []\n    for x in xs:\n        out.append(x)\n",
        "for x",
        "global or nonlocal",
    ),
    (
        "accumulator read by a nested function",
        "def f(xs):\n    show = lambda: out\n    out = []\n    for x in xs:\n        out.append(x)\n    return show\n",
        "for x",
        "read by a nested function",
    ),
    (
        "accumulator read in an except handler",
        """
        def f(xs):
            try:
                out = []
                for x in xs:
                    out.append(x.id)
            except AttributeError:
                return out
            return out
        """,
        "for x",
        "raised half-way",
    ),
    (
        "a local that may be unbound",
        """
        def f(xs, flag):
            if flag:
                scale = 2
            out = []
            for x in xs:
                out.append(x * scale)
            return out
        """,
        "for x",
        "`scale` may be unassigned",
    ),
    (
        "a comment in the loop",
        """
        def f(xs):
            out = []
            for x in xs:
                # keep the order
                out.append(x)
            return out
        """,
        "for x",
        "comment",
    ),
    (
        "a comment between init and loop",
        """
        def f(xs):
            out = []
            # fill it
            for x in xs:
                out.append(x)
            return out
        """,
        "for x",
        "comment",
    ),
    (
        "an inner loop variable read by the outer iterable",
        """
        def f(xs, y):
            out = []
            for x in xs:
                for y in g(y):
                    out.append(y)
            return out
        """,
        "for x",
        "`y` is",
    ),
    (
        "loop assigns an attribute",
        "def f(xs, o):\n    out = []\n    for o.x in xs:\n        out.append(o.x)\n",
        "for o.x",
        "attribute or item",
    ),
    (
        "no init before the loop",
        "def f(xs, out):\n    for x in xs:\n        out.append(x)\n",
        "for x",
        "not on a `for` loop that fills",
    ),
]


@pytest.mark.parametrize(("source", "fragment", "phrase"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS])
def test_refusal(source, fragment, phrase):
    assert phrase in refused(source, fragment)
    source = textwrap.dedent(source)
    assert not offered(source, at(source, fragment))


def test_module_level_refused_even_when_both_statements_are_selected():
    source = "out = []\nfor x in range(3):\n    out.append(x)\n"
    outcome = apply_refactoring(source, Selection.lines(0, 2), RULE)
    assert isinstance(outcome, Refused)
    assert "inside a function" in outcome.reason


# -- differential: the function before and after on generated inputs ---------------------

PRELUDE = """
LOG = []

def key(v):
    LOG.append(("key", v))
    return -v

def keep(v):
    LOG.append(("keep", v))
    return v % 3 != 0

def pairs(v):
    LOG.append(("pairs", v))
    if v == 7:
        raise ValueError(v)
    return range(v % 4)
"""

DIFFERENTIAL = [
    (
        "list, filter",
        """
        def f(xs, k):
            out = []
            for x in xs:
                if keep(x):
                    out.append(x * k)
            return out
        """,
    ),
    (
        "set, nested, raising inner iterable",
        """
        def f(xs, k):
            out = set()
            for x in xs:
                if keep(x):
                    for y in pairs(x):
                        out.add(y + k)
            return sorted(out)
        """,
    ),
    (
        "dict, key calls code",
        """
        def f(xs, k):
            out = {}
            for x in xs:
                out[key(x)] = x
            return out
        """,
    ),
    (
        "dict, value calls code, duplicate keys",
        """
        def f(xs, k):
            out = dict()
            for x in xs:
                out[x] = key(x) // k
            return sorted(out.items())
        """,
    ),
    (
        "accumulator read after a failure elsewhere",
        """
        def f(xs, k):
            out = None
            try:
                out = []
                for x in xs:
                    out.append(10 // x)
                return out
            except ZeroDivisionError:
                return "failed"
        """,
    ),
]


@functools.cache
def _refactored(source: str) -> str:
    before = PRELUDE + textwrap.dedent(source)
    outcome = apply_refactoring(before, at(before, "for x"), RULE)
    assert isinstance(outcome, Applied), outcome
    return outcome.new_source


@pytest.mark.parametrize("source", [c[1] for c in DIFFERENTIAL], ids=[c[0] for c in DIFFERENTIAL])
@settings(max_examples=50, deadline=None)
@given(xs=st.lists(st.integers(-3, 9), max_size=8), k=st.integers(-2, 3))
def test_differential(source, xs, k):
    old, new = _exec(PRELUDE + textwrap.dedent(source)), _exec(_refactored(source))
    assert _run(old, list(xs), k) == _run(new, list(xs), k)
