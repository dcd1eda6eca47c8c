"""extract-duplicate: golden before/after, refusals, offers, and differential runs."""

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

RULE = "extract-duplicate"


def applied(before: str, fragment: str, nth: int = 0) -> Applied:
    before = textwrap.dedent(before)
    outcome = apply_refactoring(before, at(before, fragment, nth), RULE)
    assert isinstance(outcome, Applied), outcome
    return outcome


def refused(before: str, fragment: str, nth: int = 0) -> str:
    before = textwrap.dedent(before)
    outcome = apply_refactoring(before, at(before, fragment, nth), RULE)
    assert isinstance(outcome, Refused), outcome
    return outcome.reason


def offered(source: str, selection: Selection) -> bool:
    return any(o.rule == RULE for o in list_refactorings(source, selection))


# -- golden -----------------------------------------------------------------------------

GOLDEN = [
    (
        "inputs and a differing literal",
        """
        def totals(orders, refunds):
            paid = 0
            for order in orders:
                if order.done:
                    paid += order.amount * order.rate
                    log("order", order.id)
            print(paid)
            back = 0
            for refund in refunds:
                if refund.done:
                    back += refund.amount * refund.rate
                    log("refund", refund.id)
            print(back)
        """,
        ("paid = 0", 0),
        """
        def _extracted(orders, _value):
            paid = 0
            for order in orders:
                if order.done:
                    paid += order.amount * order.rate
                    log(_value, order.id)
            print(paid)


        def totals(orders, refunds):
            _extracted(orders, "order")
            _extracted(refunds, "refund")
        """,
    ),
    (
        "a result read after the last copy only",
        """
        def process(a_rows, b_rows):
            total = 0
            for row in a_rows:
                if row.ok:
                    total += row.value * 2
                    print(row.name, total)
            report("a", total)
            total = 0
            for row in b_rows:
                if row.ok:
                    total += row.value * 2
                    print(row.name, total)
            report("b", total)
            return total
        """,
        ("for row", 1),
        """
        def _extracted(b_rows, _value):
            total = 0
            for row in b_rows:
                if row.ok:
                    total += row.value * 2
                    print(row.name, total)
            report(_value, total)
            return total


        def process(a_rows, b_rows):
            total = _extracted(a_rows, "a")
            total = _extracted(b_rows, "b")
            return total
        """,
    ),
    (
        "a method that uses self",
        """
        class Shop:
            def totals(self, a, b):
                left = 0
                for item in a:
                    if item.visible:
                        left += self.price(item) * item.count
                        self.seen.add(item.name)
                right = 0
                for item in b:
                    if item.visible:
                        right += self.price(item) * item.count
                        self.seen.add(item.name)
                return left - right
        """,
        ("left = 0", 0),
        """
        class Shop:
            def totals(self, a, b):
                left = self._extracted(a)
                right = self._extracted(b)
                return left - right

            def _extracted(self, a):
                left = 0
                for item in a:
                    if item.visible:
                        left += self.price(item) * item.count
                        self.seen.add(item.name)
                return left
        """,
    ),
    (
        "a method that does not use self: a static method, written from the copy under the cursor",
        """
        class Shop:
            def totals(self, a, b):
                left = 0
                for item in a:
                    if item.visible:
                        left += price(item) * item.count
                        seen.add(item.name)
                right = 0
                for item in b:
                    if item.visible:
                        right += price(item) * item.count
                        seen.add(item.name)
                return left - right
        """,
        ("right += ", 0),
        """
        class Shop:
            def totals(self, a, b):
                left = self._extracted(a)
                right = self._extracted(b)
                return left - right

            @staticmethod
            def _extracted(b):
                right = 0
                for item in b:
                    if item.visible:
                        right += price(item) * item.count
                        seen.add(item.name)
                return right
        """,
    ),
    (
        "a classmethod",
        """
        class Shop:
            @classmethod
            def totals(cls, a, b):
                left = 0
                for item in a:
                    if item.visible:
                        left += cls.price(item) * item.count
                        cls.seen.add(item.name)
                right = 0
                for item in b:
                    if item.visible:
                        right += cls.price(item) * item.count
                        cls.seen.add(item.name)
                return left - right
        """,
        ("left = 0", 0),
        """
        class Shop:
            @classmethod
            def totals(cls, a, b):
                left = cls._extracted(a)
                right = cls._extracted(b)
                return left - right

            @classmethod
            def _extracted(cls, a):
                left = 0
                for item in a:
                    if item.visible:
                        left += cls.price(item) * item.count
                        cls.seen.add(item.name)
                return left
        """,
    ),
    (
        "an async function: the copies do not await, the new function is a plain one",
        """
        async def sync(a, b):
            left = 0
            for item in a:
                if item.visible:
                    left += price(item) * item.count
                    seen.add(item.name)
            right = 0
            for item in b:
                if item.visible:
                    right += price(item) * item.count
                    seen.add(item.name)
            await store(left, right)
        """,
        ("left = 0", 0),
        """
        def _extracted(a):
            left = 0
            for item in a:
                if item.visible:
                    left += price(item) * item.count
                    seen.add(item.name)
            return left


        async def sync(a, b):
            left = _extracted(a)
            right = _extracted(b)
            await store(left, right)
        """,
    ),
    (
        "copies inside a loop; the copy with a comment is the template",
        """
        def f(groups):
            out = []
            for g in groups:
                x = 0
                for item in g[0]:
                    if item.visible:
                        x += item.size * item.weight
                        print(item.name, x)
                # the second half
                y = 0
                for item in g[1]:
                    # weighted
                    if item.visible:
                        y += item.size * item.weight
                        print(item.name, y)
                out.append(x - y)
            return out
        """,
        ("x = 0", 0),
        """
        def _extracted(g, _value):
            y = 0
            for item in g[_value]:
                # weighted
                if item.visible:
                    y += item.size * item.weight
                    print(item.name, y)
            return y


        def f(groups):
            out = []
            for g in groups:
                x = _extracted(g, 0)
                # the second half
                y = _extracted(g, 1)
                out.append(x - y)
            return out
        """,
    ),
    (
        "three copies, same comments in each",
        """
        def report(a, b, c):
            for row in a:
                # skip hidden rows
                if row.hidden:
                    continue
                emit(row.name, row.size * 2, "a")
            for row in b:
                # skip hidden rows
                if row.hidden:
                    continue
                emit(row.name, row.size * 2, "b")
            for row in c:
                # skip hidden rows
                if row.hidden:
                    continue
                emit(row.name, row.size * 2, "c")
        """,
        ("for row in b", 0),
        """
        def _extracted(b, _value):
            for row in b:
                # skip hidden rows
                if row.hidden:
                    continue
                emit(row.name, row.size * 2, _value)


        def report(a, b, c):
            _extracted(a, "a")
            _extracted(b, "b")
            _extracted(c, "c")
        """,
    ),
]


