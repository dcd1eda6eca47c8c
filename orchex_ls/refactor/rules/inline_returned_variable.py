"""inline-returned-variable: ``x = expr`` right before ``return x`` becomes ``return expr``.

Before::

    def total(items):
        result = sum(item.price for item in items)
        return result

After::

    def total(items):
        return sum(item.price for item in items)

The cursor may be on either statement. An annotation (``x: T = expr``) goes with the
assignment: Python never evaluates the annotation of a local. A comment above the
assignment moves above the ``return``; one at the end of the assignment line moves to the
end of the ``return`` line (if that has none).

Limits: not offered when the variable is declared ``global``/``nonlocal`` (the
assignment is seen outside), when a nested function, lambda, class or comprehension
mentions it (a closure could read it later), when an enclosing ``finally`` reads it (it
runs after the ``return``), and for chained (``x = y = ...``), augmented or unpacking
assignments. (``x = x + 1`` is fine: the read comes first either way.)
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..context import RefactorContext
from ..dataflow import declared_outside, walk
from ..models import Refused
from ..rule import Change, Refactoring
from . import _flow as flow
from ._conditions import as_return_value

_NESTED = (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


@dataclass(frozen=True, slots=True)
class _Match:
    assign: cst.Assign | cst.AnnAssign
    ret: cst.Return
    assign_line: cst.SimpleStatementLine | cst.SimpleStatementSuite  # holds the assignment
    ret_line: cst.SimpleStatementLine | cst.SimpleStatementSuite  # holds the return (may be the same)


def _assigned_name(small: cst.CSTNode) -> str | None:
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target = small.targets[0].target
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        target = small.target
    else:
        return None
    return target.value if isinstance(target, cst.Name) else None


def _returned_name(small: cst.CSTNode) -> str | None:
    if isinstance(small, cst.Return) and isinstance(small.value, cst.Name):
        return small.value.value
    return None


def _mentions(node: cst.CSTNode, name: str) -> bool:
    return any(isinstance(n, cst.Name) and n.value == name for n in walk(node))


def _pairs(ctx: RefactorContext, chain: list[cst.CSTNode]):
    """(assignment, return, their lines) pairs the selection may mean."""
    lines = [n for n in flow.in_scope(chain) if isinstance(n, cst.SimpleStatementLine | cst.SimpleStatementSuite)]
    covered = ctx.covered_statements() if not ctx.is_cursor else None
    if covered is not None and len(covered[1]) == 2 and isinstance(covered[1][0], cst.SimpleStatementLine):
        lines = [covered[1][0], *lines]
    for line in lines[:1]:
        smalls = list(line.body)
        nxt = flow.next_statement(ctx, line) if isinstance(line, cst.SimpleStatementLine) else None
        prev = flow.previous_statement(ctx, line) if isinstance(line, cst.SimpleStatementLine) else None
        for i, small in enumerate(smalls):
            if i + 1 < len(smalls):
                yield small, smalls[i + 1], line, line
            elif isinstance(nxt, cst.SimpleStatementLine):
                yield small, nxt.body[0], line, nxt
        if isinstance(prev, cst.SimpleStatementLine):
            yield prev.body[-1], smalls[0], prev, line


class InlineReturnedVariable(Refactoring[_Match]):
    id = "inline-returned-variable"
    title = "Return the expression directly"
    kind = "refactor.inline"
    description = "A variable assigned and then immediately returned is replaced by its expression in the `return`."

    def match(self, ctx: RefactorContext) -> _Match | Refused:
        chain = flow.focus(ctx)
        first: Refused | None = None
        for assign, ret, assign_line, ret_line in _pairs(ctx, chain):
            name = _assigned_name(assign)
            if name is None or _returned_name(ret) != name:
                continue
            found = self._check(ctx, _Match(assign, ret, assign_line, ret_line), name)
            if not isinstance(found, Refused):
                return found
            first = first or found
        return first or self.refuse("the selection is not on `x = ...` followed by `return x`")

    def _check(self, ctx: RefactorContext, match: _Match, name: str) -> _Match | Refused:
        function = ctx.enclosing_function(match.ret)
        if function is None:
            return self.refuse("`return` outside a function")
        if declared_outside(function, name):
            return self.refuse(f"`{name}` is declared global or nonlocal, so the assignment is seen outside the function")
        for node in walk(function.body):
            if isinstance(node, _NESTED) and _mentions(node, name):
                return self.refuse(f"a nested function, lambda, class or comprehension mentions `{name}`; it could read the variable later")
        for ancestor in ctx.ancestors(match.assign_line):
            if ancestor is function:
                break
            if isinstance(ancestor, cst.Try | cst.TryStar) and ancestor.finalbody is not None:
                if _mentions(ancestor.finalbody, name):
                    return self.refuse(f"the `finally` block reads `{name}` after the `return`")
        if match.assign_line is not match.ret_line:
            ret_line = match.ret_line
            assert isinstance(ret_line, cst.SimpleStatementLine)
            if len(match.assign_line.body) == 1:
                comment = match.assign_line.trailing_whitespace.comment  # type: ignore[union-attr]
                if comment is not None and ret_line.trailing_whitespace.comment is not None:
                    return self.refuse("both lines end in a comment; the `return` line has room for one")
        return match

    def build(self, ctx: RefactorContext, match: _Match) -> Change:
        ret = match.ret.with_changes(value=as_return_value(match.assign.value))
        if not _spaced(match.ret):  # `return(x)` -> `return a + b`, never `returna + b`
            ret = ret.with_changes(whitespace_after_return=cst.SimpleWhitespace(" "))
        if match.assign_line is match.ret_line:
            line = match.assign_line
            smalls = [ret if s is match.ret else s for s in line.body if s is not match.assign]
            return Change(replacements={line: line.with_changes(body=smalls)})
        assign_line, ret_line = match.assign_line, match.ret_line
        assert isinstance(assign_line, cst.SimpleStatementLine) and isinstance(ret_line, cst.SimpleStatementLine)
        new_ret_line = ret_line.with_changes(body=[ret, *ret_line.body[1:]])
        if len(assign_line.body) > 1:  # `a(); x = 1` keeps `a()`, without the `;`
            rest = list(assign_line.body[:-1])
            rest[-1] = rest[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            return Change(replacements={assign_line: assign_line.with_changes(body=rest), ret_line: new_ret_line})
        leading = [*assign_line.leading_lines, *ret_line.leading_lines]
        new_ret_line = new_ret_line.with_changes(leading_lines=leading)
        comment = assign_line.trailing_whitespace.comment
        if comment is not None:
            new_ret_line = new_ret_line.with_changes(trailing_whitespace=assign_line.trailing_whitespace)
        return Change(replacements={assign_line: cst.RemoveFromParent(), ret_line: new_ret_line})


def _spaced(ret: cst.Return) -> bool:
    ws = ret.whitespace_after_return
    return isinstance(ws, cst.SimpleWhitespace) and bool(ws.value)
