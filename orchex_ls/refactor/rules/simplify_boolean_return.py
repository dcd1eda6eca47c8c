"""simplify-boolean-return: ``if c: return True`` / ``return False`` becomes ``return c``.

Before::

    def is_admin(user):
        if user.role is Role.ADMIN:
            return True
        return False

After::

    def is_admin(user):
        return user.role is Role.ADMIN

Also with ``else: return False``, and swapped (``return False`` first) as ``return not c``.
The function returns exactly what it did, with each truth test made as often as before:
the condition itself when it is certainly a bool (``not``, ``is``/``is not``/``in``/
``not in`` comparisons, comparisons between literals and ``len()`` such as
``len(x) == 1``, ``isinstance``, ``issubclass``, ``callable``, ``hasattr``, ``bool``,
``any``, ``all``, ``True``/``False``, and ``and``/``or`` of these), otherwise ``bool(c)``:
``x`` or ``a == b`` may be any object (``==`` on NumPy arrays gives an array), and
``return x`` would hand back that object instead of ``True``. ``and``/``or`` are
converted operand by operand (``bool(a) and b is None``) and negated by De Morgan
(``not a or not b``): ``bool(a and b)`` or ``not (a and b)`` would test a falsy ``a``
twice, once inside ``and`` and once after it, where the ``if`` tested it once. A comment
at the end of one of the lines moves to the end of the ``return`` line.

Limits: not offered when both branches return the same constant, with ``elif`` branches,
when more than one comment (or a comment on a line of its own) would have to go, or when
``bool(...)`` is needed and ``bool`` is redefined in the file (a redefined ``len`` or
predicate builtin is not trusted to give a bool: the condition gets ``bool(...)``). One difference remains: in a chained rich comparison
``bool(a < b < c)``, a falsy non-bool result of ``a < b`` is tested twice (once by the
chain, once by ``bool``); the ``if`` tested it once. Only a custom ``__lt__`` returning
such an object can tell.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..context import RefactorContext
from ..dataflow import walk
from ..models import Refused
from ..rule import Change, Refactoring
from . import _flow as flow
from ._conditions import (
    as_return_value,
    builtins_problem,
    negated_value,
    predicate_calls,
    truth_value,
)


@dataclass(frozen=True, slots=True)
class _Match:
    node: cst.If
    positive: bool  # `if c: return True` (else `return not c`)
    following: cst.SimpleStatementLine | None  # the `return` after the `if`, removed with it
    comment: cst.Comment | None  # the one end-of-line comment to keep
    value: cst.BaseExpression  # what the function returns instead


def _constant(body: cst.CSTNode) -> bool | None:
    """True/False when ``body`` (a block, suite or line) is just ``return True``/``return False``."""
    if isinstance(body, cst.IndentedBlock):
        if len(body.body) != 1:
            return None
        body = body.body[0]
    if not isinstance(body, cst.SimpleStatementSuite | cst.SimpleStatementLine) or len(body.body) != 1:
        return None
    statement = body.body[0]
    if isinstance(statement, cst.Return) and isinstance(statement.value, cst.Name):
        return {"True": True, "False": False}.get(statement.value.value)
    return None


def _comments(parts: list[cst.CSTNode]) -> tuple[list[cst.Comment], bool]:
    """The comments in ``parts`` and whether any sits on a line of its own."""
    found: list[cst.Comment] = []
    own_line = False
    for part in parts:
        for node in walk(part):
            if isinstance(node, cst.EmptyLine) and node.comment is not None:
                own_line = True
            if isinstance(node, cst.Comment):
                found.append(node)
    return found, own_line


class SimplifyBooleanReturn(Refactoring[_Match]):
    id = "simplify-boolean-return"
    title = "Return the condition directly"
    kind = "refactor.rewrite"
    answers = ("OCX101", "OCX102")
    description = "`if c: return True` followed by `return False` (or `else: return False`) becomes `return c` (`bool(c)` when `c` may not be a bool)."

    def match(self, ctx: RefactorContext) -> _Match | Refused:
        chain = flow.focus(ctx)
        candidates = flow.statements_at(ctx, chain, cst.If)
        line = next((n for n in flow.in_scope(chain) if isinstance(n, cst.SimpleStatementLine)), None)
        if line is not None and _constant(line) is not None:  # the cursor is on the last `return`
            before = flow.previous_statement(ctx, line)
            if isinstance(before, cst.If):
                candidates.insert(0, before)
        if not candidates:
            return self.refuse("the selection is not on an `if` statement")
        refusals = [self._check(ctx, node) for node in candidates]
        found = next((r for r in refusals if not isinstance(r, Refused)), None)
        return found or refusals[0]

    def _check(self, ctx: RefactorContext, node: cst.If) -> _Match | Refused:
        if isinstance(node.orelse, cst.If):
            return self.refuse("the `if` has `elif` branches")
        first = _constant(node.body)
        if first is None:
            return self.refuse("the `if` body is not just `return True` or `return False`")
        following = None
        if node.orelse is not None:
            second = _constant(node.orelse.body)
            parts: list[cst.CSTNode] = [node.body, node.orelse]
            missing = "the `else` branch is not just `return True` or `return False`"
        else:
            following = flow.next_statement(ctx, node)
            second = _constant(following) if following is not None else None
            parts = [node.body] + ([following] if following is not None else [])
            missing = "the `if` is not followed by `return True` or `return False`"
        if second is None:
            return self.refuse(missing)
        if second == first:
            return self.refuse(f"both branches return {first}; the condition would still have to run")
        comments, own_line = _comments(parts)
        if own_line or len(comments) > 1:
            return self.refuse("a comment inside the `if` would be lost")
        assert following is None or isinstance(following, cst.SimpleStatementLine)
        needed = predicate_calls(node.test)
        builtins_ok = not needed or builtins_problem(ctx.document, needed) is None
        value = truth_value(node.test, builtins_ok) if first else negated_value(node.test, builtins_ok)
        if _bool_calls(value) > _bool_calls(node.test):  # it adds a call to the builtin
            problem = builtins_problem(ctx.document, {"bool"})
            if problem:
                return self.refuse(f"{problem}, so `bool(...)` would not be the builtin")
        return _Match(node, first, following, comments[0] if comments else None, value)

    def build(self, ctx: RefactorContext, match: _Match) -> Change:
        value = match.value
        trailing = cst.TrailingWhitespace()
        if match.comment is not None:
            trailing = cst.TrailingWhitespace(whitespace=cst.SimpleWhitespace("  "), comment=match.comment)
        returned = cst.SimpleStatementLine(
            body=[cst.Return(value=as_return_value(value))],
            leading_lines=match.node.leading_lines,
            trailing_whitespace=trailing,
        )
        replacements: dict = {match.node: returned}
        if match.following is not None:
            replacements[match.following] = cst.RemoveFromParent()
        return Change(replacements=replacements)


def _bool_calls(expr: cst.BaseExpression) -> int:
    return sum(
        isinstance(n, cst.Call) and isinstance(n.func, cst.Name) and n.func.value == "bool"
        for n in walk(expr)
    )
