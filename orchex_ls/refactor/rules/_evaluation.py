"""When an expression is evaluated, relative to the statement around it: the facts that
let extract-variable evaluate it earlier and inline-variable evaluate it later.

``locate`` walks from an expression up to the statement that holds it in a block and
answers either why the expression cannot move (it runs conditionally, repeatedly, after
the statement has started doing things, or is not an expression at all), or the
sub-expressions that statement evaluates *before* it. Moving the expression to the start of
the statement keeps behaviour exactly when those are all ``pure``: they call no user code,
cannot raise, and so cannot observe or be observed by the move.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable
from dataclasses import dataclass
from weakref import WeakKeyDictionary

import libcst as cst

from ..context import RefactorContext
from ..dataflow import file_bindings
from ..document import SourceDocument

_LITERALS = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis, cst.FormattedStringText)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)
_IN_COMPREHENSION = "it is inside a comprehension, which runs it once per item (or never)"


@dataclass(frozen=True, slots=True)
class Place:
    statement: cst.BaseStatement  # the statement in a block whose evaluation holds the node
    before: list[cst.CSTNode]  # what that statement evaluates before the node


def locate(ctx: RefactorContext, node: cst.CSTNode) -> Place | str:
    before: list[cst.CSTNode] = []
    child = node
    for parent in ctx.ancestors(node):
        if isinstance(parent, cst.SimpleStatementLine):
            if parent.body[0] is not child:
                return "it follows another statement on the same line"
            return _in_block(ctx, parent, before)
        if isinstance(parent, cst.SimpleStatementSuite):
            return "its statement shares a line with a compound statement's header"
        slot = _slot(parent, child)
        if isinstance(slot, str):
            return slot
        before[:0] = slot
        if isinstance(parent, cst.BaseCompoundStatement):
            return _in_block(ctx, parent, before)
        child = parent
    return "it is not inside a statement"


def _in_block(ctx: RefactorContext, statement: cst.BaseStatement, before: list) -> Place | str:
    if isinstance(ctx.parents.get(statement), cst.IndentedBlock | cst.Module):
        return Place(statement, before)
    return "it is in an `elif` condition, which only runs when the branches above fail"


def _previous(items: Iterable, child) -> list:
    out = []
    for item in items:
        if item is child:
            return out
        out.append(item)
    return out


def _slot(parent: cst.CSTNode, child: cst.CSTNode) -> list[cst.CSTNode] | str:
    """What ``parent`` evaluates before ``child`` (or why ``child`` is not evaluated once,
    unconditionally, as part of ``parent``)."""
    p = parent
    if isinstance(p, cst.Attribute):
        return [] if child is p.value else "it is an attribute name, not an expression"
    if isinstance(p, cst.Call):
        if child is p.func:
            return []
        seen_keyword = False
        for arg in p.args:
            if arg.keyword is not None or arg.star == "**":
                seen_keyword = True
            elif arg.star == "*" and seen_keyword:
                return "the call unpacks `*args` after a keyword argument (evaluated out of order)"
        return [p.func, *(a.value for a in _previous(p.args, child))]
    if isinstance(p, cst.Arg):
        return [] if child is p.value else "it is a keyword name, not an expression"
    if isinstance(p, cst.BinaryOperation):
        return [] if child is p.left else [p.left]
    if isinstance(p, cst.BooleanOperation):
        return [] if child is p.left else f"it only runs when `{_word(p.operator)}` does not short-circuit"
    if isinstance(p, cst.UnaryOperation | cst.Await | cst.Yield | cst.From | cst.StarredElement):
        return []
    if isinstance(p, cst.Comparison):
        if child is p.left:
            return []
        if child is p.comparisons[0]:
            return [p.left]
        return "it is in a chained comparison, which may stop early"
    if isinstance(p, cst.ComparisonTarget):
        return [] if child is p.comparator else "it is an operator"
    if isinstance(p, cst.IfExp):
        return [] if child is p.test else "it is in a branch of a conditional expression"
    if isinstance(p, cst.Lambda):
        return "it is inside a lambda, which runs later (or never)"
    if isinstance(p, cst.CompFor):
        # Only the first clause's iterable runs once, in the enclosing scope; an inner
        # clause is reached through its outer clause's `inner_for_in`.
        return [] if child is p.iter else _IN_COMPREHENSION
    if isinstance(p, cst.CompIf):
        return _IN_COMPREHENSION
    if isinstance(p, _COMPREHENSIONS):
        return [] if child is p.for_in else _IN_COMPREHENSION
    if isinstance(p, cst.Subscript):
        if child is p.value:
            return []
        return [p.value, *(part for e in _previous(p.slice, child) for part in _slice_parts(e.slice))]
    if isinstance(p, cst.SubscriptElement):
        return []
    if isinstance(p, cst.Index):
        return [] if child is p.value else "it is not an expression"
    if isinstance(p, cst.Slice):
        parts = [x for x in (p.lower, p.upper, p.step) if x is not None]
        return _previous(parts, child)
    if isinstance(p, cst.Tuple | cst.List | cst.Set):
        return [e.value for e in _previous(p.elements, child)]
    if isinstance(p, cst.Element):
        return []
    if isinstance(p, cst.Dict):
        out: list = []
        for element in p.elements:
            if element is child:
                return out
            out += [element.key, element.value] if isinstance(element, cst.DictElement) else [element]
        return out
    if isinstance(p, cst.DictElement):
        return [] if child is p.key else [p.key]
    if isinstance(p, cst.StarredDictElement):
        return []
    if isinstance(p, cst.FormattedString):
        return _previous(p.parts, child)
    if isinstance(p, cst.FormattedStringExpression):
        return [] if child is p.expression else "it is in a format specification"
    if isinstance(p, cst.ConcatenatedString):
        return [] if child is p.left else [p.left]
    if isinstance(p, cst.NamedExpr):
        return [] if child is p.value else "it is an assignment target"
    return _statement_slot(p, child)


def _statement_slot(p: cst.CSTNode, child: cst.CSTNode) -> list[cst.CSTNode] | str:
    if isinstance(p, cst.Expr | cst.Return):
        return []
    if isinstance(p, cst.Assign):
        return [] if child is p.value else "it is an assignment target"
    if isinstance(p, cst.AssignTarget):
        return "it is an assignment target"
    if isinstance(p, cst.AnnAssign):
        return [] if child is p.value else "it is an assignment target or annotation"
    if isinstance(p, cst.AugAssign):
        if child is p.value:
            return [p.target]  # the target's current value is loaded first
        return "it is an assignment target"
    if isinstance(p, cst.Raise):
        return [] if child is p.exc else [p.exc] if p.exc is not None else []
    if isinstance(p, cst.Assert):
        return "it is in an `assert`, which does not run under `python -O`"
    if isinstance(p, cst.If):
        return [] if child is p.test else "it is in a conditional block"
    if isinstance(p, cst.While):
        return "it is in a loop condition, which runs on every iteration"
    if isinstance(p, cst.For):
        return [] if child is p.iter else "it is a loop target"
    if isinstance(p, cst.With):
        if p.items and child is p.items[0]:
            return []
        return "it is evaluated after an earlier `with` item has entered its context"
    if isinstance(p, cst.WithItem):
        return [] if child is p.item else "it is an `as` target"
    if isinstance(p, cst.Match):
        return [] if child is p.subject else "it is in a `case` clause"
    if isinstance(p, cst.Del):
        return "it is in a `del` statement"
    if isinstance(p, cst.FunctionDef | cst.ClassDef | cst.Decorator | cst.Param | cst.Parameters):
        return "it is in a definition header"
    if isinstance(p, cst.Annotation):
        return "it is an annotation"
    if isinstance(p, cst.ExceptHandler | cst.ExceptStarHandler | cst.Try | cst.TryStar):
        return "it only runs when an exception is handled"
    return f"this refactoring does not handle a `{type(p).__name__}` here"


def _slice_parts(node: cst.CSTNode) -> list[cst.CSTNode]:
    if isinstance(node, cst.Index):
        return [node.value]
    if isinstance(node, cst.Slice):
        return [x for x in (node.lower, node.upper, node.step) if x is not None]
    return [node]


def _word(op: cst.BaseBooleanOp) -> str:
    return "and" if isinstance(op, cst.And) else "or"


def in_class_body(ctx: RefactorContext) -> bool:
    """Outside any function, the selection is inside a class (asked of the ``ast``, so a
    class of thousands of lines is not walked with libcst metadata for nothing)."""
    if ctx.root.path is not None:
        return False
    first, last = ctx.selection.start_line, ctx.selection.end_line
    for statement in ctx.unit.statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.ClassDef) and node.lineno - 1 < first and last < (node.end_lineno or 0):
                return True
    return False


# -- purity ------------------------------------------------------------------------------

_STABLE: WeakKeyDictionary[SourceDocument, dict[str, tuple[int, bool]]] = WeakKeyDictionary()


def _stable_globals(document: SourceDocument) -> dict[str, tuple[int, bool]]:
    """Module names bound exactly once in the file, by a top-level ``def``, ``class`` or
    ``import``: name -> (0-based line of that statement, whether it is a module import)."""
    if document in _STABLE:
        return _STABLE[document]
    tree = document.tree
    out: dict[str, tuple[int, bool]] = {}
    if isinstance(tree, ast.Module):
        counts: dict[str, int] = {}
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                names = [node.id]
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names = [node.name]
            elif isinstance(node, ast.alias):
                names = [(node.asname or node.name).split(".")[0]]
            elif isinstance(node, ast.Global | ast.Nonlocal):
                names = list(node.names) * 2  # a declared name may be rebound anywhere
            elif isinstance(node, ast.arg):
                names = [node.arg]
            elif isinstance(node, ast.ExceptHandler) and node.name:
                names = [node.name]
            for name in names:
                counts[name] = counts.get(name, 0) + 1
        for stmt in tree.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                if counts.get(stmt.name) == 1:
                    out[stmt.name] = (stmt.lineno - 1, False)
            elif isinstance(stmt, ast.Import | ast.ImportFrom):
                for alias in stmt.names:
                    name = (alias.asname or alias.name).split(".")[0]
                    if name != "*" and counts.get(name) == 1:
                        out[name] = (stmt.lineno - 1, isinstance(stmt, ast.Import))
    _STABLE[document] = out
    return out


@dataclass
class Purity:
    """Which names read at a point are certain to be bound and cannot be changed by the
    move: definitely assigned locals, builtins the file never rebinds, and module names
    bound once by a top-level ``def``/``class``/``import`` (above the point, at module
    level)."""

    ctx: RefactorContext
    assigned: frozenset[str]  # locals definitely assigned where the code runs
    local: frozenset[str]  # every local of the scope (a local is never a global)
    module_level: bool
    line: int  # file line of the statement

    def name(self, node: cst.Name) -> bool:
        n = node.value
        if n in ("True", "False", "None") or n in self.assigned:
            return True
        if n in self.local:
            return False
        stable = _stable_globals(self.ctx.document).get(n)
        if stable is not None:
            return not self.module_level or stable[0] < self.line
        bound = file_bindings(self.ctx.document)
        return bound is not None and n not in bound and hasattr(builtins, n)

    def module(self, node: cst.BaseExpression) -> bool:
        """``node`` is a module (or a dotted path of modules' attributes) imported once."""
        if isinstance(node, cst.Attribute):
            return self.module(node.value)
        if isinstance(node, cst.Name) and node.value not in self.local:
            stable = _stable_globals(self.ctx.document).get(node.value)
            return stable is not None and stable[1] and (not self.module_level or stable[0] < self.line)
        return False

    def pure(self, node: cst.CSTNode) -> bool:
        """Evaluating ``node`` calls no user code, cannot raise and binds nothing."""
        if isinstance(node, _LITERALS):
            return True
        if isinstance(node, cst.ConcatenatedString):
            return self.pure(node.left) and self.pure(node.right)
        if isinstance(node, cst.Name):
            return self.name(node)
        if isinstance(node, cst.Attribute):
            return self.module(node)
        if isinstance(node, cst.UnaryOperation):
            return isinstance(node.operator, cst.Minus | cst.Plus) and isinstance(
                node.expression, cst.Integer | cst.Float | cst.Imaginary
            )
        if isinstance(node, cst.Tuple | cst.List):
            return all(isinstance(e, cst.Element) and self.pure(e.value) for e in node.elements)
        return False
