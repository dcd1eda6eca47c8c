"""Cognitive complexity of one function, after G. Ann Campbell's SonarSource white paper.

The score is built from three kinds of increment (see docs/cognitive-complexity.md):

* structural, ``1 + nesting``: ``if``, ternary (``IfExp``), ``for``/``while``/``async for``,
  ``except`` handler, ``match`` (Python's switch: one increment for the whole statement),
  and the ``for`` of a comprehension;
* hybrid, ``1`` whatever the nesting: ``elif``, ``else`` of an ``if``, ``else`` of a loop
  (Python's stand-in for the paper's jump to a label), ``if`` filter of a comprehension;
* fundamental, ``1``: each run of like boolean operators, read in source order with
  parentheses ignored and ``not (...)`` starting a new run; one for a function that
  calls itself by name.

Nesting grows inside the bodies of ``if``/``elif``/``else``, loops, ``except`` and
``match`` cases, inside ternary branches, comprehension elements, lambdas and nested
functions; the contents of nested functions and lambdas count toward the enclosing
function.  ``try``, ``finally``, ``with`` and class bodies do not nest.  A decorator
(a function whose body is just a nested function and a ``return``) does not nest its
inner function, as the paper's appendix on Python decorators says.

Where the paper is silent we follow complexipy 8.3.0, the reference we measure against
(``bench/cognitive_agreement.py``): comprehensions, ``try``/``else`` (free), methods of
a class defined inside a function (no extra nesting), recursion found by name only.

The work is one recursive pass over the function's ``ast`` with dispatch on
``type(node)``.  Very deep input raises ``RecursionError``; callers catch it per file.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import NamedTuple

__all__ = ["Increment", "cognitive_complexity", "cognitive_increments"]

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


class Increment(NamedTuple):
    """One contribution to a function's score.

    ``line`` is 1-based; ``column`` is the 0-based ``col_offset`` that ``ast`` reports
    (a UTF-8 byte offset).  ``ast`` keeps no position for keywords, so an ``else`` is
    placed at the first statement of its block, a ternary at its start (the value before
    ``if``), a comprehension clause at its target or filter, and a boolean-operator run
    at the operand just after its first operator (where the operator sits when a
    condition is broken before operators, as PEP 8 advises).
    """

    line: int
    column: int
    amount: int
    reason: str


_DEF_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)

# Fields that never hold an expression worth visiting: names, contexts, operators,
# annotations (type expressions carry no control flow) and constant payloads.
_SKIPPED_FIELDS = frozenset(
    [
        "ctx",
        "id",
        "attr",
        "arg",
        "name",
        "names",
        "op",
        "ops",
        "conversion",
        "kind",
        "type_comment",
        "is_async",
        "level",
        "module",
        "rest",
        "kwd_attrs",
        "tag",
        "annotation",
        "returns",
        "type_params",
        "type_ignores",
        "simple",
    ]
)


def _child_fields(cls: type) -> tuple[str, ...]:
    if cls in (ast.Constant, ast.arg, ast.alias) or not issubclass(cls, ast.AST):
        return ()
    return tuple(f for f in cls._fields if f not in _SKIPPED_FIELDS)


# Precomputed once: per node type, the fields the generic visit descends into.
_FIELDS: dict[type, tuple[str, ...]] = {
    cls: _child_fields(cls)
    for cls in vars(ast).values()
    if isinstance(cls, type) and issubclass(cls, ast.AST)
}
# Only defaults hold runtime expressions in a signature.
_FIELDS[ast.arguments] = ("defaults", "kw_defaults")
# Patterns hold only literals, names and attributes.
_FIELDS[ast.match_case] = ("guard", "body")


def _is_decorator(func: FunctionNode) -> bool:
    """The paper's Python exception: only a nested function and a ``return``."""
    body = func.body
    return len(body) == 2 and isinstance(body[0], _DEF_TYPES) and type(body[1]) is ast.Return


