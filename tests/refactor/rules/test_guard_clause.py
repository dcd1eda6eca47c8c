"""guard-clause: golden before/after, refusals, offers, comments, and differential runs."""

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

rule = Rule("guard-clause")

GOLDEN = [
    (
        "function body: early return",
        """
        def send(message):
            if message.ready:
                encode(message)
                deliver(message)
        """,
        "if message",
        """
        def send(message):
            if not message.ready:
                return
            encode(message)
            deliver(message)
        """,
    ),
    (
        "loop body: continue; `not x` becomes `x`",
        """
        def f(xs):
            for x in xs:
                prepare(x)
                if not x.skip:
                    use(x)
            done()
        """,
        "if not",
        """
        def f(xs):
            for x in xs:
                prepare(x)
                if x.skip:
                    continue
                use(x)
            done()
        """,
    ),
    (
        "while loop, == becomes !=",
        """
        def f(q):
            while q:
                if q.pop() == 3:
                    hit()
        """,
        "if q",
        """
        def f(q):
            while q:
                if q.pop() != 3:
                    continue
                hit()
        """,
    ),
    (
        "is not becomes is",
        """
        def f(a):
            if a is not None:
                go(a)
        """,
        "if a",
        """
        def f(a):
            if a is None:
                return
            go(a)
        """,
    ),
    (
        "in becomes not in",
        """
        def f(a, b):
            if b in a:
                go(a)
        """,
        "if b",
        """
        def f(a, b):
            if b not in a:
                return
            go(a)
        """,
    ),
    (
        "a chained comparison is not swapped",
        """
        def f(a, b):
            if a == b == 0:
                go(a)
        """,
        "if a",
        """
        def f(a, b):
            if not (a == b == 0):
                return
            go(a)
        """,
    ),
    (
        "ordering comparisons are never flipped",
        """
        def f(a, b):
            if a < b:
                go(a)
        """,
        "if a",
        """
        def f(a, b):
            if not (a < b):
                return
            go(a)
        """,
    ),
    (
        "and/or are parenthesized, not rewritten",
        """
        def f(a, b):
            if a and b:
                go(a)
        """,
        "if a",
        """
        def f(a, b):
            if not (a and b):
                return
            go(a)
        """,
    ),
    (
        "`not (a or b)` becomes `a or b`",
        """
        def f(a, b):
            if not (a or b):
                go(a)
        """,
        "if not",
        """
        def f(a, b):
            if a or b:
                return
            go(a)
        """,
    ),
    (
        "walrus keeps its parentheses",
        """
        def f(read):
            if line := read():
                go(line)
        """,
        "if line",
        """
        def f(read):
            if not (line := read()):
                return
            go(line)
        """,
    ),
    (
        "else ending in raise becomes the guard, anywhere in the block",
        """
        def f(x):
            if x.valid:
                use(x)
            else:
                log(x)
                raise ValueError(x)
            more(x)
        """,
        "if x",
        """
        def f(x):
            if not x.valid:
                log(x)
                raise ValueError(x)
            use(x)
            more(x)
        """,
    ),
    (
        "else not ending in a jump gets the exit when the if is last",
        """
        def f(x):
            if x:
                use(x)
            else:
                log(x)
        """,
        "if x",
        """
        def f(x):
            if not x:
                log(x)
                return
            use(x)
        """,
    ),
    (
        "one-line suites stay one-line",
        """
        def f(xs):
            for x in xs:
                if x: a(x); b(x)
        """,
        "if x",
        """
        def f(xs):
            for x in xs:
                if not x: continue
                a(x); b(x)
        """,
    ),
    (
        "method (indented code) and async",
        """
        class Worker:
            async def run(self, job):
                if job:
                    await job.start()
                    await job.wait()
        """,
        "if job",
        """
        class Worker:
            async def run(self, job):
                if not job:
                    return
                await job.start()
                await job.wait()
        """,
    ),
    (
        "generator: a bare return ends it like falling off",
        """
        def g(xs):
            if xs:
                yield from xs
        """,
        "if xs",
        """
        def g(xs):
            if not xs:
                return
            yield from xs
        """,
    ),
    (
        "`if(x):` keeps a space before the negated test",
        """
        def f(x):
            if(x == 1):
                go()
        """,
        "if(",
        """
        def f(x):
            if(x != 1):
                return
            go()
        """,
    ),
]


@pytest.mark.parametrize("name, before, where, after", cases(GOLDEN))
def test_golden(name, before, where, after):
    assert rule.new_source(before, where) == dedent(after)


COMMENTS = [
    (
        "comments on the if line, above it and inside the body stay",
        """
        def f(x):
            # check first
            if x:  # only when set
                # the work
                work(x)  # here
        """,
        "if x",
        """
        def f(x):
            # check first
            if not x:  # only when set
                return
            # the work
            work(x)  # here
        """,
    ),
    (
        "the else line's comment goes with the else body",
        """
        def f(x):
            if x:
                work(x)
            else:  # invalid
                raise ValueError(x)
        """,
        "if x",
        """
        def f(x):
            if not x:  # invalid
                raise ValueError(x)
            work(x)
        """,
    ),
    (
        "the if line's comment goes to a one-line guard",
        """
        def f(x):
            if x:  # ready
                work(x)
            else: return
        """,
        "if x",
        """
        def f(x):
            if not x: return  # ready
            work(x)
        """,
    ),
    (
        "a comment above `else:` follows the dedented body",
        """
        def f(x):
            if x:
                work(x)
            # otherwise fail
            else:
                raise ValueError(x)
            more()
        """,
        "if x",
        """
        def f(x):
            if not x:
                raise ValueError(x)
            work(x)
            # otherwise fail
            more()
        """,
    ),
]


