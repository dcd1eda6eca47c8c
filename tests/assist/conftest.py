"""A small project on disk whose code the AI-refactoring tests ask about."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from orchex_ls.refactor.models import TextEdit

CORE = textwrap.dedent(
    '''\
    """Parsing helpers."""

    from __future__ import annotations

    import os
    from dataclasses import dataclass

    LIMIT = 10


    @dataclass(frozen=True)
    class Parser(object):
        """Parses lines."""

        strict: bool = False

        def parse(self, text, *, limit=LIMIT):
            out = []
            for line in text.splitlines():
                if line:
                    if line.startswith("#"):
                        continue
                    else:
                        if len(out) < limit:
                            out.append(line.strip())
            return out

        def size(self):
            return 1


    def tokens(text, strict=False):
        result = []
        for part in text.split():
            if part:
                if strict:
                    if part.isalpha():
                        result.append(part)
                else:
                    result.append(part)
        return result


    def main():
        return tokens(os.environ.get("WORDS", ""))
    '''
)

CLI = textwrap.dedent(
    """\
    from pkg.core import Parser, tokens
    from pkg import core


    def run(text):
        words = tokens(text, strict=True)
        lines = Parser().parse(text, limit=3)
        return words, lines, core.tokens(text)
    """
)

# The 0-based line of something in CORE.
def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if needle in line)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    pkg = root / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "core.py").write_text(CORE)
    (pkg / "cli.py").write_text(CLI)
    (pkg / "unrelated.py").write_text("def tokens():\n    return 'another tokens'\n\n\nprint(tokens())\n")
    return root


def apply_edits(text: str, edits: list[TextEdit] | tuple[TextEdit, ...]) -> str:
    """``edits`` (positions in ``text``, not overlapping) applied as an editor applies them."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, col: int) -> int:
        return starts[min(line, len(lines))] + col

    for edit in sorted(edits, key=lambda e: (e.start_line, e.start_col), reverse=True):
        a, b = offset(edit.start_line, edit.start_col), offset(edit.end_line, edit.end_col)
        text = text[:a] + edit.new_text + text[b:]
    return text
