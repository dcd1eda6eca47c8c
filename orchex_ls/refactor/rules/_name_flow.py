"""Where a function reads and binds each name, in evaluation order, and what is certainly
bound at each read: the data flow behind extract-function, extract-variable and
inline-variable.

libcst's scope analysis says which binding a name resolves to but not whether it has
happened yet (and it files a walrus inside a comprehension under the comprehension, and
match captures as reads). This walker follows Python's own rules instead:

* reads and binds are recorded per node, in the order the interpreter evaluates them;
* a read is *definitely assigned* when every path to it binds the name first (the
  classic must-analysis: ``if`` branches meet, loops iterate to a fixed point, a ``try``
  handler may start anywhere in its body, a ``with`` block may be cut short by a context
  manager that swallows the exception — except the builtin ``open``'s);
* names a nested def, class, lambda or lazy generator expression uses from the walked
  scope are *deferred*: they are read when that code runs, not where it is written.

It answers conservatively: "not definitely assigned" when unsure, never the reverse.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import libcst as cst

from ._flow_expressions import (
    CONSUMERS,
    DA,
    Deferred,
    ExpressionWalker,
    Facts,
    all_params,
    is_call_to,
    leftmost,
    meet,
    param_names,
    statements_of,
    target_names,
    walk_same_scope,
)

__all__ = [
    "CONSUMERS", "DA", "Deferred", "Facts", "Walker", "meet", "param_names",
    "walk_function", "walk_statements",
]


class Walker(ExpressionWalker):
    """Walks statements of one scope. ``builtins_ok`` says whether the builtins in
    ``CONSUMERS`` really are the builtins here; ``watch`` holds statements whose entry DA
    to record in ``facts.at``."""

    def __init__(self, *, builtins_ok: bool = False, watch: Iterable[cst.CSTNode] = ()) -> None:
        self.facts = Facts()
        self.builtins_ok = builtins_ok
        self.watch = set(watch)
        self._loops: list[tuple[list[DA], list[DA]]] = []  # (breaks, continues)
        self._shadow: frozenset[str] = frozenset()  # comprehension variables in force
        self._in_comprehension = 0
        self._consumed: set[int] = set()  # generator expressions a builtin consumes at once

    # -- statements -----------------------------------------------------------------------
    def block(self, statements: Sequence[cst.BaseStatement], da: DA) -> DA:
        for statement in statements:
            da = self.statement(statement, da)
        return da

    def suite(self, suite: cst.BaseSuite, da: DA) -> DA:
        return self.block(suite.body, da)  # IndentedBlock or SimpleStatementSuite

    def statement(self, node: cst.CSTNode, da: DA) -> DA:
        if node in self.watch:
            self.facts.at[node] = meet(self.facts.at[node], da) if node in self.facts.at else da
        if da is None:
            da = frozenset()  # unreachable code: analyse it anyway, assuming nothing
        if isinstance(node, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            for small in node.body:
                da = self.small(small, da)
                if da is None:
                    return None
            return da
        handler = getattr(self, f"_s_{type(node).__name__}", None)
        if handler is None:
            self.facts.unsupported.append(node)
            return da
        return handler(node, da)

    def small(self, node: cst.BaseSmallStatement, da: frozenset[str]) -> DA:
        if isinstance(node, cst.Expr):
            return self.expr(node.value, da)
        if isinstance(node, cst.Assign):
            da = self.expr(node.value, da)
            for target in node.targets:
                da = self.target(target.target, da)
            return da
        if isinstance(node, cst.AugAssign):
            if isinstance(node.target, cst.Name):
                da = self.read(node.target, da)
                da = self.expr(node.value, da)
                return self.write(node.target, node.target.value, da)
            da = self.target(node.target, da, reads_only=True)
            return self.expr(node.value, da)
        if isinstance(node, cst.AnnAssign):
            # A local annotation is never evaluated inside a function.
            if node.value is None:
                return da
            da = self.expr(node.value, da)
            return self.target(node.target, da)
        if isinstance(node, cst.Return):
            if node.value is not None:
                self.expr(node.value, da)
            return None
        if isinstance(node, cst.Raise):
            for part in (node.exc, node.cause):
                if part is not None:
                    da = self.expr(part, da)
            return None
        if isinstance(node, cst.Break | cst.Continue):
            if self._loops:
                self._loops[-1][0 if isinstance(node, cst.Break) else 1].append(da)
            return None
        if isinstance(node, cst.Pass):
            return da
        if isinstance(node, cst.Del):
            return self.delete(node.target, da)
        if isinstance(node, cst.Global):
            self.facts.declared_global.update(n.name.value for n in node.names)
            return da
        if isinstance(node, cst.Nonlocal):
            self.facts.declared_nonlocal.update(n.name.value for n in node.names)
            return da
        if isinstance(node, cst.Import):
            for alias in node.names:
                bound = alias.asname.name if alias.asname else leftmost(alias.name)
                da = self.write(alias, bound.value if isinstance(bound, cst.Name) else "", da)
            return da
        if isinstance(node, cst.ImportFrom):
            if isinstance(node.names, cst.ImportStar):
                self.facts.unsupported.append(node)
                return da
            for alias in node.names:
                bound = alias.asname.name if alias.asname else alias.name
                if isinstance(bound, cst.Name):
                    da = self.write(alias, bound.value, da)
            return da
        if isinstance(node, cst.Assert):
            da = self.expr(node.test, da)
            if node.msg is not None:
                self.expr(node.msg, da)
            return da
        self.facts.unsupported.append(node)
        return da

    def _s_If(self, node: cst.If, da: frozenset[str]) -> DA:
        da = self.expr(node.test, da)
        body = self.suite(node.body, da)
        orelse = node.orelse
        if isinstance(orelse, cst.If):
            other = self.statement(orelse, da)
        elif isinstance(orelse, cst.Else):
            other = self.suite(orelse.body, da)
        else:
            other = da
        return meet(body, other)

    def _loop(self, run_body, head: frozenset[str]) -> tuple[frozenset[str], list[DA]]:
        """Iterate a loop body to its fixed point; returns the head DA and the breaks."""
        entry = head
        for _ in range(8):
            self._loops.append(([], []))
            end = run_body(head)
            breaks, continues = self._loops.pop()
            back = end
            for c in continues:
                back = meet(back, c)
            new_head = entry if back is None else entry & back
            if new_head == head:
                return head, breaks
            head = new_head
        return head, breaks

    def _s_While(self, node: cst.While, da: frozenset[str]) -> DA:
        def body(head: frozenset[str]) -> DA:
            after_test = self.expr(node.test, head)
            return self.suite(node.body, after_test)

        head, breaks = self._loop(body, da)
        after_test = self.expr(node.test, head)
        forever = (isinstance(node.test, cst.Name) and node.test.value == "True") or (
            isinstance(node.test, cst.Integer) and node.test.evaluated_value != 0
        )
        out: DA = None if forever else after_test
        if node.orelse is not None and out is not None:
            out = self.suite(node.orelse.body, out)
        for b in breaks:
            out = meet(out, b)
        return out

    def _s_For(self, node: cst.For, da: frozenset[str]) -> DA:
        da = self.expr(node.iter, da)

        def body(head: frozenset[str]) -> DA:
            return self.suite(node.body, self.target(node.target, head))

        head, breaks = self._loop(body, da)
        out: DA = head
        if node.orelse is not None:
            out = self.suite(node.orelse.body, out)
        for b in breaks:
            out = meet(out, b)
        return out

    def _killed_in(self, node: cst.CSTNode) -> set[str]:
        """Names a statement may unbind (``del``, ``except ... as``)."""
        out: set[str] = set()
        for inner in walk_same_scope(node):
            if isinstance(inner, cst.Del):
                out |= {n.value for n in target_names(inner.target)}
            elif isinstance(inner, cst.ExceptHandler | cst.ExceptStarHandler) and inner.name:
                out |= {n.value for n in target_names(inner.name.name)}
        return out

    def _s_Try(self, node: cst.Try | cst.TryStar, da: frozenset[str]) -> DA:
        # An exception may leave the body at any point: a handler starts from what was
        # bound before the `try`, less anything the body may have unbound.
        start = da - self._killed_in(node.body)
        body = self.suite(node.body, da)
        outs: DA = self.suite(node.orelse.body, body) if node.orelse and body is not None else body
        for handler in node.handlers:
            h = start
            if handler.type is not None:
                h = self.expr(handler.type, h)
            if handler.name is not None:
                h = self.target(handler.name.name, h)
            h = self.suite(handler.body, h)
            if h is not None and handler.name is not None:
                h = h - {n.value for n in target_names(handler.name.name)}
                for n in target_names(handler.name.name):
                    self.facts.kills[handler] = n.value
            outs = meet(outs, h)
        if node.finalbody is None:
            return outs
        # The `finally` block runs after normal and exceptional exits alike.
        exceptional = start - self._killed_in(node)
        fin_in = meet(outs, exceptional) if outs is not None else exceptional
        self.suite(node.finalbody.body, fin_in)
        if outs is None:
            return None
        return self.suite(node.finalbody.body, outs)

    _s_TryStar = _s_Try

    def _s_With(self, node: cst.With, da: frozenset[str]) -> DA:
        for item in node.items:
            da = self.expr(item.item, da)
            if item.asname is not None:
                da = self.target(item.asname.name, da)
        body = self.suite(node.body, da)
        if self.builtins_ok and all(is_call_to(i.item, "open") for i in node.items):
            return body  # the builtin open() never swallows an exception
        # Another context manager may swallow an exception raised anywhere in the body.
        return meet(body, da - self._killed_in(node.body))

    def _s_FunctionDef(self, node: cst.FunctionDef, da: frozenset[str]) -> DA:
        for decorator in node.decorators:
            da = self.expr(decorator.decorator, da)
        da = self._param_defaults(node.params, da)
        for param in all_params(node.params):
            if param.annotation is not None:
                da = self.expr(param.annotation.annotation, da)
        if node.returns is not None:
            da = self.expr(node.returns.annotation, da)
        inner = type(self)(builtins_ok=self.builtins_ok)
        inner.block(statements_of(node.body), frozenset())
        bound = inner.facts.bound_names() | set(param_names(node.params))
        self._defer(node, inner.facts, bound, is_class=False)
        return self.write(node, node.name.value, da)

    def _s_ClassDef(self, node: cst.ClassDef, da: frozenset[str]) -> DA:
        for decorator in node.decorators:
            da = self.expr(decorator.decorator, da)
        for arg in (*node.bases, *node.keywords):
            da = self.expr(arg.value, da)
        inner = type(self)(builtins_ok=self.builtins_ok)
        inner.block(statements_of(node.body), frozenset())
        self._defer(node, inner.facts, inner.facts.bound_names(), is_class=True)
        return self.write(node, node.name.value, da)

    def _s_Match(self, node: cst.Match, da: frozenset[str]) -> DA:
        da = self.expr(node.subject, da)
        out: DA = da  # no case may match
        for case in node.cases:
            c = self.pattern(case.pattern, da)
            if case.guard is not None:
                c = self.expr(case.guard, c)
            out = meet(out, self.suite(case.body, c))
        return out


def walk_function(
    function: cst.FunctionDef, *, builtins_ok: bool, watch: Iterable[cst.CSTNode] = ()
) -> Facts:
    """Facts about ``function``'s own scope (parameters are bound at entry)."""
    walker = Walker(builtins_ok=builtins_ok, watch=watch)
    params = frozenset(param_names(function.params))
    for node in _param_nodes(function.params):
        walker.facts.writes[node] = node.value
    walker.block(statements_of(function.body), params)
    return walker.facts


def walk_statements(
    statements: Sequence[cst.BaseStatement], *, builtins_ok: bool, bound: Iterable[str] = ()
) -> tuple[Facts, DA]:
    """Facts about a statement range on its own, starting with ``bound`` assigned; also
    what it certainly binds when it completes normally (None: it never does)."""
    walker = Walker(builtins_ok=builtins_ok)
    out = walker.block(statements, frozenset(bound))
    return walker.facts, out


def _param_nodes(params: cst.Parameters) -> list[cst.Name]:
    return [p.name for p in all_params(params)]
