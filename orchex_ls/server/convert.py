"""Converters between the analyzer's records and LSP types (jedi-language-server's
``lsp_*`` helpers are the model): small, pure, no state."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path

from ..analysis.models import Finding, FunctionMetrics

SOURCE = "orchex"
_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}


def _utf16(text: str, column: int) -> int:
    """UTF-16 code units before code point ``column`` (LSP's default position encoding)."""
    prefix = text[:column]
    return len(prefix) + sum(1 for ch in prefix if ord(ch) > 0xFFFF)


def position(lines: Sequence[str], line: int, column: int, utf16: bool = True) -> types.Position:
    """1-based line and character column (ours) → 0-based LSP position."""
    index = max(0, line - 1)
    char = max(0, column - 1)
    if utf16 and index < len(lines):
        char = _utf16(lines[index], char)
    return types.Position(line=index, character=char)


def span(lines: Sequence[str], line: int, column: int, end_line: int, end_column: int, utf16: bool = True) -> types.Range:
    """A finding's region as an LSP range; whole-line regions (columns 1..1) cover the lines."""
    start = position(lines, line, column, utf16)
    if column == end_column == 1:
        last = max(0, end_line - 1)
        width = len(lines[last]) if last < len(lines) else 0
        end = types.Position(line=last, character=_utf16(lines[last], width) if utf16 and last < len(lines) else width)
    else:
        end = position(lines, end_line, end_column, utf16)
    if (end.line, end.character) < (start.line, start.character):
        end = start
    return types.Range(start=start, end=end)


def diagnostic(finding: Finding, lines: Sequence[str], root: Path, utf16: bool = True) -> types.Diagnostic:
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(
                uri=from_fs_path(str(root / r.path)) or "",
                # Other files' text is not at hand: their columns are taken as given.
                range=span([], r.line, r.column, r.end_line, r.end_column, utf16=False),
            ),
            message=r.message or "related",
        )
        for r in finding.related
    ]
    return types.Diagnostic(
        range=span(lines, finding.line, finding.column, finding.end_line, finding.end_column, utf16),
        message=finding.message,
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        source=SOURCE,
        related_information=related or None,
        data={"name": finding.name, "symbol": finding.symbol, "value": finding.value, "threshold": finding.threshold},
    )


def information(message: str) -> types.Diagnostic:
    """A single note at the top of a document (e.g. why it was not analysed)."""
    top = types.Position(line=0, character=0)
    return types.Diagnostic(
        range=types.Range(start=top, end=top), message=message,
        severity=types.DiagnosticSeverity.Information, source=SOURCE,
    )


def function_range(function: FunctionMetrics) -> types.Range:
    start = types.Position(line=function.line - 1, character=max(0, function.column - 1))
    return types.Range(start=start, end=start)