@pytest.mark.parametrize(("before", "where", "after"), [c[1:] for c in GOLDEN], ids=[c[0] for c in GOLDEN])
def test_golden(before, where, after):
    outcome = applied(before, *where)
    assert outcome.new_source == textwrap.dedent(after)


def test_a_global_the_copies_assign_stays_global():
    source = "counter = 0\n\n\n" + function(
        copy("x", "a", extra=")\n            counter += (1"),
        copy("y", "b", extra=")\n            counter += (1"),
        head="def f(a, b):\n    global counter",
    )
    outcome = apply_refactoring(source, at(source, "x = 0"), RULE)
    assert isinstance(outcome, Applied), outcome
    assert "def _extracted(a):\n    global counter\n    x = 0\n" in outcome.new_source
    assert "    global counter\n    x = _extracted(a)\n    y = _extracted(b)\n" in outcome.new_source


def test_title_reports_the_metric_change_and_answers_ocx107():
    source = textwrap.dedent(GOLDEN[0][1])
    outcome = apply_refactoring(source, at(source, "paid = 0"), RULE)
    assert isinstance(outcome, Applied)
    assert outcome.kind == "refactor.extract"
    assert any(m.function == "_extracted" for m in outcome.metrics)
    offer = next(o for o in list_refactorings(source, at(source, "paid = 0")) if o.rule == RULE)
    assert offer.answers == ("OCX107",)


