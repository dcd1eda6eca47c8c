"""The chaos score: 0-100 (100 = healthy) and a grade A-F, per function, file and project.

Every metric is turned into a penalty by comparing it with its threshold ``T``:
``p(v, T) = x / (x + 1/2)`` with ``x = max(0, v/T - 1/2)`` — nothing below half the threshold,
half the weight at the threshold, three quarters at twice it, approaching the full weight. ``p`` never
decreases as ``v`` grows, so every score is monotone in every metric. The formulas are
documented in docs/metrics.md; keep the two in step.

Means are taken with equal weight per function (file score) and per function count (project
score), never weighted by a metric, so monotonicity holds for files and the project too.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..config import Thresholds
from .models import FileReport

FUNCTION_WEIGHTS = {
    "cognitive": 35.0,
    "cyclomatic": 20.0,
    "nesting": 20.0,
    "lines": 15.0,
    "parameters": 10.0,
}
MAINTAINABILITY_WEIGHT = 15.0
DUPLICATION_WEIGHT = 20.0
COUPLING_WEIGHT = 10.0
CYCLE_PENALTY = 5.0

_GRADES = ((90.0, "A"), (80.0, "B"), (70.0, "C"), (60.0, "D"), (50.0, "E"))


def penalty(value: float, threshold: float) -> float:
    x = value / threshold - 0.5 if threshold > 0 else 0.0
    return x / (x + 0.5) if x > 0 else 0.0


def grade(score: float) -> str:
    for floor, letter in _GRADES:
        if score >= floor:
            return letter
    return "F"


def function_score(
    *, cyclomatic: int, cognitive: int, nesting: int, lines: int, parameters: int, thresholds: Thresholds
) -> float:
    t = thresholds
    lost = (
        FUNCTION_WEIGHTS["cognitive"] * penalty(cognitive, t.cognitive)
        + FUNCTION_WEIGHTS["cyclomatic"] * penalty(cyclomatic, t.cyclomatic)
        + FUNCTION_WEIGHTS["nesting"] * penalty(nesting, t.nesting)
        + FUNCTION_WEIGHTS["lines"] * penalty(lines, t.function_lines)
        + FUNCTION_WEIGHTS["parameters"] * penalty(parameters, t.parameters)
    )
    return round(max(0.0, 100.0 - lost), 1)


def weighted_mean(pairs: Iterable[tuple[float, float]], default: float = 100.0) -> float:
    total = weight = 0.0
    for score, w in pairs:
        total += score * w
        weight += w
    return total / weight if weight else default


def file_weight(report: FileReport) -> int:
    """A file's weight in the project score: its number of functions (at least 1).

    Weights come from counts, never from a metric: weighting by lines would let a longer
    healthy function raise its file's score, breaking monotonicity."""
    return max(1, len(report.functions))


def file_score(
    *,
    functions: Iterable[tuple[float, float]],
    maintainability: float,
    duplicated_fraction: float,
    fan_out: int,
    in_cycle: bool,
    thresholds: Thresholds,
) -> float:
    """Mean of the function scores, less the module-level penalties."""
    t = thresholds
    base = weighted_mean(functions)
    lost = (
        MAINTAINABILITY_WEIGHT * penalty(t.maintainability, max(maintainability, 1e-9))
        + DUPLICATION_WEIGHT * min(1.0, max(0.0, duplicated_fraction))
        + COUPLING_WEIGHT * penalty(fan_out, t.fan_out)
        + (CYCLE_PENALTY if in_cycle else 0.0)
    )
    return round(max(0.0, base - lost), 1)
