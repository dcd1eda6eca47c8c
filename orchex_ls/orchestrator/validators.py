"""Per-task-type checks of an agent's answer; a rejection is an ``invalid_output`` failure.

A validator returns None for a good answer, else the reason (shown in the attempt chain).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

Validator = Callable[[str], "str | None"]

_FENCE = re.compile(r"^[ \t]*```[ \t]*([A-Za-z0-9_+.-]*)[^\n]*\n(.*?)^[ \t]*```[ \t]*$", re.DOTALL | re.MULTILINE)
_PYTHON = {"", "python", "py", "python3", "py3"}


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """``(language, code)`` of each fenced code block."""
    return [(m.group(1).lower(), m.group(2)) for m in _FENCE.finditer(text)]


def one_python_block(text: str) -> str | None:
    """Exactly one fenced code block, in Python, that parses."""
    blocks = fenced_blocks(text)
    if len(blocks) != 1:
        return f"expected exactly one fenced code block, found {len(blocks)}"
    language, code = blocks[0]
    if language not in _PYTHON:
        return f"the code block is marked {language!r}, not Python"
    try:
        ast.parse(code)
    except SyntaxError as exc:
        return f"the code block does not parse: {exc.msg} (line {exc.lineno})"
    except ValueError as exc:  # null bytes
        return f"the code block does not parse: {exc}"
    return None


def not_empty(text: str) -> str | None:
    return None if text.strip() else "the answer is empty"


DEFAULT_VALIDATORS: dict[str, Validator] = {
    "refactor": one_python_block,
    "docstring": one_python_block,
}


def extract_code(text: str) -> str | None:
    """The code of an answer's single Python block (what a refactor answer carries)."""
    blocks = fenced_blocks(text)
    return blocks[0][1] if len(blocks) == 1 else None
