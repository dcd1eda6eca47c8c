"""Hover on a function: its metrics against the thresholds, score, grade, top refactoring."""

from __future__ import annotations

import re

from helpers import open_doc
from lsprotocol import types


async def hover(client, uri: str, line: int, character: int = 4):
    return await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)))


def rows(markdown: str) -> dict[str, tuple[str, str]]:
    """The table as {metric: (value, threshold)}."""
    return {m[0]: (m[1], m[2]) for m in re.findall(r"^\| ([a-z ]+) \| ([^|]*) \| ([^|]*) \|$", markdown, re.M)}


async def test_hover_on_a_function_and_outside(client):
    uri = open_doc(client, client.root / "pkg" / "core.py")
    result = await hover(client, uri, line=6)  # inside the body of `tangled`
    assert result.contents.kind == types.MarkupKind.Markdown
    text = result.contents.value
    table = rows(text)
    assert table["cognitive"] == ("24 ⚠", "15") and table["nesting"] == ("6 ⚠", "4")
    assert table["parameters"] == ("7 ⚠", "6") and table["cyclomatic"] == ("9", "10")
    assert re.search(r"function `tangled` — score \*\*\d+\.\d\*\* \(grade [A-F]\)", text), text
    assert "**Top refactoring:** `extract-function` (lines 7–13)" in text
    # Nothing outside functions, nor for a document that is not open.
    assert await hover(client, uri, line=0) is None  # the import line
    unopened = (client.root / "pkg" / "other.py").as_uri()
    assert await hover(client, unopened, line=3) is None