def test_offered_inside_a_copy_only():
    source = textwrap.dedent(GOLDEN[0][1])
    assert offered(source, at(source, "paid += "))
    assert offered(source, at(source, "log(\"refund\""))
    assert not offered(source, at(source, "def totals"))


# -- refusals ---------------------------------------------------------------------------

def copy(a: str, xs: str, fa: str = "scale", extra: str = "") -> str:
    """One copy of a small duplicated block (``a`` accumulates over ``xs``)."""
    return (
        f"    {a} = 0\n    for item in {xs}:\n        if item.visible:\n"
        f"            {a} += {fa}(item.size, item.weight)\n            print(item.name, {a}{extra})\n"
    )


def function(*copies: str, head: str = "def f(a, b):", tail: str = "    return x + y\n") -> str:
    return head + "\n" + "".join(copies) + tail


REFUSALS = [
    (
        "different global functions",
        function(copy("x", "a"), copy("y", "b", fa="other")),
        "`scale`/`other` that are not locals",
    ),
    (
        "variables renamed inconsistently",
        function(copy("x", "a", extra=", a"), copy("y", "b", extra=", a")),
        "use their variables differently",
    ),
    (
        "a return in a copy",
        function(copy("x", "a", extra=")\n            return (x"), copy("y", "b", extra=")\n            return (y")),
        "`return`",
    ),
    (
        "a copy deletes a parameter",
        function(copy("x", "a", extra=")\n            del (a"), copy("y", "b", extra=")\n            del (b")),
        "deletes `a`",
    ),
    (
        "the other copy is in another function",
        function(copy("x", "a"), head="def f(a):", tail="    return x\n")
        + "\n\n"
        + function(copy("x", "a"), head="def g(a):", tail="    return x\n"),
        "outside this function",
    ),
]


@pytest.mark.parametrize(("source", "phrase"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS])
def test_refusal_generated(source, phrase):
    assert phrase in refused(source, "x = 0")
    assert not offered(source, at(source, "x = 0"))


HAND_REFUSALS = [
    (
        "attribute names differ",
        """
        def f(g):
            x = 0
            for item in g.first:
                if item.visible:
                    x += item.size * item.weight
                    print(item.name, x)
            y = 0
            for item in g.second:
                if item.visible:
                    y += item.size * item.weight
                    print(item.name, y)
            return x + y
        """,
        "x = 0",
        "not a variable",
    ),
    (
        "a closure captures a local",
        """
        def f(a, b, k):
            x = 0
            for item in a:
                if item.visible:
                    x += item.size * item.weight
                    later(lambda: k)
            y = 0
            for item in b:
                if item.visible:
                    y += item.size * item.weight
                    later(lambda: k)
            return x + y
        """,
        "x = 0",
        "captures `k`",
    ),
    (
        "a local read in the except handler",
        """
        def f(a, b):
            try:
                x = 0
                for item in a:
                    if item.visible:
                        x += item.size * item.weight
                        print(item.name, x)
                y = 0
                for item in b:
                    if item.visible:
                        y += item.size * item.weight
                        print(item.name, y)
            except ValueError:
                print(x)
        """,
        "x = 0",
        "an exception in a copy",
    ),
    (
        "the copies have different comments",
        """
        def f(a, b):
            x = 0
            for item in a:
                if item.visible:  # shown
                    x += item.size * item.weight
                    print(item.name, x)
            y = 0
            for item in b:
                if item.visible:  # visible
                    y += item.size * item.weight
                    print(item.name, y)
            return x + y
        """,
        "x = 0",
        "different comments",
    ),
    (
        "a loop variable read after a copy",
        """
        def f(a, b):
            x = 0
            for item in a:
                if item.visible:
                    x += item.size * item.weight
                    print(item.name, x)
            y = 0
            for item in b:
                if item.visible:
                    y += item.size * item.weight
                    print(item.name, y)
            return x + y, item
        """,
        "x = 0",
        "`item` is assigned on some paths",
    ),
    (
        "a parameter unbound where a copy starts",
        """
        def f(a, flag):
            if flag:
                b = a
            x = 0
            for item in a:
                if item.visible:
                    x += item.size * item.weight
                    print(item.name, x)
            y = 0
            for item in b:
                if item.visible:
                    y += item.size * item.weight
                    print(item.name, y)
            return x + y
        """,
        "x = 0",
        "`b` may be unbound",
    ),
    (
        "a static method",
        """
        class A:
            @staticmethod
            def f(a, b):
                x = 0
                for item in a:
                    if item.visible:
                        x += item.size * item.weight
                        print(item.name, x)
                y = 0
                for item in b:
                    if item.visible:
                        y += item.size * item.weight
                        print(item.name, y)
                return x + y
        """,
        "x = 0",
        "static method",
    ),
    (
        "literals differ inside an implicitly concatenated string",
        """
        def f(a, b):
            x = 0
            for item in a:
                if item.visible:
                    x += item.size * item.weight
                    print(item.name, "x" "1")
            y = 0
            for item in b:
                if item.visible:
                    y += item.size * item.weight
                    print(item.name, "x" "2")
            return x + y
        """,
        "x = 0",
        "concatenated string",
    ),
    (
        "module level",
        """
        x = 0
        for item in a:
            if item.visible:
                x += item.size * item.weight
                print(item.name, x)
        y = 0
        for item in b:
            if item.visible:
                y += item.size * item.weight
                print(item.name, y)
        """,
        "x = 0",
        "only inside a function",
    ),
    (
        "not in duplicated code",
        """
        def f(a):
            x = 0
            for item in a:
                if item.visible:
                    x += item.size * item.weight
            return x
        """,
        "x = 0",
        "not in duplicated code",
    ),
]


