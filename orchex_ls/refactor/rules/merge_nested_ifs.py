"""merge-nested-ifs: an ``if`` whose whole body is another ``if`` becomes one ``if ... and ...``.

Before::

    if user:
        if user.active or user.admin:
            grant(user)

After::

    if user and (user.active or user.admin):
        grant(user)

The tests are evaluated as before: the outer one first, the inner one only when the outer
is true, each tested for truth once. An operand that binds looser than ``and`` (``or``, a
conditional expression, ``lambda``, ``:=``) is parenthesized. The outer ``if`` may be an
``elif`` branch (``elif a:`` holding only ``if b:`` becomes ``elif a and b:``).

Limits: not offered when either ``if`` has an ``else``/``elif`` (the branches would
differ), when the outer body holds anything besides the inner ``if``, or when a comment
would be lost: a comment above the inner ``if``, after a one-line inner ``if``, or on
both ``if`` lines (the merged line has room for one).
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..context import RefactorContext
from ..models import Refused
from ..rule import Change, Refactoring
from . import _flow as flow
from ._conditions import and_operand

_NOT_NESTED = "the `if` body is not a single nested `if`"


@dataclass(frozen=True, slots=True)
class _Match:
    outer: cst.If
    inner: cst.If


def _candidates(ctx: RefactorContext) -> list[cst.If]:
    """``if`` nodes around the selection, innermost first (``elif`` branches included)."""
    chain = flow.focus(ctx)
    covered = ctx.covered_statements() if not ctx.is_cursor else None
    found = [s for s in covered[1] if isinstance(s, cst.If)] if covered else []
    found += [n for n in flow.in_scope(chain) if isinstance(n, cst.If) and n not in found]
    return found


class MergeNestedIfs(Refactoring[_Match]):
    id = "merge-nested-ifs"
    title = "Merge nested `if` statements"
    kind = "refactor.rewrite"
    answers = ("OCX102", "OCX103")
    description = "An `if` whose only statement is another `if` (neither with `else`) becomes one `if a and b:`."

    def match(self, ctx: RefactorContext) -> _Match | Refused:
        refusals: list[Refused] = []
        for node in _candidates(ctx):
            found = self._as_outer(node)
            if not isinstance(found, Refused):
                return found
            refusals.append(found)
        # The most telling reason: a pair that is there but cannot merge, if any.
        refusals.sort(key=lambda r: r.reason == _NOT_NESTED)
        return refusals[0] if refusals else self.refuse("the selection is not on an `if` statement")

    def _as_outer(self, outer: cst.If) -> _Match | Refused:
        body = outer.body
        if not isinstance(body, cst.IndentedBlock) or len(body.body) != 1 or not isinstance(body.body[0], cst.If):
            return self.refuse(_NOT_NESTED)
        inner = body.body[0]
        if outer.orelse is not None:
            return self.refuse("the outer `if` has an `else` or `elif`; merging would change when it runs")
        if inner.orelse is not None:
            return self.refuse("the inner `if` has an `else` or `elif`; merging would change when it runs")
        if flow.comment_lines(inner.leading_lines):
            return self.refuse("a comment above the inner `if` would be lost")
        if flow.comment_lines(body.footer) and not isinstance(inner.body, cst.IndentedBlock):
            return self.refuse("a comment after the inner one-line `if` would be lost")
        if body.header.comment is not None and flow.line_comment(inner.body) is not None:
            return self.refuse("both `if` lines carry a comment; the merged line has room for one")
        return _Match(outer, inner)

    def build(self, ctx: RefactorContext, match: _Match) -> Change:
        outer, inner = match.outer, match.inner
        test = cst.BooleanOperation(left=and_operand(outer.test), operator=cst.And(), right=and_operand(inner.test))
        body = inner.body
        if isinstance(body, cst.IndentedBlock):
            # Comments closing the outer block stand at the merged body's column already.
            body = body.with_changes(footer=[*body.footer, *outer.body.footer])
            if body.header.comment is None:
                body = body.with_changes(header=outer.body.header)
        elif isinstance(body, cst.SimpleStatementSuite) and body.trailing_whitespace.comment is None:
            body = body.with_changes(trailing_whitespace=outer.body.header)
        merged = outer.with_changes(test=test, body=body)
        if not merged.whitespace_before_test.value and not test.lpar:
            merged = merged.with_changes(whitespace_before_test=cst.SimpleWhitespace(" "))
        return Change(replacements={outer: merged})
