"""Hover on a function: its metrics against the thresholds, score, grade and the best
refactoring for it."""

from __future__ import annotations

from lsprotocol import types

from ...analysis.models import FunctionMetrics
from ...analysis.opportunities import Candidate
from ...analysis.score import function_score
from ...config import Thresholds
from ..server import OrchexServer
from .diagnostics import current_state

_ROWS = (
    ("cyclomatic", "cyclomatic", "cyclomatic"),
    ("cognitive", "cognitive", "cognitive"),
    ("nesting", "nesting", "nesting"),
    ("logical lines", "lines", "function_lines"),
    ("parameters", "parameters", "parameters"),
)


def function_at(functions: tuple[FunctionMetrics, ...], line: int) -> FunctionMetrics | None:
    """The innermost function whose lines hold ``line`` (1-based)."""
    holding = [f for f in functions if f.line <= line <= f.end_line]
    return max(holding, key=lambda f: f.line, default=None)


def best_candidate(function: FunctionMetrics, candidates: tuple[Candidate, ...], t: Thresholds) -> tuple[Candidate, float] | None:
    best = None
    for c in candidates:
        if c.symbol != function.qualname or c.function_line != function.line:
            continue
        cyc, cog, nest, lines, params = c.after
        gain = function_score(cyclomatic=cyc, cognitive=cog, nesting=nest, lines=lines, parameters=params, thresholds=t) - function.score
        if best is None or gain > best[1]:
            best = (c, gain)
    return best


def render(function: FunctionMetrics, t: Thresholds, candidate: tuple[Candidate, float] | None) -> str:
    kind = "method" if function.is_method else "function"
    rows = ["| metric | value | threshold |", "|---|---:|---:|"]
    for label, attr, limit_attr in _ROWS:
        value, limit = getattr(function, attr), getattr(t, limit_attr)
        mark = " ⚠" if value > limit else ""
        rows.append(f"| {label} | {value}{mark} | {limit} |")
    rows.append(f"| returns | {function.returns} | |")
    text = [f"**orchex** · {kind} `{function.qualname}` — score **{function.score:.1f}** (grade {function.grade})", "", *rows]
    if candidate is not None:
        c, gain = candidate
        text += ["", f"**Top refactoring:** `{c.kind}` (lines {c.line}–{c.end_line}): {c.description} — score +{gain:.1f}"]
    return "\n".join(text)


def register(server: OrchexServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: OrchexServer, params: types.HoverParams) -> types.Hover | None:
        state = await current_state(ls, params.text_document.uri)
        if state is None or state.analysis is None or state.analysis.report is None:
            return None
        function = function_at(state.analysis.report.functions, params.position.line + 1)
        if function is None:
            return None
        folder, _ = ls.state.folder_of(params.text_document.uri)
        t = folder.config.thresholds
        markdown = render(function, t, best_candidate(function, state.analysis.candidates, t))
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown))
