"""extract-variable: the selected expression gets a name, assigned just before its statement.

Before::

    def price(order, rate):
        return order.total * (1 + rate) - order.discount

After::

    def price(order, rate):
        value = order.total * (1 + rate)
        return value - order.discount

The selection must be exactly one expression (its parentheses may be selected or not). The
new variable is ``value`` (``value_2``... when the name is used anywhere in the file; at
module level ``_value``, so that ``from module import *`` does not start exporting it).

Limits: the expression is evaluated earlier than before — at the start of its statement —
so it is refused wherever that could change behaviour: when it might not run or run many
times (a lambda, a comprehension other than its first iterable, the right side of
``and``/``or``, a branch of a conditional expression, a chained comparison, a loop
condition, an ``elif`` condition, an ``assert``), when the statement evaluates anything
before it that could call code, raise, or be affected (anything but literals, assigned
locals, builtins and imported modules: ``obj.method(compute(x))`` is refused because
``obj.method`` is looked up first), in an assignment target, a definition header or a
class body, and when the expression contains ``:=``, ``yield`` or ``await``. Only the
selected occurrence is replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..context import RefactorContext
from ..dataflow import shadowed_builtin
from ..models import Refused
from ..rule import Change, Refactoring
from ._evaluation import Purity, in_class_body, locate
from ._name_flow import CONSUMERS, param_names, walk_function


@dataclass(frozen=True, slots=True)
class _Match:
    expression: cst.BaseExpression
    statement: cst.BaseStatement
    name: str
    module_level: bool


def selected_expression(ctx: RefactorContext) -> cst.BaseExpression | None:
    """The expression the selection covers exactly, with or without its parentheses
    (which libcst keeps on the node but leaves out of its position)."""
    start, end = ctx.span
    text = _squeeze(_selected_text(ctx))
    for node in ctx.walk():
        if not isinstance(node, cst.BaseExpression) or node not in ctx.positions:
            continue
        s, e = ctx.range(node)
        if (s, e) == (start, end):
            return node
        if node.lpar and start <= s and e <= end:
            # Between the selection's ends and the node's there are only parentheses and
            # whitespace (libcst renders continuation lines without the block's indent, so
            # compare without whitespace).
            inner = _squeeze(ctx.code(node.with_changes(lpar=[], rpar=[])))
            if any(text == "(" * k + inner + ")" * k for k in range(1, len(node.lpar) + 1)):
                return node
    return None


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _selected_text(ctx: RefactorContext) -> str:
    (sl, sc), (el, ec) = ctx.span
    (sl, sc), (el, ec) = ctx.root.to_file(sl, sc), ctx.root.to_file(el, ec)
    lines = ctx.document.lines
    if sl == el:
        return lines[sl][sc:ec] if sl < len(lines) else ""
    return lines[sl][sc:] + "".join(lines[sl + 1 : el]) + (lines[el][:ec] if el < len(lines) else "")


def purity_at(ctx: RefactorContext, statement: cst.BaseStatement) -> Purity | str:
    """What is certainly bound, and stays so while the statement runs, where ``statement``
    starts. At module level nothing is: any function the statement calls may rebind a
    global. In a function, a local that a nested function rebinds (``nonlocal``) is not."""
    scope = next(
        (a for a in ctx.ancestors(statement) if isinstance(a, cst.FunctionDef | cst.ClassDef)), None
    )
    if isinstance(scope, cst.ClassDef):
        return "it is in a class body, where a new name would become a class attribute"
    line = ctx.root.to_file(*ctx.range(statement)[0])[0]
    if scope is None:
        return Purity(ctx, frozenset(), frozenset(), True, line)
    builtins_ok = shadowed_builtin(ctx.document, [*CONSUMERS, "open"]) is None
    facts = walk_function(scope, builtins_ok=builtins_ok, watch=[statement])
    local = facts.bound_names() | set(param_names(scope.params))
    unstable = {d.name for d in facts.deferred if d.writes}
    assigned = (facts.at.get(statement) or frozenset()) - unstable
    return Purity(ctx, frozenset(assigned), frozenset(local), False, line)


def fresh(ctx: RefactorContext, base: str) -> str:
    taken = ctx.document.global_names
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    return name


def _forbidden(node: cst.CSTNode) -> str | None:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Lambda):
            continue  # its body runs later, in its own scope
        if isinstance(current, cst.NamedExpr):
            return "the expression assigns with `:=`"
        if isinstance(current, cst.Yield):
            return "the expression has a `yield`"
        if isinstance(current, cst.Await) or getattr(current, "asynchronous", None) is not None:
            return "the expression awaits"
        stack.extend(current.children)
    return None


class ExtractVariable(Refactoring[_Match]):
    id = "extract-variable"
    title = "Extract variable"
    kind = "refactor.extract"
    description = "The selected expression is assigned to a new variable just before its statement, and replaced by it."

    def match(self, ctx: RefactorContext) -> _Match | Refused:
        if ctx.is_cursor or ctx.selection.whole_lines:
            return self.refuse("select the expression to extract")
        if in_class_body(ctx):
            return self.refuse("it is in a class body, where a new name would become a class attribute")
        node = selected_expression(ctx)
        if node is None:
            return self.refuse("the selection is not exactly one expression")
        if isinstance(node, cst.Name):
            return self.refuse("the expression is already a name")
        if isinstance(node, cst.StarredElement):
            return self.refuse("a starred expression cannot stand alone")
        if isinstance(ctx.parents.get(node), cst.Expr):
            return self.refuse("the expression is a whole statement")
        problem = _forbidden(node)
        if problem:
            return self.refuse(problem)
        place = locate(ctx, node)
        if isinstance(place, str):
            return self.refuse(f"cannot evaluate it earlier: {place}")
        purity = purity_at(ctx, place.statement)
        if isinstance(purity, str):
            return self.refuse(purity)
        for earlier in place.before:
            if not purity.pure(earlier):
                return self.refuse(
                    f"the statement evaluates `{ctx.code(earlier).strip()}` before the expression; "
                    "evaluating the expression first could change behaviour"
                )
        base = "_value" if purity.module_level else "value"
        return _Match(node, place.statement, fresh(ctx, base), purity.module_level)

    def build(self, ctx: RefactorContext, match: _Match) -> Change:
        value = match.expression
        # A generator needs its own parentheses once out of the call; so does an
        # expression whose line breaks were inside the brackets around it.
        if not value.lpar and (isinstance(value, cst.GeneratorExp) or "\n" in ctx.code(value)):
            value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        elif value.lpar and "\n" not in ctx.code(value) and not isinstance(value, cst.Tuple | cst.GeneratorExp):
            value = value.with_changes(lpar=[], rpar=[])  # `value = (a + b)` reads worse
        statement = match.statement
        assign = cst.SimpleStatementLine(
            body=[cst.Assign([cst.AssignTarget(cst.Name(match.name))], value)],
            leading_lines=statement.leading_lines,
        )
        replacements = {
            match.expression: cst.Name(match.name),
            statement: lambda updated: cst.FlattenSentinel([assign, updated.with_changes(leading_lines=[])]),
        }
        if match.module_level:
            return Change(replacements, new_globals=frozenset({match.name}))
        return Change(replacements, new_names=frozenset({match.name}))
