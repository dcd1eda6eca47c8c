"""Code lens above each function over a threshold, titled lazily in `codeLens/resolve`."""

from __future__ import annotations

import re

from helpers import change, command, open_doc
from lsprotocol import types
from samples import CLONE

TITLE = re.compile(r"^cognitive \d+ · cyclomatic \d+( · [a-z]+ \d+)* · grade [A-F]$")


async def lenses(client, uri: str) -> list[types.CodeLens]:
    return await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))


async def test_lens_above_each_function_over_a_threshold_resolved_lazily(client):
    text = (client.root / "pkg" / "core.py").read_text() + CLONE.format(name="simple")
    uri = open_doc(client, client.root / "pkg" / "core.py", text)
    [lens] = await lenses(client, uri)  # `simple` is under every threshold: no lens
    assert lens.range.start == types.Position(line=2, character=0)
    assert lens.command is None  # the title comes with resolve
    resolved = await client.code_lens_resolve_async(lens)
    assert resolved.command.title == "cognitive 24 · cyclomatic 9 · nesting 6 · parameters 7 · grade F"
    assert TITLE.match(resolved.command.title)
    report = await command(client, resolved.command.command, *resolved.command.arguments)
    assert [f["qualname"] for f in report["functions"]] == ["tangled", "simple"]

    # Untitled documents have lenses too, and their command works.
    uri = open_doc(client, "untitled:Untitled-1", (client.root / "pkg" / "core.py").read_text())
    [lens] = await lenses(client, uri)
    resolved = await client.code_lens_resolve_async(lens)
    assert TITLE.match(resolved.command.title)
    report = await command(client, resolved.command.command, *resolved.command.arguments)
    assert report["functions"][0]["qualname"] == "tangled"


async def test_resolving_a_lens_of_a_function_that_changed(client):
    uri = open_doc(client, client.root / "pkg" / "core.py")
    [lens] = await lenses(client, uri)
    change(client, uri, 2, "x = 1\n")
    resolved = await client.code_lens_resolve_async(lens)
    assert "changed" in resolved.command.title
    # Data a client mangled is not trusted: still an answer, not a crash.
    lens.data = {"uri": 5, "qualname": None}
    resolved = await client.code_lens_resolve_async(lens)
    assert "changed" in resolved.command.title
