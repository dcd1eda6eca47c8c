"""Findings (OCX100-OCX110): one small builder per kind, shared by every front end."""

from __future__ import annotations

from collections.abc import Sequence

from ..config import CODES, Thresholds
from .models import Finding, FunctionMetrics, RelatedLocation, Severity
from .source import ParseError


def _severity(value: float, threshold: float) -> Severity:
    # Twice over the limit is no longer a smell, it's a problem.
    return "error" if value >= 2 * threshold else "warning"


def parse_error(path: str, error: ParseError) -> Finding:
    return Finding(
        code="OCX100", name=CODES["OCX100"], severity="error", message=error.message, path=path,
        line=error.line, column=error.column, end_line=error.end_line, end_column=error.end_column,
    )


# (code, metric attribute, threshold attribute, wording)
_FUNCTION_CHECKS = (
    ("OCX101", "cyclomatic", "cyclomatic", "cyclomatic complexity"),
    ("OCX102", "cognitive", "cognitive", "cognitive complexity"),
    ("OCX103", "nesting", "nesting", "nesting depth"),
    ("OCX104", "lines", "function_lines", "length"),
    ("OCX105", "parameters", "parameters", "parameter count"),
)


def function_findings(
    path: str, function: FunctionMetrics, name_span: tuple[int, int, int, int], thresholds: Thresholds
) -> list[Finding]:
    """OCX101-OCX105 for one function; the finding points at the function's name."""
    line, column, end_line, end_column = name_span
    kind = "method" if function.is_method else "function"
    out = []
    for code, attr, limit_attr, wording in _FUNCTION_CHECKS:
        value = getattr(function, attr)
        limit = getattr(thresholds, limit_attr)
        if value <= limit:
            continue
        unit = " logical lines" if attr == "lines" else ""
        out.append(
            Finding(
                code=code, name=CODES[code], severity=_severity(value, limit),
                message=f"{wording} of {kind} '{function.qualname}' is {value}{unit} (threshold {limit})",
                path=path, line=line, column=column, end_line=end_line, end_column=end_column,
                value=value, threshold=limit, symbol=function.qualname,
            )
        )
    return out


def low_maintainability(path: str, mi: float, threshold: float) -> Finding | None:
    if mi >= threshold:
        return None
    return Finding(
        code="OCX106", name=CODES["OCX106"], severity="warning",
        message=f"maintainability index of the module is {mi:.1f} (threshold {threshold:g})",
        path=path, line=1, column=1, end_line=1, end_column=1,
        value=round(mi, 2), threshold=threshold,
    )


def duplicate_code(
    path: str, line: int, end_line: int, lines: int, others: Sequence[RelatedLocation], threshold: int,
    kind: str, copies: int | None = None,
) -> Finding:
    copies = copies or len(others) + 1
    where = ", ".join(f"{o.path}:{o.line}" for o in others[:3]) + (" …" if copies > 4 else "")
    return Finding(
        code="OCX107", name=CODES["OCX107"], severity="warning",
        message=f"{lines} duplicated lines ({kind}, {copies} copies; threshold {threshold}), also at {where}",
        path=path, line=line, column=1, end_line=end_line, end_column=1,
        value=lines, threshold=threshold, related=tuple(others),
    )


def high_coupling(path: str, module: str, fan_out: int, threshold: int) -> Finding:
    return Finding(
        code="OCX108", name=CODES["OCX108"], severity="warning",
        message=f"module '{module}' imports {fan_out} workspace modules (fan-out threshold {threshold})",
        path=path, line=1, column=1, end_line=1, end_column=1, value=fan_out, threshold=threshold,
        symbol=module,
    )


def import_cycle(
    path: str, span: tuple[int, int, int, int], members: Sequence[str], related: Sequence[RelatedLocation]
) -> Finding:
    line, column, end_line, end_column = span
    chain = " → ".join((*members, members[0]))
    return Finding(
        code="OCX109", name=CODES["OCX109"], severity="warning",
        message=f"import cycle of {len(members)} modules: {chain}",
        path=path, line=line, column=column, end_line=end_line, end_column=end_column,
        value=len(members), related=tuple(related),
    )


def hotspot(path: str, commits: int, days: int, complexity: int, score: float) -> Finding:
    return Finding(
        code="OCX110", name=CODES["OCX110"], severity="info",
        message=(
            f"hotspot: changed in {commits} commits in the last {days} days with total "
            f"cyclomatic complexity {complexity} (hotspot score {score:.0f}/100)"
        ),
        path=path, line=1, column=1, end_line=1, end_column=1, value=round(score, 1),
    )
