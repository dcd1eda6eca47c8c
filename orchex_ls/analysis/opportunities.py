"""Refactoring opportunities: where a known refactoring would raise the score the most.

Candidates are found per function from its ``ast`` (cheap structural patterns) in the worker;
ranking needs the whole project (weights, churn, whether tests import the module) and runs
once at the end. Each candidate carries the metric values the function would have after the
refactoring, so its gain is the score difference, not a guess in points.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..config import Thresholds
from .cognitive import Increment

_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.With, ast.AsyncWith, ast.Match)


@dataclass(frozen=True, slots=True)
class Candidate:
    kind: str
    symbol: str
    function_line: int  # with ``symbol``, identifies the function (qualnames can repeat)
    line: int
    end_line: int
    description: str
    after: tuple[int, int, int, int, int]  # cyclomatic, cognitive, nesting, lines, parameters
    size: int  # statements touched, for the risk estimate


def _statements(node: ast.stmt) -> int:
    # Statements only: expressions hold no statements, and walking them cost 4x as much.
    return sum(1 for _ in _walk_own([node]))


# Where each compound statement keeps its statements; simple statements have none.
_BLOCKS: dict[type, tuple[str, ...]] = {
    ast.If: ("body", "orelse"), ast.For: ("body", "orelse"), ast.AsyncFor: ("body", "orelse"),
    ast.While: ("body", "orelse"), ast.With: ("body",), ast.AsyncWith: ("body",),
    ast.Try: ("body", "handlers", "orelse", "finalbody"), ast.ExceptHandler: ("body",),
    ast.Match: ("cases",), ast.match_case: ("body",),
}
if hasattr(ast, "TryStar"):
    _BLOCKS[ast.TryStar] = _BLOCKS[ast.Try]


def _walk_own(body: list[ast.stmt]):
    """Statements of a function in source order, not descending into nested functions or
    classes (they are candidates of their own)."""
    stack = body[::-1]
    while stack:
        node = stack.pop()
        fields = _BLOCKS.get(type(node))
        if fields is None:
            yield node
            continue
        if isinstance(node, ast.stmt):
            yield node
        for name in reversed(fields):
            stack.extend(reversed(getattr(node, name)))


def _guard_clause(node, qualname: str, body: list[ast.stmt], metrics: tuple[int, int, int, int, int],
                  exit_word: str, where: str) -> Candidate | None:
    """guard-clause: an `if` that wraps the rest of a function or loop body."""
    if not _wrapping_if(body):
        return None
    cyclomatic, cognitive, nesting, lines, parameters = metrics
    inner = body[-1]
    size = _statements(inner)
    return Candidate(
        "guard-clause", qualname, node.lineno, inner.lineno, inner.end_lineno or inner.lineno,
        f"invert the `if` into an early `{exit_word}` to un-nest the {where} body",
        (cyclomatic, max(0, cognitive - size // 3), max(0, nesting - 1), lines, parameters), size,
    )


def function_candidates(
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    qualname: str,
    metrics: tuple[int, int, int, int, int],
    thresholds: Thresholds,
    increments: list[Increment],
) -> list[Candidate]:
    cyclomatic, cognitive, nesting, lines, parameters = metrics
    t = thresholds
    out: list[Candidate | None] = []

    for stmt in _walk_own(node.body):
        # merge-nested-ifs: `if a:` whose whole body is `if b:`, neither with an else.
        if (
            isinstance(stmt, ast.If) and not stmt.orelse and len(stmt.body) == 1
            and isinstance(stmt.body[0], ast.If) and not stmt.body[0].orelse
        ):
            out.append(Candidate(
                "merge-nested-ifs", qualname, node.lineno, stmt.lineno, stmt.end_lineno or stmt.lineno,
                "merge the nested `if` into its parent with `and`",
                (cyclomatic, max(1, cognitive - 2), max(0, nesting - 1), lines - 1, parameters), 2,
            ))
        elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
            out.append(_guard_clause(node, qualname, stmt.body, metrics, "continue", "loop"))
    out.append(_guard_clause(node, qualname, node.body, metrics, "return", "function"))

    if cognitive > t.cognitive or lines > t.function_lines or nesting > t.nesting:
        block = _heaviest_block(node, increments)
        if block is not None:
            stmt, weight = block
            size = _statements(stmt)
            out.append(Candidate(
                "extract-function", qualname, node.lineno, stmt.lineno, stmt.end_lineno or stmt.lineno,
                f"extract lines {stmt.lineno}-{stmt.end_lineno} (cognitive +{weight}) into a function",
                (max(1, cyclomatic - size // 2), max(0, cognitive - weight) + 1,
                 max(1, nesting - 1), max(1, lines - size + 1), parameters),
                size,
            ))
    if parameters > t.parameters:
        out.append(Candidate(
            "introduce-parameter-object", qualname, node.lineno, node.lineno, node.lineno,
            f"group the {parameters} parameters into a dataclass",
            (cyclomatic, cognitive, nesting, lines, max(1, parameters // 2)), parameters,
        ))
    return [c for c in out if c is not None]


def _wrapping_if(body: list[ast.stmt]) -> bool:
    """The body ends in an `if` without `else` that holds most of it (3+ statements)."""
    if not body or not isinstance(body[-1], ast.If) or body[-1].orelse:
        return False
    inner = body[-1]
    return len(inner.body) >= 3 and any(isinstance(s, _COMPOUND) for s in inner.body)


def _heaviest_block(
    node: ast.FunctionDef | ast.AsyncFunctionDef, increments: list[Increment]
) -> tuple[ast.stmt, int] | None:
    """The compound statement, at any depth, that holds the most cognitive increments
    while being at most two thirds of the function (extracting everything helps nobody)."""
    if not increments:
        return None
    total_lines = max(1, (node.end_lineno or node.lineno) - node.lineno)
    best: tuple[ast.stmt, int] | None = None
    for stmt in _walk_own(node.body):
        if not isinstance(stmt, _COMPOUND):
            continue
        start, end = stmt.lineno, stmt.end_lineno or stmt.lineno
        if end - start + 1 > total_lines * 2 / 3 or end - start < 2:
            continue
        weight = sum(i.amount for i in increments if start <= i.line <= end)
        if best is None or weight > best[1]:
            best = (stmt, weight)
    return best if best and best[1] > 0 else None
