"""The human-readable report: the score first, then where the work is."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from ..analysis.models import Report

TOP = 10
_GRADE_STYLE = {"A": "green", "B": "green", "C": "yellow", "D": "yellow", "E": "red", "F": "bold red"}


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", header_style="dim")
    for column in columns:
        numeric = column in {"score", "cyclo", "cogn", "nest", "lines", "params", "gain", "copies", "commits", "count", "fan-out"}
        table.add_column(column, justify="right" if numeric else "left", overflow="fold")
    return table


def render_text(report: Report, *, quiet: bool = False, color: bool = False, width: int = 120) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False)
    s = report.summary
    style = _GRADE_STYLE[s.grade]
    console.print(
        f"[bold]orchex[/] {report.root}: {s.files} files, {s.lines} lines, {s.functions} functions — "
        f"score [{style}]{s.score:.1f} ({s.grade})[/]"
    )
    if quiet:
        return buffer.getvalue()

    if s.findings:
        from ..config import CODES

        table = _table("Findings", "code", "name", "count")
        for code, count in s.findings.items():
            table.add_row(code, CODES.get(code, ""), str(count))
        console.print(table)

    functions = sorted(
        ((f, file.path) for file in report.files for f in file.functions),
        key=lambda item: (item[0].score, -item[0].cognitive, item[1], item[0].line),
    )
    worst = [item for item in functions if item[0].score < 100][:TOP]
    if worst:
        table = _table("Worst functions", "location", "function", "cyclo", "cogn", "nest", "lines", "params", "score")
        for f, path in worst:
            table.add_row(
                f"{path}:{f.line}", f.qualname, str(f.cyclomatic), str(f.cognitive), str(f.nesting),
                str(f.lines), str(f.parameters), f"[{_GRADE_STYLE[f.grade]}]{f.score:.1f} {f.grade}[/]",
            )
        console.print(table)

    files = sorted(report.files, key=lambda f: (f.score, f.path))
    files = [f for f in files if f.score < 100][:TOP]
    if files:
        table = _table("Worst files", "file", "score", "lines", "maintainability", "findings")
        for f in files:
            table.add_row(
                f.path, f"[{_GRADE_STYLE[f.grade]}]{f.score:.1f} {f.grade}[/]", str(f.metrics.lines),
                f"{f.metrics.maintainability:.1f}", str(len(f.findings)),
            )
        console.print(table)

    if report.duplicates:
        table = _table(f"Duplicate code ({len(report.duplicates)} clone groups)", "lines", "copies", "kind", "locations")
        for group in report.duplicates[:TOP]:
            where = ", ".join(f"{loc.path}:{loc.line}-{loc.end_line}" for loc in group.locations)
            table.add_row(str(group.lines), str(len(group.locations)), group.kind, where)
        console.print(table)

    if report.coupling.cycles:
        table = _table(f"Import cycles ({len(report.coupling.cycles)})", "modules")
        for cycle in report.coupling.cycles[:TOP]:
            table.add_row(" → ".join((*cycle, cycle[0])))
        console.print(table)

    if report.hotspots:
        table = _table("Hotspots (churn × complexity)", "file", "commits", "lines", "cyclo", "score")
        for h in report.hotspots[:TOP]:
            table.add_row(h.path, str(h.commits), str(h.lines_changed), str(h.complexity), f"{h.score:.0f}")
        console.print(table)

    if report.opportunities:
        table = _table("Top refactoring opportunities", "kind", "location", "what", "gain", "risk")
        for o in report.opportunities[:TOP]:
            table.add_row(o.kind, f"{o.path}:{o.line}", o.description, f"+{o.gain:.2f}", o.risk)
        console.print(table)

    if report.skipped:
        table = _table(f"Skipped ({len(report.skipped)})", "file", "reason")
        for item in report.skipped[:TOP]:
            table.add_row(item.path, item.reason)
        if len(report.skipped) > TOP:
            table.add_row("…", f"{len(report.skipped) - TOP} more (see --format json)")
        console.print(table)
    return buffer.getvalue()
