"""Diagnostics: analyse open documents (debounced, off the request thread), push them to
clients that can't pull, answer `textDocument/diagnostic` and `workspace/diagnostic` for
those that can. A result computed for an older version is dropped, never shown."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path

from ...analysis.file_analysis import analyze_text
from ..convert import diagnostic, information
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
    try:
        doc = ls.workspace.get_text_document(uri)
    except Exception:  # noqa: BLE001 - closed or unknown
        return None
    version, text = doc.version, doc.source
    folder, rel = ls.state.folder_of(uri)
    state = DocumentState(version, text.splitlines(), text_hash=text_hash(text))
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > folder.config.max_file_size_kb * 1024:
        state.note = _too_big(size, folder.config.max_file_size_kb)
    else:
        state.analysis = await ls.run_blocking(analyze_text, text, rel, folder.config.thresholds)
    current = ls.workspace.text_documents.get(uri)
    if current is None or current.version != version:
        return None  # stale: a newer version is on its way
    ls.state.documents[uri] = state
    return state


def items(ls: OrchexServer, uri: str, state: DocumentState) -> list[types.Diagnostic]:
    if state.note:
        return [information(state.note)]
    folder, rel = ls.state.folder_of(uri)
    findings = list(state.analysis.report.findings) if state.analysis and state.analysis.report else []
    # Clones, coupling and hotspots come from the index, valid while the text is what was indexed.
    if folder.hashes.get(rel) == state.text_hash:
        findings += folder.project_findings(rel)
    return [diagnostic(f, state.lines, folder.path) for f in findings if folder.config.reports(f.code)]


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
    previous = _pending.pop(uri, None)
    if previous is not None:
        previous.cancel()
    folder, _ = ls.state.folder_of(uri)
    delay = folder.server.debounce_ms / 1000 if debounce else 0.0
    task = asyncio.ensure_future(_analyse_and_publish(ls, uri, delay))
    _pending[uri] = task
    task.add_done_callback(lambda t, uri=uri: _finished(ls, uri, t))


def _finished(ls: OrchexServer, uri: str, task: asyncio.Task) -> None:
    if _pending.get(uri) is task:
        del _pending[uri]
    if not task.cancelled() and task.exception() is not None:
        ls.log(types.MessageType.Error, f"orchex: analysing {uri} failed: {task.exception()}")


async def reanalyse_open_documents(ls: OrchexServer) -> None:
    for uri in list(ls.workspace.text_documents):
        schedule(ls, uri, debounce=False)
    if ls.pull_diagnostics:
        refresh_pull(ls)


def refresh_pull(ls: OrchexServer) -> None:
    workspace = ls.client_capabilities.workspace
    if workspace and workspace.diagnostics and workspace.diagnostics.refresh_support:
        ls.workspace_diagnostic_refresh(None)


async def current_state(ls: OrchexServer, uri: str) -> DocumentState | None:
    """The analysis of the document as it is now (computed if missing or outdated)."""
    doc = ls.workspace.text_documents.get(uri)
    state = ls.state.documents.get(uri)
    if doc is not None and state is not None and state.version == doc.version:
        return state
    if doc is None:
        return None
    for _ in range(3):  # a change arriving mid-analysis makes it stale: try the new version
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
        if uri in ls.workspace.text_documents:
            continue
        found = [f for f in file.findings if folder.config.reports(f.code)]
        if found:
            lines = _file_lines(folder.path / file.path)
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=uri, diagnostics=[diagnostic(f, lines, folder.path) for f in found],
            ))
            published.add(uri)
    for uri in folder.published - published:
        if uri not in ls.workspace.text_documents:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
    folder.published = published


def _file_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
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
        task = _pending.pop(uri, None)
        if task is not None:
            task.cancel()
        ls.state.documents.pop(uri, None)
        if not ls.pull_diagnostics:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(identifier="orchex", inter_file_dependencies=True, workspace_diagnostics=True),
    )
    async def document_diagnostic(ls: OrchexServer, params: types.DocumentDiagnosticParams):
        state = await current_state(ls, params.text_document.uri)
        found = items(ls, params.text_document.uri, state) if state else []
        return types.RelatedFullDocumentDiagnosticReport(items=found)

    @server.feature(types.WORKSPACE_DIAGNOSTIC)
    async def workspace_diagnostic(ls: OrchexServer, params: types.WorkspaceDiagnosticParams):
        reports = []
        for folder in ls.state.folders.values():
            if folder.report is None:
                continue
            for file in folder.report.files:
                path = folder.path / file.path
                uri = from_fs_path(str(path)) or ""
                state = ls.state.documents.get(uri)
                if state is not None:
                    found, version = items(ls, uri, state), state.version
                else:
                    lines = _file_lines(path)
                    found = [diagnostic(f, lines, folder.path) for f in file.findings if folder.config.reports(f.code)]
                    version = None
                reports.append(types.WorkspaceFullDocumentDiagnosticReport(uri=uri, items=found, version=version))
        return types.WorkspaceDiagnosticReport(items=reports)
