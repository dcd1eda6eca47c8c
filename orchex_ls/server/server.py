"""The composition root: one server object, each feature module registered on it.

As in esbonio, a feature's failure is contained: a handler that raises answers with an LSP
error (requests) or a `window/logMessage` (notifications), and the server keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from .. import __version__
from ..config import ConfigError
from .protocol import OrchexProtocol
from .settings import resolve
from .state import FolderState, ServerState, fs_path

logger = logging.getLogger(__name__)
CLIENT_TIMEOUT_S = 10.0


class OrchexServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "orchex-ls", __version__, protocol_cls=OrchexProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.state = ServerState()
        # Per-document analysis runs here, never on the thread that answers requests.
        self.analysis_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="orchex-analysis")
        # Held while settings are being fetched and applied: an analysis waits for them, so
        # a request sent after a configuration change never sees the old settings.
        self.settings_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task] = set()

    # -- client abilities -----------------------------------------------------------
    @property
    def pull_diagnostics(self) -> bool:
        caps = self.client_capabilities.text_document
        return bool(caps and caps.diagnostic)

    @property
    def supports_progress(self) -> bool:
        window = self.client_capabilities.window
        return bool(window and window.work_done_progress)

    @property
    def supports_configuration(self) -> bool:
        workspace = self.client_capabilities.workspace
        return bool(workspace and workspace.configuration)

    @property
    def related_information(self) -> bool:
        caps = self.client_capabilities.text_document
        if caps is None:
            return False
        # Pull clients say so only since LSP 3.18; before, the push capability speaks for both.
        pulled = caps.diagnostic.related_information if caps.diagnostic else None
        pushed = caps.publish_diagnostics.related_information if caps.publish_diagnostics else None
        return bool(pulled if pulled is not None else pushed)

    @property
    def position_encoding(self) -> str:
        return self.workspace.position_encoding or types.PositionEncodingKind.Utf16

    # -- open documents -------------------------------------------------------------
    # pygls keys open documents by the *unquoted* URI; the client's own spelling (kept by
    # the document) is what we answer with, or a client would not match it to its file.
    def document(self, uri: str) -> TextDocument | None:
        return self.workspace.text_documents.get(unquote(uri))

    def open_uris(self) -> list[str]:
        return [doc.uri for doc in self.workspace.text_documents.values()]

    # -- reporting ------------------------------------------------------------------
    def report_server_error(self, error: Exception, source) -> None:
        # Requests already carry their error in the response; everything else is logged
        # for the user instead of a popup per failure.
        import json

        from pygls.exceptions import FeatureRequestError

        if source is FeatureRequestError:
            return
        if isinstance(error, json.JSONDecodeError | UnicodeDecodeError):
            self.protocol.parse_error(error)  # the body was not JSON: answered, id null
            return
        logger.error("%s: %s", getattr(source, "__name__", source), error)
        self.log(types.MessageType.Error, f"orchex: {type(error).__name__}: {error}")

    def log(self, level: types.MessageType, message: str) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=level, message=message))
        except Exception:  # noqa: BLE001 - the client may be gone
            logger.debug("could not log to the client", exc_info=True)

    def tell(self, level: types.MessageType, message: str) -> None:
        self.window_show_message(types.ShowMessageParams(type=level, message=message))

    # -- settings -------------------------------------------------------------------
    def apply_settings(self, editor: dict | None = None, per_folder: dict[Path, dict] | None = None) -> bool:
        """Re-resolve every folder's settings. ``per_folder``: a folder's own editor settings
        (the client's answer for that folder's scope), else the window's ``editor``. Invalid
        editor settings are refused whole; a folder whose file is invalid keeps its previous
        settings. The user is told which key; returns False if anything was refused."""
        candidate = self.state.editor_settings if editor is None else editor
        try:
            alone = resolve(None, candidate)  # the editor's settings, no project file
        except ConfigError as exc:
            self.tell(types.MessageType.Error, f"orchex: {exc} — the previous settings stay in force")
            return False
        self.state.editor_settings = candidate
        if per_folder is not None:
            self.state.folder_settings = dict(per_folder)
        # Files outside every folder (and untitled ones) take the editor's settings only.
        self.state.default.config, self.state.default.server, _ = alone
        ok = True
        for folder in self.state.folders.values():
            own = self.state.folder_settings.get(folder.path, candidate)
            try:
                folder.config, folder.server, folder.config_file = resolve(folder.path, own)
            except ConfigError as exc:
                ok = False
                self.tell(types.MessageType.Error, f"orchex: {exc} — the previous settings stay in force")
        return ok

    def sync_folders(self) -> list[FolderState]:
        """Match our folder states to the workspace's folders; returns the new ones."""
        wanted = {}
        for folder in self.workspace.folders.values():
            path = fs_path(folder.uri)
            if path is not None:
                wanted[path] = folder
        if not wanted and self.workspace.root_path:
            wanted[Path(self.workspace.root_path)] = None
        for gone in set(self.state.folders) - set(wanted):
            del self.state.folders[gone]
        added = []
        for path in wanted:
            if path not in self.state.folders:
                self.state.folders[path] = FolderState(path)
                added.append(self.state.folders[path])
        return added

    def background(self, coroutine) -> asyncio.Task:
        """Run without waiting; kept referenced (the loop holds tasks weakly), failures logged."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)

        def done(task: asyncio.Task) -> None:
            self._tasks.discard(task)
            if not task.cancelled() and task.exception() is not None:
                self.log(types.MessageType.Error, f"orchex: {task.exception()!r}")

        task.add_done_callback(done)
        return task

    async def ask_client(self, request):
        """A request to the client, bounded: a client that never answers (it happens) must
        not hold the settings or an index run forever. Raises on timeout or error."""
        return await asyncio.wait_for(request, CLIENT_TIMEOUT_S)

    async def run_blocking(self, func, *args):
        return await asyncio.get_running_loop().run_in_executor(self.analysis_pool, func, *args)


def create_server() -> OrchexServer:
    """Build the server with every feature registered."""
    from .features import (
        ai,
        code_actions,
        code_lens,
        commands,
        configuration,
        diagnostics,
        hover,
        index,
        lifecycle,
    )

    server = OrchexServer()
    features = (lifecycle, configuration, diagnostics, index, hover, code_lens, code_actions, commands, ai)
    for feature in features:
        feature.register(server)
    return server