class _Scorer:
    """Accumulates the increments of one top-level function in a single pass."""

    __slots__ = ("current", "increments", "nesting", "recursive")

    def __init__(self, name: str) -> None:
        self.increments: list[Increment] = []
        self.nesting = 0
        # Name that a bare call must use to be recursion; None inside a lambda.
        self.current: str | None = name
        # Functions (by name) already given their recursion increment.
        self.recursive: set[str] = set()

    # -- plumbing -----------------------------------------------------------------

    def add(self, node: ast.AST, amount: int, reason: str) -> None:
        self.increments.append(Increment(node.lineno, node.col_offset, amount, reason))

    def structural(self, node: ast.AST, what: str) -> None:
        nesting = self.nesting
        reason = f"{what} (nesting {nesting})" if nesting else what
        self.increments.append(Increment(node.lineno, node.col_offset, 1 + nesting, reason))

    def visit(self, node: ast.AST) -> None:
        _HANDLERS.get(type(node), _Scorer.generic)(self, node)

    def visit_list(self, nodes: list) -> None:
        handlers = _HANDLERS
        generic = _Scorer.generic
        for node in nodes:
            handler = handlers.get(type(node), generic)
            if handler is not _skip:  # leaves are most nodes: spare the call
                handler(self, node)

    def nested_block(self, body: list[ast.stmt]) -> None:
        self.nesting += 1
        self.visit_list(body)
        self.nesting -= 1

    def generic(self, node: ast.AST) -> None:
        handlers = _HANDLERS
        generic = _Scorer.generic
        for field in _FIELDS.get(type(node), ()):
            value = getattr(node, field, None)
            if type(value) is list:
                for item in value:
                    handler = handlers.get(type(item), generic)
                    if handler is not _skip:
                        handler(self, item)
            else:
                handler = handlers.get(type(value), generic)
                if handler is not _skip:
                    handler(self, value)

    # -- statements -----------------------------------------------------------------

    def if_(self, node: ast.If) -> None:
        self.structural(node, "if")
        self.visit(node.test)
        self.nested_block(node.body)
        orelse = node.orelse
        # `elif` is an If alone in orelse, starting at the parent's column; an `if`
        # inside an `else:` block is indented further.
        while (
            len(orelse) == 1
            and type(orelse[0]) is ast.If
            and orelse[0].col_offset == node.col_offset
        ):
            node = orelse[0]
            self.add(node, 1, "elif")
            self.visit(node.test)
            self.nested_block(node.body)
            orelse = node.orelse
        if orelse:
            self.add(orelse[0], 1, "else")
            self.nested_block(orelse)

    def loop(self, node: ast.For | ast.AsyncFor | ast.While) -> None:
        self.structural(node, "while" if type(node) is ast.While else "for")
        if type(node) is ast.While:
            self.visit(node.test)
        else:
            self.visit(node.target)
            self.visit(node.iter)
        self.nested_block(node.body)
        if node.orelse:
            # Runs only when the loop was not broken out of: the jump the paper's
            # `continue OUTER` (+1) expresses, without nesting like any `else`.
            self.add(node.orelse[0], 1, "loop else")
            self.visit_list(node.orelse)

    def try_(self, node: ast.Try) -> None:
        self.visit_list(node.body)
        for handler in node.handlers:
            self.structural(handler, "except")
            if handler.type is not None:
                self.visit(handler.type)
            self.nested_block(handler.body)
        # Paper: try and finally are free; complexipy agrees for `else` too.
        self.visit_list(node.orelse)
        self.visit_list(node.finalbody)

    def match(self, node: ast.Match) -> None:
        self.structural(node, "match")
        self.visit(node.subject)
        self.nesting += 1
        for case in node.cases:
            if case.guard is not None:
                self.visit(case.guard)
            self.visit_list(case.body)
        self.nesting -= 1

    def with_(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self.visit(item.optional_vars)
        self.visit_list(node.body)

    def function(self, node: FunctionNode) -> None:
        # Decorators and defaults run in the enclosing scope, at its nesting.
        self.visit_list(node.decorator_list)
        self.visit(node.args)
        self.nesting += 1
        self.function_body(node)
        self.nesting -= 1

    def function_body(self, node: FunctionNode) -> None:
        saved = self.current
        self.current = node.name
        body = node.body
        if _is_decorator(node):
            inner = body[0]
            self.visit_list(inner.decorator_list)
            self.visit(inner.args)
            self.function_body(inner)
            self.visit(body[1])
        else:
            self.visit_list(body)
        self.current = saved

    def class_(self, node: ast.ClassDef) -> None:
        # A class is a namespace, not a flow structure: its methods keep the nesting
        # of the class statement (complexipy; the paper does not discuss classes).
        self.visit_list(node.decorator_list)
        self.visit_list(node.bases)
        self.visit_list(node.keywords)
        saved = self.current
        self.current = None  # class-level code is no function: nothing to recurse into
        for stmt in node.body:
            if isinstance(stmt, _DEF_TYPES):
                self.visit_list(stmt.decorator_list)
                self.visit(stmt.args)
                self.function_body(stmt)
            else:
                self.visit(stmt)
        self.current = saved

    # -- expressions ----------------------------------------------------------------

    def bool_op(self, node: ast.BoolOp) -> None:
        self.bool_chain(node, [None])

    def bool_chain(self, node: ast.BoolOp, last: list[type | None]) -> None:
        # Python flattens `a and b and c` but nests on precedence or parentheses; the
        # paper reads operators left to right and counts each change of operator, so
        # walk the whole BoolOp tree in source order.  `not (...)` is a UnaryOp and
        # therefore starts a fresh chain when visited.
        op = type(node.op)
        first = True
        for value in node.values:
            if not first and op is not last[0]:
                last[0] = op
                word = "and" if op is ast.And else "or"
                self.add(value, 1, f"boolean operator sequence '{word}'")
            first = False
            if type(value) is ast.BoolOp:
                self.bool_chain(value, last)
            else:
                self.visit(value)

    def bin_op(self, node: ast.BinOp) -> None:
        # `a + b + c ...` nests to the left; walk that spine in a loop so long generated
        # concatenations do not use one stack frame per operand.
        rights = []
        while type(node) is ast.BinOp:
            rights.append(node.right)
            node = node.left
        self.visit(node)
        for right in reversed(rights):
            self.visit(right)

    def if_exp(self, node: ast.IfExp) -> None:
        self.structural(node, "ternary")
        self.visit(node.test)
        self.nesting += 1
        self.visit(node.body)
        self.visit(node.orelse)
        self.nesting -= 1

    def lambda_(self, node: ast.Lambda) -> None:
        self.visit(node.args)
        saved = self.current
        self.current = None  # a lambda has no name to recurse through
        self.nesting += 1
        self.visit(node.body)
        self.nesting -= 1
        self.current = saved

    def comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> None:
        self.generators(node.generators)
        self.nesting += 1
        self.visit(node.elt)
        self.nesting -= 1

    def dict_comp(self, node: ast.DictComp) -> None:
        self.generators(node.generators)
        self.nesting += 1
        self.visit(node.key)
        self.visit(node.value)
        self.nesting -= 1

    def generators(self, generators: list[ast.comprehension]) -> None:
        # Every `for` clause is a loop at the comprehension's own nesting; filters are
        # +1 and their conditions sit one level in (complexipy's reading).
        for gen in generators:
            self.structural(gen.target, "comprehension for")
            self.visit(gen.iter)
            for cond in gen.ifs:
                self.add(cond, 1, "comprehension if")
                self.nesting += 1
                self.visit(cond)
                self.nesting -= 1

    def call(self, node: ast.Call) -> None:
        func = node.func
        if type(func) is ast.Name:
            name = self.current
            if func.id == name and name not in self.recursive:
                self.recursive.add(name)
                self.add(node, 1, "recursion")
        else:
            self.visit(func)
        self.visit_list(node.args)
        for keyword in node.keywords:
            self.visit(keyword.value)


_Handler = Callable[[_Scorer, ast.AST], None]


def _skip(scorer: _Scorer, node: object) -> None:
    """Leaves and statements without expressions (also None in optional fields)."""


# Ordered roughly by frequency; the dict makes order irrelevant to speed anyway.
_HANDLERS: dict[type, _Handler] = {
    type(None): _skip,
    ast.Name: _skip,
    ast.Constant: _skip,
    ast.Call: _Scorer.call,
    ast.Expr: _Scorer.generic,
    ast.Assign: _Scorer.generic,
    ast.If: _Scorer.if_,
    ast.Return: _Scorer.generic,
    ast.BoolOp: _Scorer.bool_op,
    ast.BinOp: _Scorer.bin_op,
    ast.For: _Scorer.loop,
    ast.AsyncFor: _Scorer.loop,
    ast.While: _Scorer.loop,
    ast.Try: _Scorer.try_,
    ast.With: _Scorer.with_,
    ast.AsyncWith: _Scorer.with_,
    ast.IfExp: _Scorer.if_exp,
    ast.ListComp: _Scorer.comprehension,
    ast.SetComp: _Scorer.comprehension,
    ast.GeneratorExp: _Scorer.comprehension,
    ast.DictComp: _Scorer.dict_comp,
    ast.Lambda: _Scorer.lambda_,
    ast.FunctionDef: _Scorer.function,
    ast.AsyncFunctionDef: _Scorer.function,
    ast.ClassDef: _Scorer.class_,
    ast.Match: _Scorer.match,
    ast.Pass: _skip,
    ast.Break: _skip,
    ast.Continue: _skip,
    ast.Import: _skip,
    ast.ImportFrom: _skip,
    ast.Global: _skip,
    ast.Nonlocal: _skip,
}
if hasattr(ast, "TryStar"):  # Python 3.11+
    _HANDLERS[ast.TryStar] = _Scorer.try_


def cognitive_increments(func: FunctionNode) -> list[Increment]:
    """Every increment of ``func``'s cognitive complexity, in source order.

    Nested functions, classes and lambdas are part of ``func``.  Decorators, defaults
    and annotations of ``func`` itself are not: they belong to the enclosing scope.
    """
    scorer = _Scorer(func.name)
    scorer.function_body(func)
    return sorted(scorer.increments, key=lambda inc: (inc.line, inc.column))


def cognitive_complexity(func: FunctionNode) -> int:
    """The white paper's cognitive complexity of ``func``: the sum of its increments."""
    scorer = _Scorer(func.name)
    scorer.function_body(func)
    return sum(inc.amount for inc in scorer.increments)
