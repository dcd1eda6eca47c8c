"""Where a statement range sits in its function, for extract-function: what may run after
it (code below it, or anywhere in a loop around it), what may have bound a name before it,
how closures share its variables, and whether code handling an exception raised half-way
through it could read a result the new function never handed back.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from ..context import RefactorContext
from ._name_flow import Facts, walk_statements

Pos = tuple[int, int]
_LOOPS = (cst.For, cst.While)


class RangeFlow:
    """Position questions about one function and a statement range inside it."""

    def __init__(
        self, ctx: RefactorContext, function: cst.FunctionDef, statements: list, facts: Facts, builtins_ok: bool
    ):
        self.ctx = ctx
        self.facts = facts
        self.builtins_ok = builtins_ok
        self.start = ctx.range(statements[0])[0]
        self.end = ctx.range(statements[-1])[1]
        self.loops = []  # loops around the range, innermost first
        self.guards = []  # try/with around the range whose exception paths could see results
        for a in ctx.ancestors(statements[0]):
            if a is function:
                break
            if isinstance(a, _LOOPS):
                self.loops.append(a)
            if isinstance(a, cst.Try | cst.TryStar) and self.inside(a.body):
                self.guards.append(a)
            elif isinstance(a, cst.With) and not (builtins_ok and all(_opens(i.item) for i in a.items)):
                self.guards.append(a)  # its context manager could swallow the exception

    def pos(self, node: cst.CSTNode) -> Pos:
        return self.ctx.range(node)[0]

    def inside(self, node: cst.CSTNode) -> bool:
        s, e = self.ctx.range(node)
        return s <= self.start and self.end <= e

    def in_range(self, node: cst.CSTNode) -> bool:
        s, e = self.ctx.range(node)
        return self.start <= s and e <= self.end

    def _within(self, node: cst.CSTNode, outer: cst.CSTNode) -> bool:
        s, e = self.ctx.range(node)
        os_, oe = self.ctx.range(outer)
        return os_ <= s and e <= oe

    def later(self, node: cst.CSTNode, loops: Sequence[cst.CSTNode] | None = None) -> bool:
        """``node`` may run after the range: it follows it, or shares a loop with it."""
        if self.in_range(node):
            return False
        if self.pos(node) >= self.end:
            return True
        return any(self._within(node, loop) for loop in (self.loops if loops is None else loops))

    def read_later(self, name: str) -> bool:
        return any(n == name and self.later(node) for node, (n, _) in self.facts.reads.items()) or any(
            d.name == name and self.later(d.scope) for d in self.facts.deferred
        )

    def only_bound_in_range(self, name: str, params: list[str]) -> bool:
        return name not in params and all(
            self.in_range(node) for node, n in [*self.facts.writes.items(), *self.facts.kills.items()] if n == name
        )

    def read_outside(self, name: str) -> bool:
        return any(n == name and not self.in_range(node) for node, (n, _) in self.facts.reads.items()) or any(
            d.name == name and not self.in_range(d.scope) for d in self.facts.deferred
        )

    def maybe_bound_before(self, name: str, params: list[str]) -> bool:
        if name in params:
            return True
        for node, n in [*self.facts.writes.items(), *self.facts.kills.items()]:
            if n == name and not self.in_range(node) and (
                self.pos(node) < self.start or any(self._within(node, loop) for loop in self.loops)
            ):
                return True
        return False

    def closure_problem(self, assigned: set[str], local: set[str], own: Facts) -> str | None:
        deferred = [d for d in self.facts.deferred if d.name in local]
        outside = [d for d in deferred if not self.in_range(d.scope)]
        inside = [d for d in deferred if self.in_range(d.scope)]
        names = {n for n, _ in own.reads.values()} | assigned | {d.name for d in inside}
        for d in outside:
            if d.name not in names:
                continue
            if any(x.writes for x in deferred if x.name == d.name):
                return f"a nested function rebinds `{d.name}` (`nonlocal`), which the range uses"
            # A closure made after the range sees the value the range hands back, unless
            # a loop brings it round again or a closure in the range shares the name.
            after = self.pos(d.scope) >= self.end and not self.loops
            if d.name in assigned and not (after and not any(x.name == d.name for x in inside)):
                return f"`{d.name}` is shared with a nested function or lambda outside the range"
        for d in inside:
            others = [
                node for node, n in [*self.facts.writes.items(), *self.facts.kills.items()]
                if n == d.name and not self.in_range(node)
            ]
            if d.name in assigned:
                stale = bool(others or self.loops or any(x.name == d.name for x in outside))
            else:
                stale = any(self.pos(node) > self.start or self.later(node) for node in others)
            if stale:
                return f"a closure in the range captures `{d.name}`, which the function rebinds; a copy would go stale"
        return None

    def exception_problem(self, results: list[str]) -> str | None:
        """A result assigned before an exception must not be observable by code that
        handles it: the new function's locals are gone by then."""
        uses = [(node, name) for node, (name, _) in self.facts.reads.items() if name in results]
        uses += [(d.scope, d.name) for d in self.facts.deferred if d.name in results]
        for guard in self.guards:
            loops = [loop for loop in self.loops if self._within(guard, loop)]
            handled = _Handlers(guard, self.builtins_ok) if _plain_try(guard) else None
            for node, name in uses:
                if self._within(node, guard.body) or not self.later(node, loops):
                    continue
                if handled is not None and handled.sees_own_value(self, node, name):
                    continue
                word = "with" if isinstance(guard, cst.With) else "try"
                return (
                    f"`{name}` is read after the enclosing `{word}` block, which could see it "
                    "assigned by the range before an exception"
                )
        return None


class _Handlers:
    """The ``except`` clauses of a ``try`` (without ``finally``) around the range: after an
    exception, a result is safe to read where the handler has assigned it anew."""

    def __init__(self, guard: cst.Try, builtins_ok: bool) -> None:
        self.guard = guard
        self.walks = [walk_statements(h.body.body, builtins_ok=builtins_ok) for h in guard.handlers]

    def sees_own_value(self, flow: RangeFlow, node: cst.CSTNode, name: str) -> bool:
        if self.guard.orelse is not None and flow._within(node, self.guard.orelse):
            return True  # runs only when the body completed
        for handler, (facts, _) in zip(self.guard.handlers, self.walks):
            if flow._within(node, handler):
                return facts.reads.get(node, (name, False))[1]
        # After the `try`: every handler that completes has assigned the name itself.
        return all(out is None or name in out for _, out in self.walks)


def _plain_try(guard: cst.CSTNode) -> bool:
    return isinstance(guard, cst.Try) and guard.finalbody is None


def _opens(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "open"