@pytest.mark.parametrize(("source", "fragment", "phrase"), [c[1:] for c in HAND_REFUSALS], ids=[c[0] for c in HAND_REFUSALS])
def test_refusal(source, fragment, phrase):
    assert phrase in refused(source, fragment)
    source = textwrap.dedent(source)
    assert not offered(source, at(source, fragment))


# -- differential -----------------------------------------------------------------------

PRELUDE = """
LOG = []

def weigh(v, k):
    LOG.append(("weigh", v, k))
    if v == 7:
        raise ValueError("seven")
    return v * k
"""

DIFFERENTIAL = [
    (
        "inputs, a literal, results read later",
        """
        def f(xs, k):
            ys = xs[::-1]
            x = 0
            for v in xs:
                if v % 2:
                    x += weigh(v, k) - 1
                    LOG.append(("odd", v, x))
            y = 0
            for v in ys:
                if v % 2:
                    y += weigh(v, k) - 2
                    LOG.append(("odd", v, y))
            return x, y
        """,
    ),
    (
        "a value carried from one copy into the next",
        """
        def f(xs, k):
            ys = xs[::2]
            total = k
            for v in xs:
                if v > 0:
                    total = total + weigh(v, 3)
                    LOG.append(("total", total))
            for v in ys:
                if v > 0:
                    total = total + weigh(v, 3)
                    LOG.append(("total", total))
            return total
        """,
    ),
    (
        "copies in a loop",
        """
        def f(xs, k):
            out = []
            for step in range(k % 3 + 1):
                head, tail = xs[step:], xs[:step]
                a = 0
                for v in head:
                    if v != k:
                        a += weigh(v, step) + 10
                        LOG.append(("a", v, a))
                b = 0
                for v in tail:
                    if v != k:
                        b += weigh(v, step) + 20
                        LOG.append(("a", v, b))
                out.append((a, b))
            return out
        """,
    ),
]


@functools.cache
def _refactored(source: str) -> str:
    before = PRELUDE + textwrap.dedent(source)
    cursor = before.index("for v") + 2
    line = before.count("\n", 0, cursor)
    outcome = apply_refactoring(before, Selection.cursor(line, cursor - before.rfind("\n", 0, cursor) - 1), RULE)
    assert isinstance(outcome, Applied), outcome
    return outcome.new_source


@pytest.mark.parametrize("source", [c[1] for c in DIFFERENTIAL], ids=[c[0] for c in DIFFERENTIAL])
@settings(max_examples=50, deadline=None)
@given(xs=st.lists(st.integers(-3, 9), max_size=8), k=st.integers(-2, 4))
def test_differential(source, xs, k):
    old, new = _exec(PRELUDE + textwrap.dedent(source)), _exec(_refactored(source))
    assert _run(old, list(xs), k) == _run(new, list(xs), k)
