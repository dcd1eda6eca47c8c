"""The engine's own guarantees, on inputs that broke it once."""

from __future__ import annotations

from orchex_ls.refactor.engine import apply_refactoring, list_refactorings
from orchex_ls.refactor.models import Applied, Refused, Selection


def test_libcst_dropping_a_newline_is_refused_not_spliced():
    # libcst loses the newline after a comment ending in a backslash (curses/ascii.py):
    # an edit computed from its rendering would glue two statements together.
    source = "ESC = 0x1b  # ^[\nFS = 0x1c  # ^\\\nGS = 0x1d  # ^]\n"
    outcome = apply_refactoring(source, Selection.lines(1), "extract-function")
    assert isinstance(outcome, Refused) and "exactly" in outcome.reason


def test_code_nested_too_deeply_is_a_refusal():
    deep = "def f(x):\n" + "".join("    " * (i + 1) + f"if x > {i}:\n" for i in range(400))
    deep += "    " * 401 + "return x\n"
    assert isinstance(list_refactorings(deep, Selection.cursor(300, 1200)), list)
    outcome = apply_refactoring(deep, Selection.cursor(300, 1200), "guard-clause")
    assert isinstance(outcome, Refused)


def test_every_result_is_the_edits_applied_to_the_source():
    source = "def f(a, b):\n    if a:\n        return 1\n    else:\n        if b:\n            return 2\n        else:\n            return 3\n"
    outcome = apply_refactoring(source, Selection.cursor(3, 4), "elif-chain")
    assert isinstance(outcome, Applied)
    (edit,) = outcome.edits
    lines = source.splitlines(keepends=True)
    start = sum(map(len, lines[: edit.start_line])) + edit.start_col
    end = sum(map(len, lines[: edit.end_line])) + edit.end_col
    assert source[:start] + edit.new_text + source[end:] == outcome.new_source
