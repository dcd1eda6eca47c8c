"""Diagnostics: pushed to VS Code and Emacs, pulled by Neovim; debounced, never stale."""

from __future__ import annotations

import re

import pytest
from helpers import (
    change,
    codes,
    diagnostics,
    is_pull,
    open_doc,
    published,
    pull,
    wait_for_progress_end,
    wait_until,
)
from lsprotocol import types

CODE = re.compile(r"^OCX1(0\d|10)$")


def wide(name: str, params: int = 8) -> str:
    """A function over the parameter threshold, named after its version."""
    return f"def {name}({', '.join(f'p{i}' for i in range(params))}):\n    return p0\n"


async def test_codes_source_thresholds_and_related_information(client):
    uri = open_doc(client, client.root / "pkg" / "core.py")
    found = await diagnostics(client, uri, lambda d: "OCX102" in codes(d), "OCX102")
    assert {"OCX102", "OCX103", "OCX105"} <= codes(found)
    for d in found:
        assert d.source == "orchex" and CODE.match(d.code), d
    nesting = next(d for d in found if d.code == "OCX103")
    assert "is 6 (threshold 4)" in nesting.message
    # At the function's name: `def tangled(` on line 3 (0-based 2).
    assert (nesting.range.start.line, nesting.range.start.character, nesting.range.end.character) == (2, 4, 11)
    if not is_pull(client):
        assert published(client, uri)[0].version == 1

    await wait_for_progress_end(client)  # clones and cycles come from the workspace index
    uri = open_doc(client, client.root / "pkg" / "util.py")
    found = await diagnostics(client, uri, lambda d: {"OCX107", "OCX109"} <= codes(d), "clone and cycle")
    clone = next(d for d in found if d.code == "OCX107")
    cycle = next(d for d in found if d.code == "OCX109")
    assert "pkg/other.py:2" in clone.message and "pkg.core" in cycle.message
    if is_pull(client):
        assert client.published == []  # a pull client gets nothing pushed
    if client.client_name == "emacs":  # eglot declares no relatedInformation support
        assert clone.related_information is None
        return
    other = (client.root / "pkg" / "other.py").as_uri()
    core = (client.root / "pkg" / "core.py").as_uri()
    assert [(r.location.uri, r.location.range.start.line) for r in clone.related_information] == [(other, 1)]
    assert [r.location.uri for r in cycle.related_information] == [core]


async def test_positions_and_lines_as_the_client_counts_them(client):
    # A syntax error gives one OCX100 at the error. The `$` is code point 8 after an emoji:
    # UTF-16 (VS Code) puts it at 9, UTF-8 (Neovim) at 11, UTF-32 (Emacs) at 8.
    # The form feed above it is no line break for LSP (str.splitlines thinks otherwise).
    uri = open_doc(client, "untitled:Untitled-1", '\x0c\nx = "😀" $\n')
    found = await diagnostics(client, uri, lambda d: bool(d), "OCX100")
    assert [d.code for d in found] == ["OCX100"]
    encoding = {"visual-studio-code": 9, "neovim@v0.11.0": 11, "emacs": 8}[client.client_name]
    assert found[0].range.start == types.Position(line=1, character=encoding)
    assert found[0].severity == types.DiagnosticSeverity.Error

    # An incremental edit below a form feed lands on the line the client meant.
    uri = open_doc(client, client.root / "mod.py", "\x0c\n" + wide("before"))
    await diagnostics(client, uri, lambda d: "'before'" in d[0].message, "before")
    client.text_document_did_change(types.DidChangeTextDocumentParams(  # rename on line 1
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(line=1, character=4), end=types.Position(line=1, character=10)),
            text="after")]))
    found = await diagnostics(client, uri, lambda d: d and "'before'" not in d[0].message, "after the edit")
    assert [(d.code, d.range.start.line) for d in found] == [("OCX105", 1)] and "'after'" in found[0].message


