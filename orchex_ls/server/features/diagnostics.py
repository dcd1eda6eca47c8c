"""Diagnostics: analyse open documents (debounced, off the request thread), push them to
clients that can't pull, answer `textDocument/diagnostic` and `workspace/diagnostic` for
those that can. A result computed for an older version is dropped, never shown."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from urllib.parse import unquote

from lsprotocol import types
from pygls.uris import from_fs_path

from ...analysis.file_analysis import analyze_text
from ...analysis.models import FileReport
from ..convert import diagnostic, information, lsp_lines
from ..server import OrchexServer
from ..state import DocumentState, FolderState, text_hash

_pending: dict[str, asyncio.Task] = {}


def _too_big(size: int, limit_kb: int) -> str:
    return (
        f"orchex: not analysed — the document is {size // 1024} KB, over max-file-size-kb "
        f"({limit_kb} KB); raise it in [tool.orchex] to analyse this file"
    )


async def analyse(ls: OrchexServer, uri: str) -> DocumentState | None:
    """Analyse the document's current version; None if it changed or closed meanwhile."""
    async with ls.settings_lock:
        pass  # settings being changed: analyse with the new ones
    doc = ls.document(uri)
    if doc is None:
        return None
    version, text = doc.version, doc.source
    folder, rel = ls.state.folder_of(uri)
    state = DocumentState(version, lsp_lines(text), text_hash=text_hash(text), config=folder.config)
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > folder.config.max_file_size_kb * 1024:
        state.note = _too_big(size, folder.config.max_file_size_kb)
    else:
        # Clone fingerprints and imports feed only the index, which reads the files on disk.
        state.analysis = await ls.run_blocking(
            functools.partial(analyze_text, text, rel, folder.config.thresholds, project_data=False)
        )
    current = ls.document(uri)
    if current is None or current.version != version:
        return None  # stale: a newer version is on its way
    ls.state.documents[unquote(uri)] = state
    return state


def items(ls: OrchexServer, uri: str, state: DocumentState) -> list[types.Diagnostic]:
    if state.note:
        return [information(state.note)]
    folder, rel = ls.state.folder_of(uri)
    findings = list(state.analysis.report.findings) if state.analysis and state.analysis.report else []
    # Clones, coupling and hotspots come from the index, valid while the text is what was indexed.
    if folder.hashes.get(rel) == state.text_hash:
        findings += folder.project_findings(rel)
    return [diagnostic(f, state.lines, folder.path, ls.position_encoding, ls.related_information)
            for f in findings if folder.config.reports(f.code)]


def indexed_items(ls: OrchexServer, folder: FolderState, file: FileReport) -> list[types.Diagnostic]:
    """An unopened file's diagnostics, from the index (its text from disk)."""
    found = [f for f in file.findings if folder.config.reports(f.code)]
    lines = _file_lines(folder.path / file.path) if found else []
    return [diagnostic(f, lines, folder.path, ls.position_encoding, ls.related_information) for f in found]


def publish(ls: OrchexServer, uri: str, state: DocumentState) -> None:
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=uri, diagnostics=items(ls, uri, state), version=state.version)
    )


async def _analyse_and_publish(ls: OrchexServer, uri: str, delay_s: float) -> None:
    if delay_s:
        await asyncio.sleep(delay_s)
    state = await analyse(ls, uri)
    if state is not None and not ls.pull_diagnostics:
        publish(ls, uri, state)


def schedule(ls: OrchexServer, uri: str, debounce: bool) -> None:
    """(Re)start the analysis of ``uri``: the last change within the debounce wins."""
    key = unquote(uri)
    previous = _pending.pop(key, None)
    if previous is not None:
        previous.cancel()
    folder, _ = ls.state.folder_of(uri)
    delay = folder.server.debounce_ms / 1000 if debounce else 0.0
    task = asyncio.ensure_future(_analyse_and_publish(ls, uri, delay))
    _pending[key] = task
    task.add_done_callback(lambda t: _finished(ls, key, uri, t))


def _finished(ls: OrchexServer, key: str, uri: str, task: asyncio.Task) -> None:
    if _pending.get(key) is task:
        del _pending[key]
    if not task.cancelled() and task.exception() is not None:
        ls.log(types.MessageType.Error, f"orchex: analysing {uri} failed: {task.exception()}")


