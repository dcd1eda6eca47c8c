"""Whether an expression needs parentheses where another expression stood.

Levels follow the grammar, loosest first (``lambda`` 0 ... atoms 15); an expression placed
in a slot that needs a tighter level is wrapped in parentheses. Unsure slots ask for the
tightest level, so the worst case is a redundant pair of parentheses, never a change of
meaning.
"""

from __future__ import annotations

import libcst as cst

ATOM = 15
_BINARY = {
    cst.BitOr: 6, cst.BitXor: 7, cst.BitAnd: 8, cst.LeftShift: 9, cst.RightShift: 9,
    cst.Add: 10, cst.Subtract: 10, cst.Multiply: 11, cst.Divide: 11, cst.FloorDivide: 11,
    cst.Modulo: 11, cst.MatrixMultiply: 11, cst.Power: 13,
}


def level(node: cst.BaseExpression) -> int:
    """How tightly ``node`` binds (-1: it needs parentheses almost anywhere)."""
    if getattr(node, "lpar", None):
        return ATOM
    if isinstance(node, cst.NamedExpr | cst.Yield | cst.Tuple | cst.StarredElement):
        return -1
    if isinstance(node, cst.Lambda):
        return 0
    if isinstance(node, cst.IfExp):
        return 1
    if isinstance(node, cst.BooleanOperation):
        return 2 if isinstance(node.operator, cst.Or) else 3
    if isinstance(node, cst.UnaryOperation):
        return 4 if isinstance(node.operator, cst.Not) else 12
    if isinstance(node, cst.Comparison):
        return 5
    if isinstance(node, cst.BinaryOperation):
        return _BINARY.get(type(node.operator), -1)
    if isinstance(node, cst.Await):
        return 14
    return ATOM


def required(parent: cst.CSTNode, child: cst.CSTNode) -> int:
    """The level an expression needs to stand as ``child`` of ``parent`` unparenthesized."""
    p = parent
    if isinstance(p, cst.BinaryOperation):
        op = _BINARY.get(type(p.operator), ATOM)
        if isinstance(p.operator, cst.Power):
            return op + 1 if child is p.left else 12
        return op if child is p.left else op + 1
    if isinstance(p, cst.UnaryOperation):
        return 4 if isinstance(p.operator, cst.Not) else 12
    if isinstance(p, cst.BooleanOperation):
        op = 2 if isinstance(p.operator, cst.Or) else 3
        return op if child is p.left else op + 1
    if isinstance(p, cst.Comparison | cst.ComparisonTarget):
        return 6
    if isinstance(p, cst.IfExp):
        return 1 if child is p.orelse else 2
    if isinstance(p, cst.Await | cst.Attribute | cst.Call | cst.Subscript):
        return ATOM  # the awaited value, the object, the callee, the subscripted value
    if isinstance(p, cst.Arg):
        return 6 if p.star else 0
    if isinstance(p, cst.StarredElement | cst.StarredDictElement):
        return 6
    if isinstance(p, cst.Element | cst.DictElement | cst.Index | cst.Slice | cst.NamedExpr):
        return 1
    if isinstance(p, cst.CompFor):
        return 2
    if isinstance(p, cst.Expr | cst.Return | cst.Assign | cst.AugAssign | cst.AnnAssign | cst.If | cst.While):
        return 0
    if isinstance(p, cst.For | cst.WithItem | cst.Raise | cst.Lambda):
        return 0
    return ATOM


def fits(expression: cst.BaseExpression, parent: cst.CSTNode, child: cst.CSTNode) -> bool:
    """``expression`` can replace ``child`` (a child of ``parent``) without parentheses."""
    if isinstance(parent, cst.FormattedStringExpression):
        return level(expression) == ATOM and not isinstance(
            expression, cst.Dict | cst.Set | cst.DictComp | cst.SetComp
        )
    if isinstance(parent, cst.Attribute) and isinstance(expression, cst.Integer) and not expression.lpar:
        return False  # `1.real` is a syntax error
    return level(expression) >= max(required(parent, child), 0)


def parenthesized(expression: cst.BaseExpression) -> cst.BaseExpression:
    return expression.with_changes(
        lpar=[cst.LeftParen(), *expression.lpar], rpar=[*expression.rpar, cst.RightParen()]
    )