async def test_ten_megabyte_document_gets_one_information_diagnostic(client):
    text = "x = 1\n" * (10 * 1024 * 1024 // 6)
    uri = open_doc(client, client.root / "big.py", text)
    found = await diagnostics(client, uri, lambda d: bool(d), "the too-big note")
    assert len(found) == 1
    assert found[0].severity == types.DiagnosticSeverity.Information
    assert "max-file-size-kb (1024 KB)" in found[0].message


async def test_untitled_and_non_file_uris(client):
    cell = "vscode-notebook-cell:/nb.ipynb#W0sZmlsZQ%3D%3D"
    remote = "https://example.com/src/mod.py"
    spaced = (client.root / "my pkg" / "mod ü.py").as_uri()  # percent-encoded
    for uri in (cell, remote, "untitled:Untitled-2", spaced):
        open_doc(client, uri, wide("remote"))
        found = await diagnostics(client, uri, lambda d: "OCX105" in codes(d), f"OCX105 for {uri}")
        assert codes(found) == {"OCX105"}


@pytest.mark.lsp(settings={"debounce-ms": 300})
async def test_debounce_analyses_the_last_version_only(client):
    await wait_for_progress_end(client)  # or its end would republish the open document
    uri = open_doc(client, client.root / "mod.py", wide("v1"))
    await diagnostics(client, uri, lambda d: "'v1'" in d[0].message, "v1")
    for version in range(2, 6):  # a burst of keystrokes, well within 300 ms
        change(client, uri, version, wide(f"v{version}"))
    if is_pull(client):
        found = await pull(client, uri)
        assert [d.message for d in found if "'v5'" in d.message], found
        return
    await wait_until(client, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                     lambda: published(client, uri)[-1].version == 5, "diagnostics for version 5")
    change(client, uri, 6, wide("v6"))
    await wait_until(client, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                     lambda: published(client, uri)[-1].version == 6, "diagnostics for version 6")
    assert [p.version for p in published(client, uri)] == [1, 5, 6]


async def test_stale_results_are_never_published(client):
    # Version 2 takes a while to analyse; version 3, sent right behind it, is tiny.
    heavy = "".join(wide(f"v2_{i}") for i in range(1500))
    await wait_for_progress_end(client)
    uri = open_doc(client, client.root / "mod.py", wide("v1"))
    await diagnostics(client, uri, lambda d: bool(d), "v1")
    change(client, uri, 2, heavy)
    if is_pull(client):
        answer = client.text_document_diagnostic_async(  # asked while version 2 is current
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri)))
        change(client, uri, 3, wide("v3"))
        report = await answer
        assert [d.message for d in report.items if "'v3'" in d.message] and len(report.items) == 1
        return
    change(client, uri, 3, wide("v3"))
    await wait_until(client, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                     lambda: published(client, uri)[-1].version == 3, "diagnostics for version 3")
    for p in published(client, uri):  # each publication holds its own version's findings
        assert all(f"'v{p.version}" in d.message for d in p.diagnostics), p
    versions = [p.version for p in published(client, uri)]
    assert versions == sorted(versions) and versions[-1] == 3


async def test_closing_returns_to_what_the_index_says(client):
    await wait_for_progress_end(client)
    scratch = open_doc(client, client.root / "mod.py", wide("gone"))  # not on disk
    util = open_doc(client, client.root / "pkg" / "util.py", "x = 1\n")  # unsaved, unlike the disk
    await diagnostics(client, scratch, lambda d: bool(d), "OCX105")
    await diagnostics(client, util, lambda d: not d, "nothing for the edited util.py")
    for uri in (scratch, util):
        client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
    await diagnostics(client, scratch, lambda d: not d, "cleared diagnostics")
    found = await diagnostics(client, util, lambda d: bool(d), "the index's findings for util.py")
    assert codes(found) == {"OCX107", "OCX109"}
