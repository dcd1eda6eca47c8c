"""Conditions rewritten exactly: negation, parentheses, and "is this certainly a bool".

Two contexts differ. In an ``if`` test only truthiness matters, so ``not (a == b)`` may
become ``a != b`` (Python's default ``__ne__`` inverts ``__eq__``). As a returned value the
object itself matters: ``a == b`` may be a NumPy array, so only ``is``/``in`` comparisons,
which always give a bool, are inverted there.
"""

from __future__ import annotations

import libcst as cst

from ..dataflow import shadowed_builtin
from ..document import SourceDocument

_TRUTH_INVERSE = {
    cst.Equal: cst.NotEqual, cst.NotEqual: cst.Equal,
    cst.Is: cst.IsNot, cst.IsNot: cst.Is,
    cst.In: cst.NotIn, cst.NotIn: cst.In,
}
_BOOL_OPERATORS = (cst.Is, cst.IsNot, cst.In, cst.NotIn)  # the result is always a bool
# Builtins whose result is always a bool (isinstance() & co. coerce hooks' results).
PREDICATES = frozenset({"isinstance", "issubclass", "callable", "hasattr", "bool", "any", "all"})
# Builtins the shortcut trusts, so the file must not redefine them (len() gives an int).
TRUSTED = PREDICATES | {"len"}
# Literals of builtin scalar types: comparing two of them (or len()) gives a bool.
_SCALARS = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
_EMPTY = cst.Module(body=[])


def code(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node)


