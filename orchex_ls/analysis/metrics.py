"""One walk of a module's ``ast`` that yields every structural metric at once.

Cyclomatic complexity follows radon's ``ComplexityVisitor`` rule for rule (so our values
equal ``radon cc``): +1 for ``if``/ternary/``assert``/each loop and its ``else``/each
``except`` and a ``try``'s ``else``/each comprehension and its ``if``s/each ``and``-``or``
operand after the first/each non-wildcard ``case``; nested functions and classes are their own
units and add nothing to the enclosing one; decorators and default values are not counted.
Halstead counts follow radon's ``HalsteadVisitor`` (operands are keyed by the enclosing
function's name, as radon does).
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field

from .cognitive import Increment, cognitive_increments

_FUNC = (ast.FunctionDef, ast.AsyncFunctionDef)
_NESTING = (
    ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.With, ast.AsyncWith, ast.Match,
) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())
_LOOPS = (ast.For, ast.AsyncFor, ast.While)


@dataclass(slots=True)
class FunctionRecord:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    name: str
    qualname: str
    parent: str  # "module" | "class" | "function"
    cyclomatic: int = 1
    nesting: int = 0
    lines: int = 0
    returns: int = 0
    cognitive: int = 0
    increments: list[Increment] = field(default_factory=list)  # where `cognitive` comes from

    @property
    def is_method(self) -> bool:
        return self.parent == "class"

    @property
    def parameters(self) -> int:
        args = self.node.args
        count = len(args.posonlyargs) + len(args.args) + len(args.kwonlyargs)
        count += (args.vararg is not None) + (args.kwarg is not None)
        # `self`/`cls` are not parameters a caller passes.
        if self.is_method and (args.posonlyargs or args.args) and not _is_staticmethod(self.node):
            count -= 1
        return count


@dataclass(slots=True)
class ClassRecord:
    node: ast.ClassDef
    qualname: str
    parent: str
    decisions: int = 0  # decision points in the class body outside methods
    methods: list[FunctionRecord] = field(default_factory=list)

    @property
    def real_complexity(self) -> int:
        return 1 + self.decisions + sum(m.cyclomatic for m in self.methods)

    @property
    def cyclomatic(self) -> int:
        """radon's class value: average method complexity, +1 with several methods."""
        if not self.methods:
            return self.real_complexity
        n = len(self.methods)
        return int(self.real_complexity / n) + (n > 1)


@dataclass(slots=True)
class HalsteadCounts:
    operators: int = 0
    operands: int = 0
    operators_seen: set = field(default_factory=set)
    operands_seen: set = field(default_factory=set)

    def report(self) -> dict[str, float]:
        h1, h2 = len(self.operators_seen), len(self.operands_seen)
        n1, n2 = self.operators, self.operands
        vocabulary, length = h1 + h2, n1 + n2
        volume = length * math.log2(vocabulary) if vocabulary > 0 else 0.0
        difficulty = (h1 / 2) * (n2 / h2) if h2 else 0.0
        return {
            "distinct_operators": h1,
            "distinct_operands": h2,
            "operators": n1,
            "operands": n2,
            "vocabulary": vocabulary,
            "length": length,
            "volume": volume,
            "difficulty": difficulty,
            "effort": difficulty * volume,
            "bugs": volume / 3000,
        }


