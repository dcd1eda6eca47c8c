"""use-any-all: a loop that searches for a match becomes ``any(...)`` or ``all(...)``.

Before::

    def has_expensive(items, limit):
        for item in items:
            if item.price > limit:
                return True
        return False

After::

    def has_expensive(items, limit):
        return any(item.price > limit for item in items)

``return False`` inside the loop and ``return True`` after it become ``all(...)`` of the
negated condition: ``==``/``!=``, ``is``/``is not`` and ``in``/``not in`` are flipped,
``not x`` loses its ``not``, anything else gets ``not (...)``. The flag form works too:

    found = False
    for item in items:
        if item.price > limit:
            found = True
            break

becomes ``found = any(item.price > limit for item in items)`` (``ok = True`` ... ``ok =
False`` becomes ``all``). Nested loops and ``if`` filters become ``for``/``if`` clauses of
the generator (the flag form takes one loop, as ``break`` leaves only the inner one), and
the loop's ``else: return False`` counts as the ``return False`` after it.

Limits: offered only inside a function (not in a class body) and only for the literal
``True``/``False`` (``return item`` is not a bool). Not offered when a loop variable is read
after the loop or captured by a lambda; when the loop has ``await``, ``yield``, ``:=`` or
``async for``; when the loop reads a local that may be unbound (the error would change
from ``UnboundLocalError`` to ``NameError``); when the flag is read inside the loop, by a
nested function, or, inside ``try``/``with``, anywhere but after the loop; when a comment
sits in the loop (or between the flag and the loop); or when ``any``/``all`` is redefined in the file. ``a != b``
stands for ``not a == b``, exact unless a class defines ``__ne__`` against its own
``__eq__``. A ``StopIteration`` escaping the condition becomes a ``RuntimeError`` inside
a generator (PEP 479): calls to ``next`` in the condition are refused, other functions
that leak it are not detected.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .. import dataflow as df
from ..context import RefactorContext
from ..models import Refused
from ..rule import Change, Refactoring
from .loop_to_comprehension import (
    Chain,
    check_loop,
    check_result_name,
    comp_for,
    loop_candidates,
    loop_chain,
    paren,
    small_statements,
)

# Inside `not (...)`, parentheses these need nowhere else in a generator's element.
_UNWRAPPABLE = (cst.BooleanOperation, cst.Comparison, cst.UnaryOperation, cst.BinaryOperation, cst.IfExp)

_FLIP: dict[type, type] = {
    cst.Equal: cst.NotEqual,
    cst.NotEqual: cst.Equal,
    cst.Is: cst.IsNot,
    cst.IsNot: cst.Is,
    cst.In: cst.NotIn,
    cst.NotIn: cst.In,
}


@dataclass(frozen=True, slots=True)
class _Match:
    loop: cst.For
    chain: Chain
    found: bool  # the value the loop produces on a match: True -> any, False -> all
    # return form: the `return <not found>` after the loop (None: the loop's own else)
    after: cst.SimpleStatementLine | None
    # flag form: the `flag = <not found>` statement before the loop
    init: cst.SimpleStatementLine | None


def _bool(node: cst.BaseExpression | None) -> bool | None:
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def _returned(statement: cst.CSTNode) -> bool | None:
    """``True``/``False`` for a line holding just ``return True``/``return False``."""
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        small = statement.body[0]
        if isinstance(small, cst.Return):
            return _bool(small.value)
    return None


def _flag(statement: cst.BaseSmallStatement | cst.BaseStatement) -> tuple[cst.Name, bool] | None:
    """(name, value) for ``name = True``/``name = False``."""
    if isinstance(statement, cst.SimpleStatementLine):
        if len(statement.body) != 1:
            return None
        statement = statement.body[0]
    if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
        target, value = statement.targets[0].target, _bool(statement.value)
        if isinstance(target, cst.Name) and value is not None:
            return target, value
    return None


def negate(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``not expr`` for truth tests, as plainly as is exact."""
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not) and not expr.lpar:
        inner = expr.expression
        if isinstance(inner, _UNWRAPPABLE) and len(inner.lpar) == 1:
            return inner.with_changes(lpar=[], rpar=[])
        return inner
    if isinstance(expr, cst.Comparison) and len(expr.comparisons) == 1 and not expr.lpar:
        target = expr.comparisons[0]
        flipped = _FLIP.get(type(target.operator))
        if flipped is not None:
            operator = flipped(
                whitespace_before=target.operator.whitespace_before,
                whitespace_after=target.operator.whitespace_after,
            )
            return expr.with_changes(comparisons=[target.with_changes(operator=operator)])
    loose = isinstance(expr, cst.BooleanOperation | cst.IfExp | cst.Lambda | cst.NamedExpr)
    return cst.UnaryOperation(operator=cst.Not(), expression=paren(expr) if loose else expr)


