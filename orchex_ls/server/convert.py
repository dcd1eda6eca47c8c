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


def lsp_lines(text: str) -> list[str]:
    """Lines as LSP counts them: only \\n, \\r\\n and \\r end a line (``str.splitlines``
    also splits on form feeds and the like, which Python code does contain)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def units(text: str, column: int, encoding: str = "utf-16") -> int:
    """Code units of the negotiated position encoding before code point ``column``."""
    prefix = text[:column]
    if encoding == types.PositionEncodingKind.Utf32 or prefix.isascii():
        return len(prefix)
    if encoding == types.PositionEncodingKind.Utf8:
        return len(prefix.encode("utf-8", "surrogatepass"))
    return len(prefix) + sum(1 for ch in prefix if ord(ch) > 0xFFFF)


def position(lines: Sequence[str], line: int, column: int, encoding: str = "utf-16") -> types.Position:
    """1-based line and code-point column (ours) → 0-based LSP position."""
    index = max(0, line - 1)
    char = max(0, column - 1)
    if index < len(lines):
        char = units(lines[index], char, encoding)
    return types.Position(line=index, character=char)


def span(lines: Sequence[str], line: int, column: int, end_line: int, end_column: int,
         encoding: str = "utf-16") -> types.Range:
    """A finding's region as an LSP range; whole-line regions (columns 1..1) cover the lines."""
    start = position(lines, line, column, encoding)
    if column == end_column == 1:
        last = max(0, end_line - 1)
        text = lines[last] if last < len(lines) else ""
        end = types.Position(line=last, character=units(text, len(text), encoding))
    else:
        end = position(lines, end_line, end_column, encoding)
    if (end.line, end.character) < (start.line, start.character):
        end = start
    return types.Range(start=start, end=end)


def diagnostic(finding: Finding, lines: Sequence[str], root: Path, encoding: str = "utf-16",
               related: bool = True) -> types.Diagnostic:
    """``related``: whether the client takes relatedInformation (eglot does not)."""
    others = [
        types.DiagnosticRelatedInformation(
            location=types.Location(
                uri=from_fs_path(str(root / r.path)) or "",
                # Other files' text is not at hand: their columns are taken as given.
                range=span([], r.line, r.column, r.end_line, r.end_column),
            ),
            message=r.message or "related",
        )
        for r in finding.related
    ] if related else []
    return types.Diagnostic(
        range=span(lines, finding.line, finding.column, finding.end_line, finding.end_column, encoding),
        message=finding.message,
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        source=SOURCE,
        related_information=others or None,
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


def column(text: str, character: int, encoding: str = "utf-16") -> int:
    """The code-point column of ``character`` code units into ``text`` (``units`` inverted);
    a position past the end of the line means its end, as the protocol says."""
    if encoding == types.PositionEncodingKind.Utf32 or text.isascii():
        return min(character, len(text))
    count = 0
    for index, ch in enumerate(text):
        if count >= character:
            return index
        if encoding == types.PositionEncodingKind.Utf8:
            count += len(ch.encode("utf-8", "surrogatepass"))
        else:
            count += 2 if ord(ch) > 0xFFFF else 1
    return len(text)
