"""Apply every refactoring that is offered at many positions of real code, and re-check each
result independently of the engine's own verification.

The test suite runs it on a bounded sample of stdlib modules; ``bench/refactor.py`` runs it on
the whole stdlib and reports the counts and times.
"""

from __future__ import annotations

import ast
import random
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from .document import SourceDocument
from .engine import apply, offers
from .models import Applied, Selection

_INTERESTING = (ast.BinOp, ast.BoolOp, ast.Compare, ast.Call, ast.Subscript, ast.Attribute)


@dataclass
class SweepResult:
    selections: int = 0
    offered: Counter = field(default_factory=Counter)
    applied: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)  # offered, then not proven at apply
    invalid: list[str] = field(default_factory=list)  # applied but wrong: must stay empty
    crashed: list[str] = field(default_factory=list)  # "internal error" refusals
    list_seconds: list[float] = field(default_factory=list)
    apply_seconds: dict[str, list[float]] = field(default_factory=dict)
    applied_ranges: list[tuple[str, str, Selection]] = field(default_factory=list)  # (path, rule, sel)

    def merge(self, other: SweepResult) -> None:
        self.selections += other.selections
        for name in ("offered", "applied", "refused"):
            getattr(self, name).update(getattr(other, name))
        self.invalid += other.invalid
        self.crashed += other.crashed
        self.list_seconds += other.list_seconds
        for rule, times in other.apply_seconds.items():
            self.apply_seconds.setdefault(rule, []).extend(times)
        self.applied_ranges += other.applied_ranges


def _blocks(tree: ast.AST) -> Iterator[list[ast.stmt]]:
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield block
        for handler in getattr(node, "handlers", ()) or ():
            yield handler.body


def selections(document: SourceDocument, limit: int, seed: int = 0) -> list[Selection]:
    """Cursors on statements, whole-line runs of 1-3 statements, exact expressions."""
    tree = document.tree
    if not isinstance(tree, ast.Module):
        return []
    found: list[Selection] = []
    for block in _blocks(tree):
        for i, stmt in enumerate(block):
            line = stmt.lineno - 1
            found.append(Selection.cursor(line, document.char_col(line, stmt.col_offset)))
            for width in (1, 2, 3):
                if i + width <= len(block):
                    last = block[i + width - 1]
                    found.append(Selection.lines(line, (last.end_lineno or last.lineno) - 1))
    for node in ast.walk(tree):
        if isinstance(node, _INTERESTING) and node.end_lineno is not None:
            start, end = node.lineno - 1, node.end_lineno - 1
            found.append(Selection(
                start_line=start, start_col=document.char_col(start, node.col_offset),
                end_line=end, end_col=document.char_col(end, node.end_col_offset or 0),
            ))
    rng = random.Random(seed)
    rng.shuffle(found)
    return found[:limit]


def check_applied(document: SourceDocument, outcome: Applied) -> str | None:
    """An independent re-check of an applied refactoring; the problem, or None."""
    text = document.text
    new = text
    starts = [0]
    for line in document.lines:
        starts.append(starts[-1] + len(line))
    for edit in sorted(outcome.edits, key=lambda e: (e.start_line, e.start_col), reverse=True):
        lo = starts[edit.start_line] + edit.start_col
        hi = starts[edit.end_line] + edit.end_col
        new = new[:lo] + edit.new_text + new[hi:]
    if new != outcome.new_source:
        return "the edits do not produce new_source"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(new, document.path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return f"does not compile: {exc}"
    return None


def sweep_source(text: str, path: str, limit: int = 200, seed: int = 0) -> SweepResult:
    result = SweepResult()
    document = SourceDocument(text, path)
    for selection in selections(document, limit, seed):
        result.selections += 1
        started = time.perf_counter()
        errors: list[str] = []
        found = offers(document, selection, errors=errors)
        result.list_seconds.append(time.perf_counter() - started)
        where = f"{path}:{selection.start_line + 1}:{selection.start_col + 1}"
        result.crashed += [f"{where} (listing) {error}" for error in errors]
        for offer in found:
            result.offered[offer.rule] += 1
            started = time.perf_counter()
            outcome = apply(document, selection, offer.rule)
            result.apply_seconds.setdefault(offer.rule, []).append(time.perf_counter() - started)
            if isinstance(outcome, Applied):
                problem = check_applied(document, outcome)
                if problem:
                    result.invalid.append(f"{where} {offer.rule}: {problem}")
                else:
                    result.applied[offer.rule] += 1
                    result.applied_ranges.append((path, offer.rule, selection))
            else:
                result.refused[offer.rule] += 1
                if outcome.reason.startswith("internal error"):
                    result.crashed.append(f"{where} {offer.rule}: {outcome.reason}")
    return result
