"""Turning bytes on disk into a parsed module, or into a clear reason why not.

Everything that can go wrong with an input file is decided here, so the metric code only
ever sees text that decoded and an ``ast.Module`` that parsed.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
import warnings
from dataclasses import dataclass

# Python frames do not use the C stack since 3.11, so a deep limit is safe there; on 3.10
# each frame costs C stack and the main thread's 8 MB holds roughly this many.
RECURSION_LIMIT = 12000 if sys.version_info >= (3, 11) else 4000


class SourceProblem(Exception):
    """The file cannot be analysed at all (it lands in the report's ``skipped``)."""


@dataclass(frozen=True, slots=True)
class ParseError:
    """The file is text but not valid Python for this interpreter (finding OCX100)."""

    message: str
    line: int
    column: int
    end_line: int
    end_column: int


def decode(data: bytes) -> str:
    """Decode Python source bytes honouring a BOM and a PEP 263 coding cookie."""
    if b"\0" in data[:8192]:
        raise SourceProblem("binary file (contains NUL bytes)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        # Without a coding cookie, detect_encoding only says the first lines aren't UTF-8;
        # decoding tells the user which byte, which is what they need to fix it.
        encoding = "utf-8" if "invalid or missing" in str(exc) else ""
        if not encoding:
            raise SourceProblem(f"unknown source encoding: {exc.msg}") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceProblem(
            f"not valid {encoding} text: byte 0x{data[exc.start]:02x} at line {line}"
        ) from None
    except LookupError:
        raise SourceProblem(f"unknown source encoding {encoding!r}") from None
    return text[1:] if text.startswith("\ufeff") else text


_NEWER_SYNTAX = (
    (re.compile(r"^\s*type\s+[A-Za-z_]\w*\s*(\[|=)"), (3, 12), "a `type` alias statement (PEP 695)"),
    (re.compile(r"^\s*(async\s+)?def\s+\w+\s*\["), (3, 12), "generic function syntax (PEP 695)"),
    (re.compile(r"^\s*class\s+\w+\s*\["), (3, 12), "generic class syntax (PEP 695)"),
    (re.compile(r"^\s*except\s*\*"), (3, 11), "`except*` (PEP 654)"),
    (re.compile(r"^\s*except\s+[^:(]+,[^:]+:"), (3, 14), "`except A, B:` without brackets (PEP 758)"),
    (re.compile(r"\bt(['\"])"), (3, 14), "template strings (PEP 750)"),
)


def _newer_syntax_hint(line_text: str, message: str) -> str | None:
    for pattern, version, what in _NEWER_SYNTAX:
        if sys.version_info < version and pattern.search(line_text):
            return (
                f"uses {what}, which needs Python {version[0]}.{version[1]}+; orchex runs on "
                f"Python {sys.version_info[0]}.{sys.version_info[1]} — run it under a newer "
                "Python to analyse this file"
            )
    if sys.version_info < (3, 12) and "f-string" in message:
        return (
            "f-string syntax error; if the code uses Python 3.12 f-strings (PEP 701: nested "
            "quotes, backslashes or comments inside braces), run orchex under Python 3.12+"
        )
    return None


def parse(text: str, filename: str) -> ast.Module | ParseError:
    """Parse with the stdlib ``ast``; every failure becomes a :class:`ParseError`."""
    try:
        with warnings.catch_warnings():
            # Invalid escape sequences etc. are the linters' business, not ours.
            warnings.simplefilter("ignore")
            return ast.parse(text, filename=filename)
    except SyntaxError as exc:
        line = exc.lineno or 1
        column = exc.offset or 1
        lines = text.splitlines()
        line_text = lines[line - 1] if 0 < line <= len(lines) else ""
        message = f"syntax error: {exc.msg}"
        hint = _newer_syntax_hint(line_text, exc.msg or "")
        if hint:
            message = f"{message} — {hint}"
        end_line = exc.end_lineno or line
        end_column = exc.end_offset if exc.end_offset and exc.end_offset > 0 else column + 1
        if end_line < line or (end_line == line and end_column <= column):
            end_line, end_column = line, column + 1
        return ParseError(message, line, column, end_line, end_column)
    except (RecursionError, MemoryError):
        return ParseError("the file is nested too deeply for Python's parser", 1, 1, 1, 2)
    except ValueError as exc:  # e.g. "source code string cannot contain null bytes"
        return ParseError(f"cannot parse: {exc}", 1, 1, 1, 2)


def char_column(lines: list[str], line: int, byte_offset: int) -> int:
    """1-based character column from ast's UTF-8 byte offset."""
    if 0 < line <= len(lines):
        text = lines[line - 1]
        if not text.isascii():
            return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace")) + 1
    return byte_offset + 1
