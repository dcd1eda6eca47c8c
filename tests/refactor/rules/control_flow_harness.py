"""Shared by the tests of the control-flow rules (guard-clause, merge-nested-ifs,
remove-redundant-else, simplify-boolean-return, inline-returned-variable,
remove-unreachable-code): cursors by fragment, outcomes, and the differential runner that
executes a function before and after a refactoring and compares what it did."""

from __future__ import annotations

import functools
import math
import textwrap
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import strategies as st

from orchex_ls.refactor.engine import apply_refactoring, list_refactorings
from orchex_ls.refactor.models import Applied, Refused, Selection


def dedent(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


def at(source: str, fragment: str, nth: int = 0) -> Selection:
    """A cursor on the start of the ``nth`` occurrence of ``fragment``."""
    start = -1
    for _ in range(nth + 1):
        start = source.index(fragment, start + 1)
    line = source.count("\n", 0, start)
    return Selection.cursor(line, start - (source.rfind("\n", 0, start) + 1))


def line_of(source: str, fragment: str) -> int:
    return source.count("\n", 0, source.index(fragment))


class Rule:
    """Outcomes of one refactoring on dedented sources, at a fragment's cursor."""

    def __init__(self, rule_id: str) -> None:
        self.id = rule_id

    def apply(self, source: str, where: str | Selection):
        source = dedent(source)
        selection = at(source, where) if isinstance(where, str) else where
        return apply_refactoring(source, selection, self.id)

    def applied(self, source: str, where: str | Selection) -> Applied:
        outcome = self.apply(source, where)
        assert isinstance(outcome, Applied), outcome
        return outcome

    def new_source(self, source: str, where: str | Selection) -> str:
        return self.applied(source, where).new_source

    def reason(self, source: str, where: str | Selection) -> str:
        outcome = self.apply(source, where)
        assert isinstance(outcome, Refused), outcome.new_source  # type: ignore[union-attr]
        return outcome.reason

    def offered(self, source: str, where: str | Selection) -> bool:
        source = dedent(source)
        selection = at(source, where) if isinstance(where, str) else where
        return any(o.rule == self.id for o in list_refactorings(source, selection))


# -- differential runs -------------------------------------------------------------------


class Log(list):
    """Side effects, in order: every call a test function makes through ``log``."""


class Truthy:
    """A value whose truth test is recorded (and may raise): tests must run exactly as
    often, in the same order, before and after a refactoring."""

    def __init__(self, name: str, truth: bool | None, log: Log) -> None:
        self.name, self.truth, self.log = name, truth, log

    def __bool__(self) -> bool:
        self.log.append(("bool", self.name))
        if self.truth is None:
            raise ValueError(f"ambiguous truth of {self.name}")
        return self.truth

    # A consistent pair that does not return bools. Both record the same event: the
    # rules may swap `==` for `!=` in an `if` test, which assumes exactly this agreement
    # (a documented limit of guard-clause).
    def __eq__(self, other: object) -> Any:
        self.log.append(("compare", self.name))
        return [self.name]  # truthy, and not a bool

    def __ne__(self, other: object) -> Any:
        self.log.append(("compare", self.name))
        return []  # falsy: agrees with __eq__, as Python's default would

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"Truthy({self.name!r}, {self.truth})"


# Plain data; ``build`` turns a spec into fresh objects for each run.
SPECS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=2),
    st.lists(st.integers(-2, 2), max_size=3),
    st.tuples(st.just("truthy"), st.sampled_from([True, False, None])),
)


def build(spec: Any, name: str, log: Log) -> Any:
    if isinstance(spec, tuple) and spec and spec[0] == "truthy":
        return Truthy(name, spec[1], log)
    if isinstance(spec, list):
        return list(spec)
    return spec


def same(a: Any, b: Any) -> bool:
    """Equal and of the same type (``True`` is not ``1``; NaN is NaN)."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, Truthy):
        return a.name == b.name
    return bool(a == b)


@functools.cache
def refactored(rule_id: str, source: str, where: str | Selection) -> tuple[str, str]:
    """(before, after) for a differential test: computed once, not once per example."""
    before = dedent(source)
    after = Rule(rule_id).new_source(before, where)
    assert after != before
    return before, after


@functools.cache
def load(source: str, name: str) -> Callable:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<differential>", "exec"), namespace)  # noqa: S102 - the code under test
    return namespace[name]


def run(function: Callable, specs: list[Any]) -> tuple[Any, Log]:
    """What a call did: ("return", value) or ("raise", type, args), and the side effects."""
    log = Log()
    args = [build(spec, f"arg{i}", log) for i, spec in enumerate(specs)]
    try:
        result = function(*args, log)
        if hasattr(result, "__next__"):  # a generator: run it to the end
            result = ("yielded", list(result))
        return ("return", result), log
    except Exception as exc:  # the exception is part of the behaviour
        return ("raise", type(exc), exc.args), log


def assert_same_behaviour(before: Callable, after: Callable, specs: list[Any]) -> None:
    old, old_log = run(before, specs)
    new, new_log = run(after, specs)
    assert same(list(old), list(new)), (specs, old, new)
    assert same(list(old_log), list(new_log)), (specs, old_log, new_log)


def cases(rows: list) -> list:
    """Table rows as pytest params named by their first column (rows that are already
    ``pytest.param`` pass through)."""
    return [row if hasattr(row, "marks") else pytest.param(*row, id=row[0]) for row in rows]