async def reanalyse_open_documents(ls: OrchexServer) -> None:
    for uri in ls.open_uris():
        schedule(ls, uri, debounce=False)
    refresh_pull(ls)


def refresh_pull(ls: OrchexServer) -> None:
    """Ask a pull client to pull again (push clients got publications instead)."""
    workspace = ls.client_capabilities.workspace
    if ls.pull_diagnostics and workspace and workspace.diagnostics and workspace.diagnostics.refresh_support:
        ls.workspace_diagnostic_refresh(None)


async def current_state(ls: OrchexServer, uri: str) -> DocumentState | None:
    """The analysis of the document as it is now (computed if missing or outdated)."""
    for _ in range(3):  # a change arriving mid-analysis makes it stale: try the new version
        doc = ls.document(uri)
        if doc is None:
            return None
        state = ls.state.documents.get(unquote(uri))
        fresh = state is not None and state.version == doc.version and state.config == ls.state.folder_of(uri)[0].config
        if fresh and not ls.settings_lock.locked():
            return state
        state = await analyse(ls, uri)
        if state is not None:
            return state
    return None


def publish_workspace(ls: OrchexServer, folder: FolderState) -> None:
    """Push clients: the index's findings for files that are not open (open ones get the
    live analysis), and clear files that have none any more."""
    if ls.pull_diagnostics:
        return
    published = set()
    for file in folder.report.files if folder.report else ():
        uri = from_fs_path(str(folder.path / file.path)) or ""
        if ls.document(uri) is not None:
            continue
        found = indexed_items(ls, folder, file)
        if found:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=found))
            published.add(uri)
    for uri in folder.published - published:
        if ls.document(uri) is None:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
    folder.published = published


def _indexed_file(ls: OrchexServer, uri: str) -> tuple[FolderState, FileReport] | None:
    folder, rel = ls.state.folder_of(uri)
    for file in folder.report.files if folder.report and folder is not ls.state.default else ():
        if file.path == rel:
            return folder, file
    return None


def _file_lines(path: Path) -> list[str]:
    try:
        return lsp_lines(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return []


def register(server: OrchexServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: OrchexServer, params: types.DidOpenTextDocumentParams) -> None:
        schedule(ls, params.text_document.uri, debounce=False)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: OrchexServer, params: types.DidChangeTextDocumentParams) -> None:
        schedule(ls, params.text_document.uri, debounce=True)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: OrchexServer, params: types.DidSaveTextDocumentParams) -> None:
        from . import index

        folder, _ = ls.state.folder_of(params.text_document.uri)
        if folder is not ls.state.default:
            index.schedule_reindex(ls, folder)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: OrchexServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        task = _pending.pop(unquote(uri), None)
        if task is not None:
            task.cancel()
        ls.state.documents.pop(unquote(uri), None)
        if ls.pull_diagnostics:
            return
        # Back to what the index says about the file on disk (nothing if not indexed).
        indexed = _indexed_file(ls, uri)
        found = indexed_items(ls, *indexed) if indexed else []
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=found))
        if indexed and found:
            indexed[0].published.add(uri)

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(identifier="orchex", inter_file_dependencies=True, workspace_diagnostics=True),
    )
    async def document_diagnostic(ls: OrchexServer, params: types.DocumentDiagnosticParams):
        uri = params.text_document.uri
        state = await current_state(ls, uri)
        if state is not None:
            return types.RelatedFullDocumentDiagnosticReport(items=items(ls, uri, state))
        indexed = _indexed_file(ls, uri)  # asked about a file that is not open
        return types.RelatedFullDocumentDiagnosticReport(items=indexed_items(ls, *indexed) if indexed else [])

    @server.feature(types.WORKSPACE_DIAGNOSTIC)
    async def workspace_diagnostic(ls: OrchexServer, params: types.WorkspaceDiagnosticParams):
        async with ls.settings_lock:
            pass
        reports = []
        for folder in list(ls.state.folders.values()):
            for file in folder.report.files if folder.report else ():
                uri = from_fs_path(str(folder.path / file.path)) or ""
                state = ls.state.documents.get(unquote(uri))
                if state is not None and ls.document(uri) is not None:
                    found, version = items(ls, uri, state), state.version
                else:
                    found, version = indexed_items(ls, folder, file), None
                reports.append(types.WorkspaceFullDocumentDiagnosticReport(uri=uri, items=found, version=version))
        return types.WorkspaceDiagnosticReport(items=reports)