@pytest.mark.parametrize("name, before, where, after", cases(COMMENTS))
def test_comments_kept(name, before, where, after):
    assert rule.new_source(before, where) == dedent(after)


def test_comment_closing_the_body_moves_with_it():
    before = """
    def f(xs):
        for x in xs:
            if x:
                work(x)
                # done with x
        finish()
    """
    assert rule.new_source(before, "if x") == dedent("""
    def f(xs):
        for x in xs:
            if not x:
                continue
            work(x)
            # done with x
        finish()
    """)


REFUSALS = [
    (
        "not the last statement",
        """
        def f(x):
            if x:
                a()
            b()
        """,
        "if x",
        "not the last statement",
    ),
    (
        "elif",
        """
        def f(x):
            if x:
                a()
            elif x is None:
                b()
        """,
        "if x",
        "`elif`",
    ),
    (
        "inside a with block",
        """
        def f(x):
            with lock:
                if x:
                    a()
        """,
        "if x",
        "not directly in a function or loop body",
    ),
    (
        "inside try (falling off runs the else clause, return does not)",
        """
        def f(x):
            try:
                if x:
                    a()
            except E:
                pass
            else:
                b()
        """,
        "if x",
        "not directly in a function or loop body",
    ),
    (
        "module level",
        """
        if x:
            a()
        """,
        "if x",
        "not directly in a function or loop body",
    ),
    (
        "already a single jump",
        """
        def f(x):
            if x:
                return 1
        """,
        "if x",
        "already a single jump",
    ),
    (
        "else without a jump, not last",
        """
        def f(x):
            if x:
                a()
            else:
                b()
            c()
        """,
        "if x",
        "does not end in",
    ),
    (
        "two comments for one guard line",
        """
        def f(x):
            if x:  # one
                a()
            else:  # two
                raise E
        """,
        "if x",
        "room for one",
    ),
    (
        "not on an if",
        """
        def f(x):
            a()
        """,
        "a()",
        "not on an `if`",
    ),
]


@pytest.mark.parametrize("name, source, where, phrase", cases(REFUSALS))
def test_refusal(name, source, where, phrase):
    assert phrase in rule.reason(source, where)
    assert not rule.offered(source, where)


def test_offered_on_the_if_and_inside_it_but_not_elsewhere():
    source = """
    def f(x):
        setup()
        if x:
            work(x)
    """
    assert rule.offered(source, "if x")
    assert rule.offered(source, "x:")  # on the condition
    assert rule.offered(source, "work")  # inside the body
    assert not rule.offered(source, "setup")
    text = dedent(source)
    assert rule.offered(source, Selection.cursor(line_of(text, "if x"), 0))  # in the indentation
    assert rule.offered(source, Selection.lines(line_of(text, "if x")))  # the CLI's bare LINE


def test_innermost_if_first_then_outward():
    source = """
    def f(xs):
        if xs:
            for x in xs:
                if x:
                    work(x)
    """
    inner = rule.new_source(source, "work")
    assert "            if not x:\n                continue\n            work(x)" in inner
    outer = rule.new_source(source, "for x")
    assert outer.startswith("def f(xs):\n    if not xs:\n        return\n    for x in xs:")


def test_answers_nesting_and_cognitive():
    outcome = rule.applied("""
    def f(xs):
        for x in xs:
            if x:
                for y in x:
                    if y:
                        work(y)
    """, "if x")
    metric = outcome.metrics[0]
    assert metric.nesting[1] < metric.nesting[0]
    assert metric.cognitive[1] < metric.cognitive[0]
    assert set(rule_info().answers) == {"OCX102", "OCX103"}


def rule_info():
    from orchex_ls.refactor.rules import rule_by_id

    found = rule_by_id("guard-clause")
    assert found is not None
    return found


# -- differential -----------------------------------------------------------------------

DIFFERENTIAL = [
    (
        """
        def f(a, b, log):
            log.append("start")
            if a == b:
                log.append("body")
                return [a]
        """,
        "if a",
    ),
    (
        """
        def f(a, b, log):
            if not (a and b):
                log.append(("body", a))
            else:
                log.append("else")
                raise KeyError(b)
            log.append("after")
            return b
        """,
        "if not",
    ),
    (
        """
        def f(a, b, log):
            for x in (a, b, a):
                log.append(("loop", x))
                if x is not None and x:
                    log.append(("hit", x))
            return "end"
        """,
        "if x",
    ),
    (
        """
        def f(a, b, log):
            for x in (a, b):
                if x in ([1], [2], "a", None):
                    log.append(("in", x))
                else:
                    log.append(("out", x))
        """,
        "if x",
    ),
    (
        """
        def f(a, b, log):
            if (c := a or b):
                log.append(("walrus", c))
                yield c
        """,
        "if (c",
    ),
    (
        """
        def f(a, b, log):
            if a < b:
                log.append("less")
        """,
        "if a",
    ),
]


@pytest.mark.parametrize("source, where", DIFFERENTIAL)
@settings(max_examples=50, deadline=None)
@given(specs=st.lists(SPECS, min_size=2, max_size=2))
def test_differential(source, where, specs):
    before, after = refactored(rule.id, source, where)
    assert_same_behaviour(load(before, "f"), load(after, "f"), specs)
