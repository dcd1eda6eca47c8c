"""remove-redundant-else: after a branch that always jumps, ``else:`` is dead weight.

Before::

    def sign(x):
        if x < 0:
            return -1
        else:
            return 1

After::

    def sign(x):
        if x < 0:
            return -1
        return 1

When every branch before the ``else`` (the ``if`` and each ``elif``) ends in ``return``,
``raise``, ``break`` or ``continue`` (or in an ``if``/``else`` whose branches all do), the
``else`` body moves after the ``if``, one level shallower. A comment on the ``else:`` line
or above it moves above the first moved statement.

Limits: not offered when a branch may fall through (ends in anything else, a ``try`` or
``with`` included: a context manager can swallow a ``raise``), or when the ``if`` has no
``else``.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..context import RefactorContext
from ..models import Refused
from ..rule import Change, Refactoring
from . import _flow as flow


@dataclass(frozen=True, slots=True)
class _Match:
    node: cst.If  # the statement; the `else` hangs off its last `elif`


def _without_else(node: cst.If) -> cst.If:
    if isinstance(node.orelse, cst.If):
        return node.with_changes(orelse=_without_else(node.orelse))
    return node.with_changes(orelse=None)


def _final_else(node: cst.If) -> tuple[list[cst.BaseSuite], cst.Else | None]:
    """The bodies of the ``if`` and its ``elif`` branches, and the final ``else``."""
    branches = [node.body]
    while isinstance(node.orelse, cst.If):
        node = node.orelse
        branches.append(node.body)
    return branches, node.orelse


class RemoveRedundantElse(Refactoring[_Match]):
    id = "remove-redundant-else"
    title = "Remove redundant `else`"
    kind = "refactor.rewrite"
    answers = ("OCX102", "OCX103")  # `else` itself costs cognitive complexity; its body sheds a level
    description = "An `else:` after branches that all end in `return`/`raise`/`break`/`continue` is removed and its body dedented."

    def match(self, ctx: RefactorContext) -> _Match | Refused:
        candidates = flow.statements_at(ctx, flow.focus(ctx), cst.If)
        if not candidates:
            return self.refuse("the selection is not on an `if` statement")
        refusals = []
        for node in candidates:
            branches, orelse = _final_else(node)
            if orelse is None:
                refusals.append(self.refuse("the `if` has no `else`"))
            elif not all(flow.ends_in_jump(b) for b in branches):
                kind = "the `if` body" if len(branches) == 1 else "a branch before the `else`"
                refusals.append(self.refuse(f"{kind} does not always end in {flow.JUMP_WORDS}, so the `else` is needed"))
            else:
                return _Match(node)
        # An `if` with an `else` explains better than one without.
        refusals.sort(key=lambda r: r.reason == "the `if` has no `else`")
        return refusals[0]

    def build(self, ctx: RefactorContext, match: _Match) -> Change:
        node = match.node
        _, orelse = _final_else(node)
        assert orelse is not None
        moved = flow.as_statements(orelse.body)
        above = list(orelse.leading_lines)
        if isinstance(orelse.body, cst.IndentedBlock) and orelse.body.header.comment is not None:
            above.append(flow.own_line(orelse.body.header.comment))
        moved[0] = flow.with_leading(moved[0], above)
        return Change(replacements=flow.splice(ctx, node, [_without_else(node), *moved], flow.footer(orelse.body)))