# Nodes with nothing below them that any metric looks at (operator and context nodes are
# read from their parent): skipping them halves the calls of a walk.
_LEAVES = frozenset({ast.Name, ast.Constant, ast.alias, ast.arg, str, type(None), int})
AST = ast.AST
_SKIPPED_FIELDS = frozenset({"ctx", "op", "ops", "type_comment", "kind"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(kind: type) -> tuple[str, ...]:
    fields = tuple(f for f in kind._fields if f not in _SKIPPED_FIELDS)
    _CHILD_FIELDS[kind] = fields
    return fields


def _is_staticmethod(node: ast.AST) -> bool:
    for dec in node.decorator_list:
        if isinstance(dec, ast.Name) and dec.id == "staticmethod":
            return True
    return False


def _operand_key(node: ast.AST):
    kind = type(node)
    if kind is ast.Name:
        return node.id
    if kind is ast.Attribute:
        return node.attr
    if kind is ast.Constant:
        return node.value
    return node  # radon keys anything else by identity


@dataclass(slots=True)
class ModuleWalk:
    functions: list[FunctionRecord] = field(default_factory=list)
    classes: list[ClassRecord] = field(default_factory=list)
    module_decisions: int = 0
    halstead: HalsteadCounts = field(default_factory=HalsteadCounts)
    statements: int = 0
    docstring_lines: int = 0  # lines of string-only statements (radon's "multi")
    max_nesting: int = 0

    @property
    def total_cyclomatic(self) -> int:
        """radon's ``total_complexity`` of a module (the input of its MI formula)."""
        top_functions = sum(f.cyclomatic - 1 for f in self.functions if f.parent == "module")
        top_classes = sum(c.real_complexity - 1 for c in self.classes if c.parent == "module")
        return 1 + self.module_decisions + top_functions + top_classes


class _Walker:
    """Recursive walk; ``_unit`` is the function or class that owns decision points."""

    def __init__(self) -> None:
        self.out = ModuleWalk()
        self._func: FunctionRecord | None = None
        self._cls: ClassRecord | None = None
        self._scope: list[str] = []
        self._context: str | None = None  # Halstead operand context (function name)
        self._count_cc = True  # radon does not look inside `assert`
        self._depth = 0  # nesting depth inside the current function
        self._elifs: set[int] = set()

    # -- decision points ----------------------------------------------------------
    def _decide(self, amount: int) -> None:
        if not self._count_cc or amount == 0:
            return
        if self._func is not None:
            self._func.cyclomatic += amount
        elif self._cls is not None:
            self._cls.decisions += amount
        else:
            self.out.module_decisions += amount

    # -- walk -----------------------------------------------------------------------
    def visit(self, node: ast.AST) -> None:
        kind = type(node)
        if isinstance(node, ast.stmt):
            self._statement(node, kind)
            return
        if kind is ast.BoolOp:
            self._decide(len(node.values) - 1)
            self._halstead(1, len(node.values), type(node.op).__name__, node.values)
        elif kind is ast.BinOp:
            self._halstead(1, 2, type(node.op).__name__, (node.left, node.right))
        elif kind is ast.Compare:
            h = self.out.halstead
            h.operators += len(node.ops)
            h.operands += len(node.comparators) + 1
            for op in node.ops:
                h.operators_seen.add(type(op).__name__)
            ctx = self._context
            for operand in node.comparators:
                h.operands_seen.add((ctx, _operand_key(operand)))
            h.operands_seen.add((ctx, _operand_key(node.left)))
        elif kind is ast.UnaryOp:
            self._halstead(1, 1, type(node.op).__name__, (node.operand,))
        elif kind is ast.IfExp:
            self._decide(1)
        elif kind is ast.comprehension:
            self._decide(len(node.ifs) + 1)
        self._children(node)

    def _children(self, node: ast.AST) -> None:
        visit = self.visit
        fields = _CHILD_FIELDS.get(type(node))
        if fields is None:
            fields = _child_fields(type(node))
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if type(item) not in _LEAVES and isinstance(item, AST):
                        visit(item)
            elif type(value) not in _LEAVES and isinstance(value, AST):
                visit(value)

    def _halstead(self, n_ops: int, n_operands: int, op: str, operands) -> None:
        h = self.out.halstead
        h.operators += n_ops
        h.operands += n_operands
        h.operators_seen.add(op)
        ctx = self._context
        for operand in operands:
            h.operands_seen.add((ctx, _operand_key(operand)))

    def _statement(self, node: ast.stmt, kind: type) -> None:
        self.out.statements += 1
        func = self._func
        if kind in (ast.FunctionDef, ast.AsyncFunctionDef):
            self._function(node)
            return
        if kind is ast.ClassDef:
            self._class(node)
            return
        if kind is ast.Return:
            if func is not None:
                func.returns += 1
        elif kind is ast.If:
            self._decide(1)
        elif kind in _LOOPS:
            self._decide(1 + bool(node.orelse))
        elif kind is ast.Try:
            self._decide(len(node.handlers) + bool(node.orelse))
        elif kind is ast.Match:
            wildcard = any(getattr(c.pattern, "pattern", False) is None for c in node.cases)
            self._decide(max(0, len(node.cases) - wildcard))
        elif kind is ast.Assert:
            self._decide(1)
            saved, self._count_cc = self._count_cc, False
            self._children(node)
            self._count_cc = saved
            return
        elif kind is ast.Expr and type(node.value) is ast.Constant and isinstance(node.value.value, str):
            self.out.docstring_lines += (node.end_lineno or node.lineno) - node.lineno + 1
        elif kind is ast.AugAssign:
            self._halstead(1, 2, type(node.op).__name__, (node.target, node.value))
        if isinstance(node, _NESTING):
            self._nested(node, kind)
        else:
            self._children(node)

    def _nested(self, node: ast.stmt, kind: type) -> None:
        # An `elif` is written at the depth of its `if`: don't count it as one level deeper.
        is_elif = kind is ast.If and id(node) in self._elifs
        if not is_elif:
            self._depth += 1
            if self._func is not None and self._depth > self._func.nesting:
                self._func.nesting = self._depth
            if self._depth > self.out.max_nesting:
                self.out.max_nesting = self._depth
        if (
            kind is ast.If and len(node.orelse) == 1 and type(node.orelse[0]) is ast.If
            and node.orelse[0].col_offset == node.col_offset  # `elif`, not `else:` + indented `if`
        ):
            self._elifs.add(id(node.orelse[0]))
        self._children(node)
        if not is_elif:
            self._depth -= 1

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        parent = "function" if self._func is not None else ("class" if self._cls is not None else "module")
        qualname = ".".join((*self._scope, node.name))
        record = FunctionRecord(node, node.name, qualname, parent)
        self.out.functions.append(record)
        if parent == "class" and self._cls is not None:
            self._cls.methods.append(record)
        saved = (self._func, self._cls, self._context, self._depth, self._count_cc)
        self._func, self._cls, self._context, self._depth, self._count_cc = (
            record, None, node.name, 0, True,
        )
        self._scope.append(node.name)
        self._scope.append("<locals>")
        body = node.body
        first = self.out.statements
        for stmt in body:
            self.visit(stmt)
        # Every statement of the body, nested definitions included; the docstring is not code.
        record.lines = self.out.statements - first - (bool(body) and _is_docstring(body[0]))
        del self._scope[-2:]
        self._func, self._cls, self._context, self._depth, self._count_cc = saved
        record.increments = cognitive_increments(node)
        record.cognitive = sum(i.amount for i in record.increments)

    def _class(self, node: ast.ClassDef) -> None:
        parent = "function" if self._func is not None else ("class" if self._cls is not None else "module")
        qualname = ".".join((*self._scope, node.name))
        record = ClassRecord(node, qualname, parent)
        self.out.classes.append(record)
        saved = (self._func, self._cls, self._depth, self._count_cc)
        # Decorators and bases count for Halstead (radon walks them) but not for cyclomatic.
        self._count_cc = False
        for dec in node.decorator_list:
            self.visit(dec)
        for base in node.bases:
            self.visit(base)
        for keyword in node.keywords:
            self.visit(keyword)
        self._func, self._cls, self._count_cc = None, record, True
        self._scope.append(node.name)
        for stmt in node.body:
            self.visit(stmt)
        self._scope.pop()
        self._func, self._cls, self._depth, self._count_cc = saved


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        type(stmt) is ast.Expr
        and type(stmt.value) is ast.Constant
        and isinstance(stmt.value.value, str)
    )


def walk_module(tree: ast.Module) -> ModuleWalk:
    walker = _Walker()
    for stmt in tree.body:
        walker.visit(stmt)
    return walker.out
