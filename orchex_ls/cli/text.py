"""The human-readable report: the score first, then where the work is."""

from __future__ import annotations

import io
import shutil

from rich.console import Console
from rich.table import Table

from ..analysis.models import Report

TOP = 10
_GRADE_STYLE = {"A": "green", "B": "green", "C": "yellow", "D": "yellow", "E": "red", "F": "bold red"}


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", header_style="dim")
    for column in columns:
        numeric = column in {"score", "cyclo", "cogn", "nest", "lines", "lines changed", "params", "gain", "copies", "commits", "count"}
        table.add_column(column, justify="right" if numeric else "left", overflow="fold")
    return table


def _findings(report: Report) -> Table | None:
    from ..config import CODES

    if not report.summary.findings:
        return None
    table = _table("Findings", "code", "name", "count")
    for code, count in report.summary.findings.items():
        table.add_row(code, CODES.get(code, ""), str(count))
    return table


def _graded(score: float, letter: str) -> str:
    return f"[{_GRADE_STYLE[letter]}]{score:.1f} {letter}[/]"


def _worst_functions(report: Report) -> Table | None:
    ranked = sorted(
        ((f, file.path) for file in report.files for f in file.functions if f.score < 100),
        key=lambda item: (item[0].score, -item[0].cognitive, item[1], item[0].line),
    )
    if not ranked:
        return None
    table = _table("Worst functions", "location", "function", "cyclo", "cogn", "nest", "lines", "params", "score")
    for f, path in ranked[:TOP]:
        table.add_row(
            f"{path}:{f.line}", f.qualname, str(f.cyclomatic), str(f.cognitive), str(f.nesting),
            str(f.lines), str(f.parameters), _graded(f.score, f.grade),
        )
    return table


def _worst_files(report: Report) -> Table | None:
    ranked = sorted((f for f in report.files if f.score < 100), key=lambda f: (f.score, f.path))
    if not ranked:
        return None
    table = _table("Worst files", "file", "score", "lines", "maintainability", "findings")
    for f in ranked[:TOP]:
        table.add_row(
            f.path, _graded(f.score, f.grade), str(f.metrics.lines), f"{f.metrics.maintainability:.1f}",
            str(len(f.findings)),
        )
    return table


def _duplicates(report: Report) -> Table | None:
    if not report.duplicates:
        return None
    table = _table(f"Duplicate code ({len(report.duplicates)} clone groups)", "lines", "copies", "kind", "locations")
    for group in report.duplicates[:TOP]:
        where = ", ".join(f"{loc.path}:{loc.line}-{loc.end_line}" for loc in group.locations)
        table.add_row(str(group.lines), str(len(group.locations)), group.kind, where)
    return table


def _cycles(report: Report) -> Table | None:
    if not report.coupling.cycles:
        return None
    table = _table(f"Import cycles ({len(report.coupling.cycles)})", "modules")
    for cycle in report.coupling.cycles[:TOP]:
        table.add_row(" → ".join((*cycle, cycle[0])))
    return table


def _hotspots(report: Report) -> Table | None:
    if not report.hotspots:
        return None
    table = _table("Hotspots (churn × complexity)", "file", "commits", "lines changed", "cyclo", "score")
    for h in report.hotspots[:TOP]:
        table.add_row(h.path, str(h.commits), str(h.lines_changed), str(h.complexity), f"{h.score:.0f}")
    return table


def _opportunities(report: Report) -> Table | None:
    if not report.opportunities:
        return None
    table = _table("Top refactoring opportunities", "kind", "location", "what", "gain", "risk")
    for o in report.opportunities[:TOP]:
        what = f"{o.symbol}: {o.description}" if o.symbol and o.kind != "break-cycle" else o.description
        table.add_row(o.kind, f"{o.path}:{o.line}", what, f"+{o.gain:.2f}", o.risk)
    return table


def _skipped(report: Report) -> Table | None:
    if not report.skipped:
        return None
    table = _table(f"Skipped ({len(report.skipped)})", "file", "reason")
    for item in report.skipped[:TOP]:
        table.add_row(item.path, item.reason)
    if len(report.skipped) > TOP:
        table.add_row("…", f"{len(report.skipped) - TOP} more (see --format json)")
    return table


_SECTIONS = (
    _findings, _worst_functions, _worst_files, _duplicates, _cycles, _hotspots, _opportunities, _skipped,
)


def render_text(report: Report, *, quiet: bool = False, color: bool = False, width: int | None = None) -> str:
    """``color`` means "writing to a terminal": then the terminal's width is used too."""
    buffer = io.StringIO()
    if width is None:
        width = shutil.get_terminal_size((120, 24)).columns if color else 120
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False)
    s = report.summary
    console.print(
        f"[bold]orchex[/] {report.root}: {s.files} files, {s.lines} lines, {s.functions} functions — "
        f"score [{_GRADE_STYLE[s.grade]}]{s.score:.1f} ({s.grade})[/]"
    )
    if not quiet:
        for section in _SECTIONS:
            table = section(report)
            if table is not None:
                console.print(table)
    return buffer.getvalue()