class UseAnyAll(Refactoring[_Match]):
    id = "use-any-all"
    title = "Use any()/all()"
    kind = "refactor.rewrite"
    answers = ("OCX102", "OCX103")  # the loop's nesting goes; its `if` no longer nests
    description = (
        "A loop that returns (or sets a flag and breaks) on the first match becomes "
        "`any(...)`, or `all(...)` of the negated condition."
    )

    def match(self, ctx: RefactorContext) -> _Match | Refused:
        reason = None
        for loop, anchor in loop_candidates(ctx, before=True, after=True):
            found = self._match_loop(ctx, loop)
            if isinstance(found, _Match) and anchor not in (None, found.init, found.after):
                continue  # the selection is on a statement the rewrite does not touch
            if isinstance(found, _Match):
                return found
            if anchor is None or _flag(anchor) is not None or _returned(anchor) is not None:
                reason = reason or found
        return self.refuse(
            reason
            or "the selection is not on a `for` loop that returns (or sets a flag) on the first match"
        )

    def _match_loop(self, ctx: RefactorContext, loop: cst.For) -> _Match | str | None:
        block = ctx.block_of(loop)
        if block is None:
            return None
        statements = list(block.statements)
        index = statements.index(loop)
        chain = loop_chain(loop, outer_else=True)
        if isinstance(chain, str):
            # Only worth a reason when the loop has the shape this rule is about.
            return chain if _looks_like_search(loop) else None
        if not isinstance(chain.clauses[-1], cst.If):
            return None
        leaf = chain.leaf
        if len(leaf) == 1 and isinstance(leaf[0], cst.Return):
            return self._return_form(ctx, loop, chain, statements, index)
        if len(leaf) == 2 and isinstance(leaf[1], cst.Break):
            return self._flag_form(ctx, loop, chain, statements, index)
        return None

    def _return_form(self, ctx, loop, chain, statements, index) -> _Match | str | None:
        found = _bool(chain.leaf[0].value)
        if found is None:
            return "the loop returns something other than `True`/`False`"
        after = None
        if loop.orelse is not None:
            body = small_statements(loop.orelse.body) or []
            if len(body) != 1 or not isinstance(body[0], cst.Return) or _bool(body[0].value) is not (not found):
                return f"the loop's `else:` does more than `return {not found}`"
        else:
            following = statements[index + 1] if index + 1 < len(statements) else None
            if following is None or _returned(following) is not (not found):
                return f"the loop is not followed by `return {not found}`"
            after = following
            if df.has_comment(following):
                return f"a comment on `return {not found}` would have nowhere to go"
        if df.has_comment(loop, skip=loop.leading_lines):
            return "a comment in the loop would have nowhere to go"
        problem = self._common(ctx, chain, loop)
        if problem is not None:
            return problem
        return _Match(loop, chain, found, after, None)

    def _flag_form(self, ctx, loop, chain, statements, index) -> _Match | str | None:
        setter = _flag(chain.leaf[0])
        init = _flag(statements[index - 1]) if index > 0 else None
        if setter is None or init is None or setter[0].value != init[0].value:
            return None
        name, found = setter
        if init[1] is found:
            return f"`{name.value}` is already {found} before the loop"
        if loop.orelse is not None:
            return "the loop has an `else:` clause"
        if len(chain.loops) != 1:
            return "`break` leaves only the inner loop"
        if df.has_comment(loop):
            return "a comment in or above the loop would have nowhere to go"
        problem = check_result_name(ctx, init[0], loop, {id(name)})
        problem = problem or self._common(ctx, chain, loop, first=statements[index - 1])
        if problem is not None:
            return problem
        return _Match(loop, chain, found, None, statements[index - 1])

    def _common(self, ctx: RefactorContext, chain: Chain, loop: cst.For, first=None) -> str | None:
        test = chain.clauses[-1].test  # type: ignore[union-attr]
        for node in df.walk(test):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "next":
                return "`next()` in the condition: a StopIteration would become a RuntimeError in a generator"
        problem = check_loop(ctx, _without_last_if(chain), [test], first or loop)
        return problem or df.shadowed_builtin(ctx.document, ["any", "all"])

    def build(self, ctx: RefactorContext, match: _Match) -> Change:
        chain = _without_last_if(match.chain)
        test = match.chain.clauses[-1].test  # type: ignore[union-attr]
        element = test if match.found else negate(test)
        if isinstance(element, cst.NamedExpr | cst.Yield):
            element = paren(element)
        call = cst.Call(
            func=cst.Name("any" if match.found else "all"),
            args=[cst.Arg(cst.GeneratorExp(elt=element, for_in=comp_for(chain), lpar=[], rpar=[]))],
        )
        if match.init is not None:
            small = match.init.body[0]
            replacements = {
                match.init: match.init.with_changes(body=[small.with_changes(value=call)]),
                match.loop: cst.RemoveFromParent(),
            }
        else:
            statement = cst.SimpleStatementLine(
                body=[cst.Return(value=call)], leading_lines=match.loop.leading_lines
            )
            replacements = {match.loop: statement}
            if match.after is not None:
                replacements[match.after] = cst.RemoveFromParent()
        # The verifier takes a read of a builtin the function never read as a read of an
        # undefined name; the file was checked not to rebind it (see `_common`).
        builtin = call.func.value
        read = any(isinstance(n, cst.Name) and n.value == builtin for n in df.walk(ctx.root.node))
        return Change(replacements=replacements, new_names=frozenset() if read else frozenset({builtin}))


def _without_last_if(chain: Chain) -> Chain:
    """The chain whose last ``if`` test is the generator's element, not a filter."""
    return Chain(chain.clauses[:-1], chain.leaf)


def _looks_like_search(loop: cst.For) -> bool:
    """Whether a loop returns a bool or breaks somewhere (so a refusal is worth saying)."""
    for node in df.walk(loop.body, into_scopes=False):
        if isinstance(node, cst.Break) or (isinstance(node, cst.Return) and _bool(node.value) is not None):
            return True
    return False