def paren(expr: cst.BaseExpression) -> cst.BaseExpression:
    if expr.lpar:
        return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def unparen(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``expr`` without redundant outer parentheses, where it stays valid as an ``if``
    test or a call argument (a tuple, yield, generator or lambda keeps them, and so does
    an expression spread over lines, which only the parentheses hold together)."""
    if not expr.lpar or isinstance(expr, cst.Tuple | cst.Yield | cst.GeneratorExp | cst.Lambda):
        return expr
    bare = expr.with_changes(lpar=[], rpar=[])
    return expr if "\n" in code(bare) or "\\" in code(bare) else bare


def _loose(expr: cst.BaseExpression) -> bool:
    """Binds looser than ``not``/``and`` (or reads ambiguously next to them)."""
    return isinstance(expr, cst.BooleanOperation | cst.IfExp | cst.Lambda | cst.NamedExpr | cst.Yield)


def not_(expr: cst.BaseExpression) -> cst.UnaryOperation:
    """``not expr``, parenthesized where needed (and around comparisons, for the reader)."""
    if not expr.lpar and (_loose(expr) or isinstance(expr, cst.Comparison)):
        expr = paren(expr)
    return cst.UnaryOperation(operator=cst.Not(), expression=expr)


def _swap(comparison: cst.Comparison, table) -> cst.Comparison | None:
    if len(comparison.comparisons) != 1:
        return None  # `not (a == b == c)` is no chained comparison
    target = comparison.comparisons[0]
    op = target.operator
    new_type = table.get(type(op))
    if new_type is None:
        return None
    new_op = new_type(whitespace_before=op.whitespace_before, whitespace_after=op.whitespace_after)
    return comparison.with_changes(comparisons=[target.with_changes(operator=new_op)])


def negate_test(expr: cst.BaseExpression) -> cst.BaseExpression:
    """A test true exactly when ``expr`` is false (``if`` context: truthiness only)."""
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
        return unparen(expr.expression)
    if isinstance(expr, cst.Comparison):
        swapped = _swap(expr, _TRUTH_INVERSE)
        if swapped is not None:
            return swapped
    return not_(expr)


def and_operand(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``expr`` fit to stand beside ``and`` with the same meaning."""
    if isinstance(expr, cst.BooleanOperation) and isinstance(expr.operator, cst.And):
        return expr
    return paren(expr) if _loose(expr) and not expr.lpar else expr


def as_return_value(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``expr`` fit for ``return <expr>`` (a bare walrus or yield needs parentheses)."""
    return paren(expr) if isinstance(expr, cst.NamedExpr | cst.Yield) else expr


# -- values that are certainly bools ------------------------------------------------------


def predicate_calls(expr: cst.BaseExpression) -> set[str]:
    """Names of the trusted builtins that ``certainly_bool`` would rely on in ``expr``."""
    out: set[str] = set()
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in TRUSTED:
            out.add(node.func.value)
        if isinstance(node, cst.BooleanOperation):
            stack += [node.left, node.right]
        elif isinstance(node, cst.IfExp):
            stack += [node.body, node.orelse]
        elif isinstance(node, cst.NamedExpr):
            stack.append(node.value)
        elif isinstance(node, cst.UnaryOperation):
            stack.append(node.expression)
        elif isinstance(node, cst.Comparison):
            stack += [node.left, *(t.comparator for t in node.comparisons)]
    return out


def _scalar(expr: cst.BaseExpression, builtins_ok: bool) -> bool:
    """``expr`` is certainly an int, float, complex, str or bytes (a literal, or len())."""
    if isinstance(expr, _SCALARS):
        return True
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus | cst.Plus):
        return isinstance(expr.expression, cst.Integer | cst.Float | cst.Imaginary)
    return (
        builtins_ok and isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name) and expr.func.value == "len"
    )


def certainly_bool(expr: cst.BaseExpression, builtins_ok: bool) -> bool:
    """``expr`` always evaluates to ``True`` or ``False`` (never merely truthy).
    ``builtins_ok``: the trusted builtins are known not to be redefined in the file."""
    if isinstance(expr, cst.UnaryOperation):
        return isinstance(expr.operator, cst.Not)  # (`not (a and b)`: see truth_value)
    if isinstance(expr, cst.Comparison):
        # Each link gives a bool: `is`/`in` always do; `==`, `<`... between builtin scalars.
        left = expr.left
        for target in expr.comparisons:
            exact = isinstance(target.operator, _BOOL_OPERATORS)
            if not exact and not (_scalar(left, builtins_ok) and _scalar(target.comparator, builtins_ok)):
                return False
            left = target.comparator
        return True
    if isinstance(expr, cst.Name):
        return expr.value in ("True", "False")
    if isinstance(expr, cst.BooleanOperation):
        return certainly_bool(expr.left, builtins_ok) and certainly_bool(expr.right, builtins_ok)
    if isinstance(expr, cst.IfExp):
        return certainly_bool(expr.body, builtins_ok) and certainly_bool(expr.orelse, builtins_ok)
    if isinstance(expr, cst.NamedExpr):
        return certainly_bool(expr.value, builtins_ok)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name):
        return builtins_ok and expr.func.value in PREDICATES
    return False


def builtins_problem(document: SourceDocument, names: set[str]) -> str | None:
    return shadowed_builtin(document, sorted(names))


def bool_call(expr: cst.BaseExpression) -> cst.Call:
    return cst.Call(func=cst.Name("bool"), args=[cst.Arg(value=unparen(expr))])


def truth_value(expr: cst.BaseExpression, builtins_ok: bool) -> cst.BaseExpression:
    """The bool that ``if expr`` tests, as a value that makes each truth test exactly
    once, as the ``if`` does: ``expr`` itself when certainly a bool, ``bool(expr)``
    otherwise, and ``and``/``or``/``not`` operand by operand (``bool(a and b)`` and
    ``not (a and b)`` test a falsy ``a`` twice: once in ``and``, once after it)."""
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
        return negated_value(unparen(expr.expression), builtins_ok)
    if isinstance(expr, cst.BooleanOperation):
        left = _operand(truth_value(expr.left, builtins_ok), expr.operator)
        right = _operand(truth_value(expr.right, builtins_ok), expr.operator)
        return expr.with_changes(left=left, right=right)
    if isinstance(expr, cst.IfExp):  # an `if` tests the chosen branch as a test, too
        body, orelse = truth_value(expr.body, builtins_ok), truth_value(expr.orelse, builtins_ok)
        return expr.with_changes(body=_branch(body), orelse=_branch(orelse))
    if certainly_bool(expr, builtins_ok):
        return expr
    return bool_call(expr)


def negated_value(expr: cst.BaseExpression, builtins_ok: bool) -> cst.BaseExpression:
    """The bool ``not expr``, each truth test made once (De Morgan for ``and``/``or``);
    as a value, only the always-bool comparisons are inverted."""
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
        return truth_value(unparen(expr.expression), builtins_ok)
    if isinstance(expr, cst.Comparison):
        swapped = _swap(expr, {k: v for k, v in _TRUTH_INVERSE.items() if k in _BOOL_OPERATORS})
        if swapped is not None:
            return swapped
    if isinstance(expr, cst.BooleanOperation):
        operator = cst.Or() if isinstance(expr.operator, cst.And) else cst.And()
        left = _operand(negated_value(unparen(expr.left), builtins_ok), operator)
        right = _operand(negated_value(unparen(expr.right), builtins_ok), operator)
        return cst.BooleanOperation(left=left, operator=operator, right=right)
    if isinstance(expr, cst.IfExp):
        body, orelse = negated_value(expr.body, builtins_ok), negated_value(expr.orelse, builtins_ok)
        return expr.with_changes(body=_branch(body), orelse=_branch(orelse))
    return not_(expr)


def _branch(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``expr`` fit for a branch of a conditional expression."""
    loose = isinstance(expr, cst.BooleanOperation | cst.IfExp | cst.Lambda | cst.NamedExpr | cst.Yield)
    return paren(expr) if loose and not expr.lpar else expr


def _operand(expr: cst.BaseExpression, operator: cst.BaseBooleanOp) -> cst.BaseExpression:
    """``expr`` fit to stand beside ``operator``: an ``and`` inside ``or`` (or the other
    way round) gets parentheses, for the reader where Python does not need them."""
    if isinstance(expr, cst.BooleanOperation) and not expr.lpar:
        return expr if type(expr.operator) is type(operator) else paren(expr)
    return paren(expr) if _loose(expr) and not expr.lpar else expr
