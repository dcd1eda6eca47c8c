"""Ranking refactoring opportunities: estimated gain in project score, discounted by risk.

The gain of a function-level candidate is the function's score after the refactoring minus
its score now, scaled by the function's share of its file (1 / functions) and the file's
share of the project (by function count) — the amount the project score would rise.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..config import Thresholds
from .coupling import CouplingResult
from .file_analysis import FileAnalysis
from .models import CloneGroup, FileReport, Opportunity
from .score import CYCLE_PENALTY, DUPLICATION_WEIGHT, function_score

_RISK_DISCOUNT = {"low": 1.0, "medium": 0.6, "high": 0.3}
LARGE_CHANGE = 30  # statements
FREQUENT_CHANGE = 10  # commits in the hotspot window


def is_test_path(path: str) -> bool:
    p = PurePosixPath(path)
    return (
        any(part in ("test", "tests", "testing") for part in p.parts[:-1])
        or p.name.startswith("test_") or p.name.endswith("_test.py") or p.name == "conftest.py"
    )


@dataclass(frozen=True)
class _Idea:
    kind: str
    path: str
    line: int
    end_line: int
    symbol: str | None
    description: str
    gain: float
    size: int
    module: str | None


class _Risk:
    """Risk of a change: its size, how often the file changes, whether tests import it."""

    def __init__(self, coupling: CouplingResult, churn: Mapping) -> None:
        self.churn = churn
        self.tested = {
            target for path, deps in coupling.modules.items() if is_test_path(path) for target in deps.imports
        }

    def __call__(self, idea: _Idea) -> tuple[str, tuple[str, ...]]:
        factors = []
        if idea.size > LARGE_CHANGE:
            factors.append(f"large change ({idea.size} statements)")
        commits = getattr(self.churn.get(idea.path), "commits", 0)
        if commits >= FREQUENT_CHANGE:
            factors.append(f"changed often ({commits} commits)")
        if idea.module is not None and idea.module not in self.tested and not is_test_path(idea.path):
            factors.append("no test imports this module")
        return ("low", "medium", "high")[min(2, len(factors))], tuple(factors)


def _function_ideas(parsed: list[FileAnalysis], reports: Mapping[str, FileReport],
                    shares: Mapping[str, float], t: Thresholds) -> Iterator[_Idea]:
    for a in parsed:
        functions = {(f.qualname, f.line): f for f in reports[a.path].functions}
        count = len(functions) or 1
        for c in a.candidates:
            fn = functions.get((c.symbol, c.function_line))
            if fn is None:
                continue
            cyc, cog, nest, lines, params = c.after
            after = function_score(cyclomatic=cyc, cognitive=cog, nesting=nest, lines=lines, parameters=params, thresholds=t)
            # A function's share of its file score is 1/count; the file's of the project, its share.
            gain = (after - fn.score) / count * shares[a.path]
            yield _Idea(c.kind, a.path, c.line, c.end_line, c.symbol, c.description, gain, c.size, a.module)


def _clone_ideas(groups: list[CloneGroup], reports: Mapping[str, FileReport],
                 shares: Mapping[str, float], modules: Mapping[str, str]) -> Iterator[_Idea]:
    for group in groups:
        # Removing all copies but one lifts the duplication penalty of the files they leave.
        gain = sum(
            DUPLICATION_WEIGHT * (loc.end_line - loc.line + 1) / max(1, reports[loc.path].metrics.lines)
            * shares[loc.path]
            for loc in group.locations[1:] if loc.path in reports
        )
        first = group.locations[0]
        where = ", ".join(f"{loc.path}:{loc.line}" for loc in group.locations[:4])
        more = f" and {len(group.locations) - 4} more" if len(group.locations) > 4 else ""
        yield _Idea(
            "remove-duplicate", first.path, first.line, first.end_line, None,
            f"{len(group.locations)} copies of {group.lines} lines ({where}{more}): extract one function",
            gain, group.lines * len(group.locations) // 2, modules.get(first.path),
        )


def _cycle_ideas(coupling: CouplingResult, shares: Mapping[str, float]) -> Iterator[_Idea]:
    for cycle in coupling.cycles:
        if cycle.local_only or not cycle.edges:
            continue
        edge = cycle.edges[0]
        chain = " → ".join((*cycle.modules, cycle.modules[0]))
        yield _Idea(
            "break-cycle", edge.path, edge.line, edge.end_line, edge.source,
            f"break the import cycle {chain} (e.g. move the import of {edge.target} into the "
            "function that uses it, or move the shared code to a module both import)",
            sum(CYCLE_PENALTY * shares.get(p, 0.0) for p in cycle.paths), len(cycle.modules), edge.source,
        )


def rank_opportunities(
    parsed: list[FileAnalysis], files: list[FileReport], groups: list[CloneGroup], coupling: CouplingResult,
    churn: Mapping, weights: Mapping[str, int], t: Thresholds,
) -> list[Opportunity]:
    total = sum(weights.values()) or 1
    shares = {path: w / total for path, w in weights.items()}
    reports = {f.path: f for f in files}
    risk = _Risk(coupling, churn)
    ideas = [
        *_function_ideas(parsed, reports, shares, t),
        *_clone_ideas(groups, reports, shares, {a.path: a.module for a in parsed}),
        *_cycle_ideas(coupling, shares),
    ]
    out = []
    for idea in ideas:
        level, factors = risk(idea)
        gain = round(max(0.0, idea.gain), 3)
        out.append(Opportunity(
            kind=idea.kind, path=idea.path, line=idea.line, end_line=idea.end_line, symbol=idea.symbol,
            description=idea.description, gain=gain, risk=level, risk_factors=factors,
            priority=round(gain * _RISK_DISCOUNT[level], 4),
        ))
    out.sort(key=lambda o: (-o.priority, -o.gain, o.path, o.line))
    return out
