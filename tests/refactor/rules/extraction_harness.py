"""Shared by the tests of extract-function, extract-variable and inline-variable:
selections by fragment, outcomes, a differential runner, and small random programs.

The differential runner executes a function before and after a refactoring and compares
the return value, the exception (type and args) and every side effect recorded through
``log``; the random programs mix assignments, branches, loops, ``try``, ``with``, ``del``,
closures and comprehensions over a few variables that are often unbound, so that
``UnboundLocalError`` and ``ZeroDivisionError`` paths get exercised too.
"""

from __future__ import annotations

import random
import textwrap
from typing import Any

from orchex_ls.refactor.engine import apply_refactoring, list_refactorings
from orchex_ls.refactor.models import Applied, Refused, Selection


def dedent(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


def _position(source: str, offset: int) -> tuple[int, int]:
    line = source.count("\n", 0, offset)
    return line, offset - (source.rfind("\n", 0, offset) + 1)


def span(source: str, fragment: str, nth: int = 0) -> Selection:
    """The exact characters of the ``nth`` occurrence of ``fragment``."""
    start = -1
    for _ in range(nth + 1):
        start = source.index(fragment, start + 1)
    (sl, sc), (el, ec) = _position(source, start), _position(source, start + len(fragment))
    return Selection(start_line=sl, start_col=sc, end_line=el, end_col=ec)


def cursor(source: str, fragment: str, nth: int = 0) -> Selection:
    s = span(source, fragment, nth)
    return Selection.cursor(s.start_line, s.start_col)


def lines(source: str, first: str, last: str | None = None) -> Selection:
    """Whole lines, from the line holding ``first`` to the line holding ``last``."""
    a = source.count("\n", 0, source.index(first))
    b = a if last is None else source.count("\n", 0, source.index(last, source.index(first)))
    return Selection.lines(a, b)


class Rule:
    def __init__(self, rule_id: str) -> None:
        self.id = rule_id

    def apply(self, source: str, selection: Selection):
        return apply_refactoring(source, selection, self.id)

    def new_source(self, source: str, selection: Selection) -> str:
        outcome = self.apply(source, selection)
        assert isinstance(outcome, Applied), outcome
        return outcome.new_source

    def applied(self, source: str, selection: Selection) -> Applied:
        outcome = self.apply(source, selection)
        assert isinstance(outcome, Applied), outcome
        return outcome

    def reason(self, source: str, selection: Selection) -> str:
        outcome = self.apply(source, selection)
        assert isinstance(outcome, Refused), outcome.new_source  # type: ignore[union-attr]
        return outcome.reason

    def offered(self, source: str, selection: Selection) -> bool:
        return any(o.rule == self.id for o in list_refactorings(source, selection))


# -- differential runs -------------------------------------------------------------------

PRELUDE = '''
LOG = []


def log(*args):
    LOG.append(args)
    return args[-1] if args else None
'''


def load(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "subject"}
    exec(compile(PRELUDE + source, "<subject>", "exec"), namespace)
    return namespace


def outcome(namespace: dict[str, Any], qualname: str, args: tuple) -> tuple:
    """What calling ``qualname`` did: its result or exception, and the log it left."""
    namespace["LOG"].clear()
    target: Any = namespace
    for part in qualname.split("."):
        target = target[part] if isinstance(target, dict) else getattr(target, part)
    if "." in qualname:  # a method: call it on a fresh instance
        owner = namespace[qualname.split(".")[0]]
        target = getattr(owner(), qualname.split(".")[-1])
    try:
        result: tuple = ("returned", repr(target(*args)))
    except Exception as exc:  # the exception is the behaviour under test
        result = ("raised", type(exc).__name__, repr(exc.args))
    return (*result, repr(namespace["LOG"]))


def assert_same(before: str, after: str, qualname: str, args: tuple) -> None:
    old, new = load(before), load(after)
    assert outcome(old, qualname, args) == outcome(new, qualname, args)


# -- random programs -----------------------------------------------------------------------

_VARS = ("a", "b", "c")


class Program:
    """A random function ``f(x, y)`` whose statements read and write ``a``, ``b``, ``c``
    (often before they are bound) and log what they do."""

    def __init__(self, seed: int, *, initialise: bool) -> None:
        self.r = random.Random(seed)
        body = ["    a = x", "    b = y", "    c = 0"] if initialise else []
        body += self.block(4, 0, False, self.r.randrange(3, 7))
        body.append("    return (a, b, c)" if self.r.random() < 0.3 else "    return 0")
        self.source = "from contextlib import suppress\n\n\ndef f(x, y):\n" + "\n".join(body) + "\n"

    def expr(self, depth: int = 0) -> str:
        r = self.r
        k = r.randrange(7 if depth < 2 else 3)
        if k == 0:
            return str(r.randrange(-2, 4))
        if k in (1, 2):
            return r.choice(_VARS + ("x", "y"))
        if k == 3:
            return f"{self.expr(depth + 1)} + {self.expr(depth + 1)}"
        if k == 4:
            return f"log({self.expr(depth + 1)})"
        if k == 5:
            return f"{self.expr(depth + 1)} // {self.expr(depth + 1)}"
        return f"({self.expr(depth + 1)} if {self.expr(depth + 1)} > 0 else {self.expr(depth + 1)})"

    def block(self, indent: int, depth: int, in_loop: bool, n: int = 0) -> list[str]:
        out: list[str] = []
        for _ in range(n or self.r.randrange(1, 4)):
            out += self.statement(indent, depth, in_loop)
        return out

    def statement(self, indent: int, depth: int, in_loop: bool) -> list[str]:
        r, p = self.r, " " * indent
        v = r.choice(_VARS)
        k = r.randrange(14 if depth < 2 else 6)
        if k <= 2:
            return [f"{p}{v} = {self.expr()}"]
        if k == 3:
            return [f"{p}{v} += {self.expr()}"]
        if k == 4:
            return [f"{p}log({self.expr()})"]
        if k == 5:
            if in_loop and r.random() < 0.5:
                return [f"{p}{r.choice(['break', 'continue'])}"]
            return [f"{p}return {self.expr()}"] if r.random() < 0.3 else [f"{p}log({v})"]
        if k in (6, 7):
            out = [f"{p}if {self.expr()} > 0:", *self.block(indent + 4, depth + 1, in_loop)]
            if r.random() < 0.5:
                out += [f"{p}else:", *self.block(indent + 4, depth + 1, in_loop)]
            return out
        if k == 8:
            loop = f"{p}for {r.choice('ij')} in range({self.expr()} % 3):"
            return [loop, *self.block(indent + 4, depth + 1, True)]
        if k == 9:
            return [
                f"{p}try:", *self.block(indent + 4, depth + 1, in_loop),
                f"{p}except ZeroDivisionError:", *self.block(indent + 4, depth + 1, in_loop),
            ]
        if k == 10:
            return [f"{p}with suppress(ZeroDivisionError):", *self.block(indent + 4, depth + 1, in_loop)]
        if k == 11:
            return [f"{p}g = lambda: {v}", f"{p}log(g())"]
        if k == 12:
            return [f"{p}del {v}"]
        return [f"{p}{v} = [{self.expr()} for k in range(2) if {self.expr()} > -9][0]"]


ARGS = [(x, y) for x in range(-2, 3) for y in range(-1, 3)]


def behaviour(source: str) -> list[tuple]:
    namespace = load(source)
    return [outcome(namespace, "f", args) for args in ARGS]


class SingleAssignments:
    """A random function ``f(x, y)`` in which every ``vN`` is assigned once and read in
    many kinds of places (calls that log, branches, loops, comprehensions, lambdas,
    f-strings, short-circuits, powers): the programs inline-variable has to get right."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.names = ["x", "y"]
        body: list[str] = []
        n = 0
        for _ in range(self.r.randrange(3, 8)):
            if self.r.random() < 0.55:
                body.append(f"    v{n} = {self.expr()}")
                self.names.append(f"v{n}")
                n += 1
            else:
                body += self.use()
        body.append(f"    return {self.expr()}")
        self.source = "def f(x, y):\n" + "\n".join(body) + "\n"

    def expr(self, depth: int = 0) -> str:
        r = self.r
        k = r.randrange(8 if depth < 2 else 3)
        if k == 0:
            return str(r.randrange(-2, 4))
        if k in (1, 2):
            return r.choice(self.names)
        if k == 3:
            return f"{self.expr(depth + 1)} + {self.expr(depth + 1)}"
        if k == 4:
            return f"log({self.expr(depth + 1)})"
        if k == 5:
            return f"{self.expr(depth + 1)} // {self.expr(depth + 1)}"
        if k == 6:
            return f"({self.expr(depth + 1)} and {self.expr(depth + 1)})"
        return f"-{self.expr(depth + 1)}"

    def use(self) -> list[str]:
        e, k = self.expr, self.r.randrange(9)
        if k == 0:
            return [f"    log({e()})"]
        if k == 1:
            return [f"    if {e()}:", f"        log({e()})"]
        if k == 2:
            return [f"    for i in range({e()} % 3):", f"        log({e()})"]
        if k == 3:
            return [f"    log([{e()} for i in range(2) if {e()}])"]
        if k == 4:
            return [f"    log((lambda: {e()})())"]
        if k == 5:
            return [f"    log({e()} if {e()} else {e()})"]
        if k == 6:
            return [f"    log({e()}, {e()})"]
        if k == 7:
            return [f"    log(f'{{{e()}}}')"]
        return [f"    log({e()} ** 2)"]
