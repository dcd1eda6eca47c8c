"""remove-unreachable-code: golden before/after, refusals, offers, comments, and differential runs."""

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

rule = Rule("remove-unreachable-code")

GOLDEN = [
    (
        "after return, cursor on the dead code",
        """
        def parse(text):
            return text.split()
            print("parsed")
        """,
        "print",
        """
        def parse(text):
            return text.split()
        """,
    ),
    (
        "cursor on the jump; a dead compound statement goes too",
        """
        def f(x):
            raise ValueError(x)
            if x:
                log(x)
            x += 1
        """,
        "raise",
        """
        def f(x):
            raise ValueError(x)
        """,
    ),
    (
        "only the first jump's block; code after the block stays",
        """
        def f(xs):
            for x in xs:
                if x:
                    continue
                    log(x)
                use(x)
            return xs
        """,
        "continue",
        """
        def f(xs):
            for x in xs:
                if x:
                    continue
                use(x)
            return xs
        """,
    ),
    (
        "the rest of the jump's own line",
        """
        def f(x):
            return x; log(x)
        """,
        "return",
        """
        def f(x):
            return x
        """,
    ),
    (
        "one-line suite",
        """
        def f(xs):
            for x in xs:
                if x: break; log(x)
            return xs
        """,
        "break",
        """
        def f(xs):
            for x in xs:
                if x: break
            return xs
        """,
    ),
    (
        "a dead assignment of a name that is local anyway",
        """
        def f():
            x = 2
            return x
            x = 1
        """,
        "x = 1",
        """
        def f():
            x = 2
            return x
        """,
    ),
    (
        "a dead nested def whose name is not used",
        """
        def f():
            return 1
            def helper():
                return 2
        """,
        "return 1",
        """
        def f():
            return 1
        """,
    ),
    (
        "method and async",
        """
        class C:
            async def f(self):
                await self.close()
                return
                await self.open()
        """,
        "await self.open",
        """
        class C:
            async def f(self):
                await self.close()
                return
        """,
    ),
    (
        "module-level if block",
        """
        if broken:
            raise SystemExit(1)
            main()
        """,
        "main",
        """
        if broken:
            raise SystemExit(1)
        """,
    ),
]


@pytest.mark.parametrize("name, before, where, after", cases(GOLDEN))
def test_golden(name, before, where, after):
    assert rule.new_source(before, where) == dedent(after)


def test_comments_outside_the_dead_code_stay():
    before = """
    def f(x):
        # compute
        return x  # done
        log(x)
        # the end of f
    y = 1
    """
    assert rule.new_source(before, "log") == dedent("""
    def f(x):
        # compute
        return x  # done
        # the end of f
    y = 1
    """)


REFUSALS = [
    (
        "comment above the dead code",
        """
        def f(x):
            return x
            # old way
            log(x)
        """,
        "log",
        "comment is attached to the unreachable code",
    ),
    (
        "comment at the end of a dead line",
        """
        def f(x):
            return x
            log(x)  # old
        """,
        "log",
        "comment is attached",
    ),
    (
        "comment inside a dead block",
        """
        def f(x):
            return x
            if x:
                # old
                log(x)
        """,
        "if x",
        "comment is attached",
    ),
    (
        "dead yield makes a generator",
        """
        def f():
            return
            yield
        """,
        "return",
        "makes the function a generator",
    ),
    (
        "dead global applies to the whole function",
        """
        def f():
            x = 1
            return x
            global x
        """,
        "return x",
        "`global`/`nonlocal`",
    ),
    (
        "dead assignment makes the name local",
        """
        def f():
            print(x)
            return
            x = 1
        """,
        "x = 1",
        "makes it a local name",
    ),
    (
        "dead del makes the name local",
        """
        def f():
            print(x)
            return
            del x
        """,
        "del",
        "makes it a local name",
    ),
    (
        "dead walrus in a comprehension binds in the function",
        """
        def f():
            def g():
                return x
            return g
            [x := 1 for _ in ()]
        """,
        "[x",
        "makes it a local name",
    ),
    (
        "nothing after the jump",
        """
        def f(x):
            log(x)
            return x
        """,
        "return",
        "nothing follows",
    ),
    (
        "before the jump",
        """
        def f(x):
            log(x)
            return x
            dead()
        """,
        "log",
        "not on a",
    ),
    (
        "module level",
        """
        raise SystemExit
        print("never")
        """,
        Selection.lines(0, 1),
        "module level",
    ),
]


@pytest.mark.parametrize("name, source, where, phrase", cases(REFUSALS))
def test_refusal(name, source, where, phrase):
    assert phrase in rule.reason(source, where)
    assert not rule.offered(source, where)


def test_offered_positions():
    source = """
    def f(x):
        log(x)
        return x
        dead(x)
        more(x)
    """
    text = dedent(source)
    assert rule.offered(source, "return")
    assert rule.offered(source, "dead")
    assert rule.offered(source, "more")
    assert rule.offered(source, Selection.lines(line_of(text, "dead"), line_of(text, "more")))
    assert rule.offered(source, Selection.cursor(line_of(text, "more"), 0))
    assert not rule.offered(source, "log")


def test_kind_is_rewrite():
    outcome = rule.applied("def f():\n    return 1; g()\n", "g()")
    assert outcome.kind == "refactor.rewrite"


# -- differential -----------------------------------------------------------------------

DIFFERENTIAL = [
    """
    def f(a, b, log):
        for x in (a, b):
            if x: log.append(x); continue; log.append("dead")
            log.append(("falsy", x))
        return a; log.append("dead")
    """,
    """
    def f(a, b, log):
        log.append(a)
        if a:
            return b
            log.append("dead")
        for x in (a, b):
            if not x:
                continue
                log.append("dead")
            log.append(x)
        return "end"
    """,
    """
    def f(a, b, log):
        try:
            raise KeyError(a)
            log.append("dead")
        except KeyError as e:
            log.append(("caught", e.args))
        return b
    """,
]


@pytest.mark.parametrize("source", DIFFERENTIAL)
@settings(max_examples=50, deadline=None)
@given(specs=st.lists(SPECS, min_size=2, max_size=2))
def test_differential(source, specs):
    before, after = refactored(rule.id, source, '"dead"')
    assert_same_behaviour(load(before, "f"), load(after, "f"), specs)
