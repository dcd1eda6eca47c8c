"""elif-chain: ``else:`` holding nothing but an ``if`` becomes ``elif``.

Before::

    if a:
        x()
    else:
        if b:
            y()

After::

    if a:
        x()
    elif b:
        y()

Limits: not offered when a comment sits on the ``else:`` line or above the inner ``if``
(it would have nowhere to go), or when the ``else`` block holds anything besides the ``if``.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..context import RefactorContext
from ..models import Refused
from ..rule import Change, Refactoring


@dataclass(frozen=True, slots=True)
class _Match:
    outer: cst.If
    inner: cst.If


def _has_comment(lines) -> bool:
    return any(line.comment is not None for line in lines)


class ElifChain(Refactoring[_Match]):
    id = "elif-chain"
    title = "Turn `else: if` into `elif`"
    kind = "refactor.rewrite"
    answers = ("OCX102", "OCX103")
    description = "An `else:` block whose only statement is an `if` becomes an `elif` branch, one level shallower."

    def match(self, ctx: RefactorContext) -> _Match | Refused:
        node = ctx.innermost(cst.If, cst.Else)
        chain = [node, *ctx.ancestors(node)] if node is not None else []
        for candidate in chain:
            if not isinstance(candidate, cst.If):
                continue
            orelse = candidate.orelse
            if not isinstance(orelse, cst.Else) or not ctx.contains_selection(orelse):
                continue
            body = orelse.body
            if not isinstance(body, cst.IndentedBlock) or len(body.body) != 1:
                continue
            inner = body.body[0]
            if not isinstance(inner, cst.If):
                continue
            if body.header.comment is not None or _has_comment(inner.leading_lines) or body.footer:
                return self.refuse("a comment in the `else:` block has nowhere to go")
            return _Match(candidate, inner)
        return self.refuse("the selection is not in an `else:` block that holds only an `if`")

    def build(self, ctx: RefactorContext, match: _Match) -> Change:
        inner = match.inner.with_changes(leading_lines=())
        return Change(replacements={match.outer: lambda updated: updated.with_changes(orelse=inner)})
