"""The workspace index: progress, cancellation, project-level findings for open and unopened
files, files changed on disk, several workspace folders."""

from __future__ import annotations

import asyncio
import errno
import os
import shutil

import pytest
from helpers import (
    TIMEOUT,
    codes,
    diagnostics,
    ended,
    open_doc,
    wait_for_progress_end,
    wait_until,
    workspace_findings,
)
from lsprotocol import types
from samples import CLONE


def hold_index(root):
    """Make the root's .gitignore a FIFO: the indexer's file discovery blocks reading it
    until the test writes to it, so the test decides when indexing goes on."""
    os.mkfifo(root / ".gitignore")
    return lambda: release(root / ".gitignore", wait=False)


def release(fifo, wait: bool = True) -> bool:
    """Open the FIFO for writing once the server reads it; True if it did."""
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        return True
    except OSError as exc:
        if exc.errno != errno.ENXIO or wait:
            raise
        return False  # nobody reading: nothing held


async def release_when_read(fifo) -> None:
    async def loop():
        while True:
            try:
                return release(fifo)
            except OSError as exc:
                if exc.errno != errno.ENXIO:
                    raise
            await asyncio.sleep(0.02)  # no notification says "now reading .gitignore"

    try:
        await asyncio.wait_for(loop(), TIMEOUT)
    except asyncio.TimeoutError:
        raise AssertionError("the indexer never read .gitignore") from None


def uri(client, rel: str) -> str:
    return (client.root / rel).as_uri()


@pytest.mark.lsp(setup=hold_index)
async def test_cancelling_ends_the_progress_with_cancelled(client):
    token = await wait_until(client, types.PROGRESS, lambda: next(iter(client.progress_reports), None),
                             "indexing to begin")
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    # A round trip: once answered, the server has handled the cancel sent before it.
    await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri(client, "pkg/core.py")),
        position=types.Position(line=0, character=0)))
    await release_when_read(client.root / ".gitignore")
    [(_, values)] = await wait_for_progress_end(client)
    assert values[-1].message == "cancelled"


@pytest.mark.lsp(setup=hold_index)
async def test_progress_and_prompt_diagnostics_while_indexing(client):
    await wait_until(client, types.PROGRESS, lambda: client.progress_reports, "indexing to begin")
    doc = open_doc(client, client.root / "pkg" / "core.py")
    found = await diagnostics(client, doc, lambda d: "OCX102" in codes(d), "OCX102 while indexing")
    assert "OCX109" not in codes(found)  # the cycle needs the index, which is still held
    assert ended(client) == []
    await release_when_read(client.root / ".gitignore")
    [(_, values)] = await wait_for_progress_end(client)
    begin, *reports, end = values
    assert isinstance(begin, types.WorkDoneProgressBegin) and begin.cancellable and "indexing" in begin.title
    assert all(isinstance(r, types.WorkDoneProgressReport) for r in reports)
    percentages = [r.percentage for r in reports]
    assert percentages and percentages == sorted(percentages) and percentages[-1] == 100, percentages
    assert end.message.startswith("3 files")
    await diagnostics(client, doc, lambda d: "OCX109" in codes(d), "OCX109 once indexed")


async def test_project_findings_for_open_and_unopened_files(client):
    await wait_for_progress_end(client)
    other, util = uri(client, "pkg/other.py"), uri(client, "pkg/util.py")
    # Pushed for the whole workspace, opened or not; or pulled.
    await workspace_findings(
        client, lambda d: codes(d.get(other, [])) == {"OCX107"} and codes(d.get(util, [])) == {"OCX107", "OCX109"},
        "clone and cycle for unopened files")
    text = (client.root / "pkg" / "util.py").read_text()
    open_doc(client, client.root / "pkg" / "util.py", text)
    await diagnostics(client, util, lambda d: codes(d) == {"OCX107", "OCX109"}, "clone and cycle, open")
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=util, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text + "# edited\n")]))
    # The edited text is no longer what was indexed: its project findings are out of date.
    await diagnostics(client, util, lambda d: codes(d) == set(), "no project findings once edited")


async def test_files_changed_on_disk_update_the_index(client):
    await wait_for_progress_end(client)
    pkg = client.root / "pkg"
    (pkg / "copy.py").write_text(CLONE.format(name="third"))
    (pkg / "util.py").write_text(CLONE.format(name="scale"))  # no longer imports core: no cycle
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=uri(client, "pkg/copy.py"), type=types.FileChangeType.Created),
        types.FileEvent(uri=uri(client, "pkg/util.py"), type=types.FileChangeType.Changed),
    ]))
    await wait_for_progress_end(client, runs=2)
    copy, core = uri(client, "pkg/copy.py"), uri(client, "pkg/core.py")
    found = await workspace_findings(
        client, lambda d: copy in d and "OCX102" in codes(d.get(core, [])) and "OCX109" not in codes(d[core]),
        "the new copy, and the cycle gone")
    assert codes(found[copy]) == {"OCX107"} and "3 copies" in found[copy][0].message


def two_roots(root):
    for name, fn in (("a", "alpha"), ("b", "beta")):
        (root / name).mkdir()
        (root / name / "one.py").write_text(CLONE.format(name=fn))
        (root / name / "two.py").write_text(CLONE.format(name=fn + "2"))


@pytest.mark.lsp(setup=two_roots, folders=["a", "b"])
async def test_multi_root_folders_indexed_apart_and_changed(client):
    await wait_for_progress_end(client, runs=2)
    a1, b1 = uri(client, "a/one.py"), uri(client, "b/one.py")

    found = await workspace_findings(client, lambda d: d.get(a1) and d.get(b1), "both folders' clones")
    # Each folder is its own project: a clone pair in each, never across folders.
    assert "also at two.py" in found[a1][0].message and "also at two.py" in found[b1][0].message
    shutil.copytree(client.root / "a", client.root / "c")
    c = client.root / "c"
    client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(
            added=[types.WorkspaceFolder(uri=c.as_uri(), name="c")],
            removed=[types.WorkspaceFolder(uri=(client.root / "b").as_uri(), name="b")])))
    await wait_for_progress_end(client, runs=3)
    c1 = uri(client, "c/one.py")
    # The removed folder's diagnostics are gone (pull) or cleared (push).
    await workspace_findings(client, lambda d: d.get(c1) and not d.get(b1), "c indexed, b gone")
