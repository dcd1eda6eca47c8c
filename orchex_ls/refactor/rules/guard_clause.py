"""guard-clause: an ``if`` that wraps the rest of a function or loop body becomes an early exit.

Before::

    def send(message):
        if message.ready:
            encode(message)
            deliver(message)

After::

    def send(message):
        if not message.ready:
            return
        encode(message)
        deliver(message)

The ``if`` must be the last statement of a function body (the exit is a bare ``return``,
which is what falling off the end does) or of a loop body (the exit is ``continue``). An
``else`` branch becomes the guard's body: as it is when it ends in ``return``, ``raise``,
``break`` or ``continue`` (then the ``if`` may sit anywhere), else followed by the exit.
The condition is negated exactly: ``not x`` becomes ``x``; ``==``/``!=``, ``is``/``is not``
and ``in``/``not in`` swap (one operator, not a chain); anything else gets ``not``, with
parentheses around ``and``/``or``, comparisons, conditional expressions and ``:=``.
Ordering comparisons are never flipped (``not a < b`` is not ``a >= b`` for NaN or sets).

Limits: not offered for an ``if`` with ``elif`` branches, for one that is not directly in
a function or loop body (falling off the end of a ``try`` or ``with`` block is not the same
as leaving early), when the body is already a single jump, or when both the ``if`` and the
``else:`` line carry a comment (the guard line has room for one). Swapping ``==`` for
``!=`` assumes the two agree, as Python's default ``__ne__`` makes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..context import RefactorContext
from ..models import Refused
from ..rule import Change, Refactoring
from . import _flow as flow
from ._conditions import negate_test


@dataclass(frozen=True, slots=True)
class _Match:
    node: cst.If
    # The statement that leaves early: `return`/`continue`, or None when the `else`
    # branch already ends in a jump.
    exit: type[cst.Return] | type[cst.Continue] | None


def _exit_for(ctx: RefactorContext, node: cst.If) -> type[cst.Return] | type[cst.Continue] | None:
    """What falling off the end of the block holding ``node`` amounts to, if it is a
    function or loop body."""
    block = ctx.block_of(node)
    if block is None or not isinstance(block.owner, cst.IndentedBlock):
        return None
    owner = ctx.parents.get(block.owner)
    if isinstance(owner, cst.FunctionDef):
        return cst.Return
    if isinstance(owner, cst.For | cst.While) and owner.body is block.owner:
        return cst.Continue
    return None


def _header_comment(body: cst.BaseSuite) -> bool:
    """A comment on the ``if`` line itself (a one-line suite's comment stays with its code)."""
    return isinstance(body, cst.IndentedBlock) and body.header.comment is not None


def _exit_line(exit: type[cst.Return] | type[cst.Continue]) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=[exit()])


def _with_exit(body: cst.BaseSuite, exit: type[cst.Return] | type[cst.Continue]) -> cst.BaseSuite:
    """``body`` followed by the exit statement (its closing comments stay above it)."""
    if isinstance(body, cst.SimpleStatementSuite):
        last = body.body[-1].with_changes(semicolon=cst.Semicolon(whitespace_after=cst.SimpleWhitespace(" ")))
        return body.with_changes(body=[*body.body[:-1], last, exit()])
    closing = _exit_line(exit).with_changes(leading_lines=flow.footer(body))
    return body.with_changes(body=[*body.body, closing], footer=[])


class GuardClause(Refactoring[_Match]):
    id = "guard-clause"
    title = "Invert `if` into a guard clause"
    kind = "refactor.rewrite"
    answers = ("OCX102", "OCX103")
    description = "An `if` that wraps the rest of a function or loop body becomes an early `return`/`continue`, one level shallower."

    def match(self, ctx: RefactorContext) -> _Match | Refused:
        candidates = flow.statements_at(ctx, flow.focus(ctx), cst.If)
        if not candidates:
            return self.refuse("the selection is not on an `if` statement")
        first: Refused | None = None
        for node in candidates:
            found = self._check(ctx, node)
            if not isinstance(found, Refused):
                return found
            first = first or found
        assert first is not None
        return first

    def _check(self, ctx: RefactorContext, node: cst.If) -> _Match | Refused:
        if isinstance(node.orelse, cst.If):
            return self.refuse("the `if` has `elif` branches")
        block = ctx.block_of(node)
        last = block is not None and block.statements[-1] is node
        exit = _exit_for(ctx, node)
        orelse = node.orelse
        if orelse is not None:
            if _header_comment(node.body) and flow.line_comment(orelse.body) is not None:
                return self.refuse("both the `if` and the `else:` line carry a comment; the guard line has room for one")
            if flow.ends_in_jump(orelse.body):
                return _Match(node, None)
            if last and exit is not None:
                return _Match(node, exit)
            return self.refuse(
                f"the `else` branch does not end in {flow.JUMP_WORDS} and the `if` is not "
                "the last statement of a function or loop body"
            )
        if exit is None:
            return self.refuse("the `if` is not directly in a function or loop body, so there is no early exit to take")
        if not last:
            return self.refuse(
                "the `if` is not the last statement of its function or loop body, so an early "
                f"`{'return' if exit is cst.Return else 'continue'}` would skip the code after it"
            )
        if flow.single_jump(node.body):
            return self.refuse("the `if` body is already a single jump statement")
        return _Match(node, exit)

    def build(self, ctx: RefactorContext, match: _Match) -> Change:
        node = match.node
        body = node.body
        test = negate_test(node.test)
        spaced = node.whitespace_before_test
        if not spaced.value and not test.lpar:
            spaced = cst.SimpleWhitespace(" ")  # `if(x):` -> `if not (x):`, never `ifnot`
        orelse = node.orelse
        trailing = flow.footer(body)
        if orelse is None:
            assert match.exit is not None
            if isinstance(body, cst.SimpleStatementSuite):
                guard_body: cst.BaseSuite = cst.SimpleStatementSuite(body=[match.exit()])
            else:
                guard_body = cst.IndentedBlock(body=[_exit_line(match.exit)], header=body.header, indent=body.indent)
        else:
            guard_body = orelse.body if match.exit is None else _with_exit(orelse.body, match.exit)
            if isinstance(body, cst.IndentedBlock) and body.header.comment is not None:
                # The `if` line's comment moves to the guard line (match checked it has none).
                slot = "header" if isinstance(guard_body, cst.IndentedBlock) else "trailing_whitespace"
                guard_body = guard_body.with_changes(**{slot: body.header})
            trailing += list(orelse.leading_lines)
        guard = node.with_changes(test=test, body=guard_body, orelse=None, whitespace_before_test=spaced)
        return Change(replacements=flow.splice(ctx, node, [guard, *flow.as_statements(body)], trailing))
