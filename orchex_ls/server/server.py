"""The composition root: one server object, each feature module registered on it.

As in esbonio, a feature's failure is contained: a handler that raises answers with an LSP
error (requests) or a `window/logMessage` (notifications), and the server keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from .. import __version__
from ..config import ConfigError
from .protocol import OrchexProtocol
from .settings import resolve
from .state import FolderState, ServerState

logger = logging.getLogger(__name__)


class OrchexServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "orchex-ls", __version__, protocol_cls=OrchexProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.state = ServerState()
        # Per-document analysis runs here, never on the thread that answers requests.
        self.analysis_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="orchex-analysis")

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

    # -- reporting ------------------------------------------------------------------
    def report_server_error(self, error: Exception, source) -> None:
        # Requests already carry their error in the response; everything else is logged
        # for the user instead of a popup per failure.
        from pygls.exceptions import FeatureRequestError

        if source is FeatureRequestError:
            return
        logger.error("%s: %s", getattr(source, "__name__", source), error)
        self.log(types.MessageType.Error, f"orchex: {error}")

    def log(self, level: types.MessageType, message: str) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=level, message=message))
        except Exception:  # noqa: BLE001 - the client may be gone
            logger.debug("could not log to the client", exc_info=True)

    def tell(self, level: types.MessageType, message: str) -> None:
        self.window_show_message(types.ShowMessageParams(type=level, message=message))

    # -- settings -------------------------------------------------------------------
    def apply_settings(self, editor: dict | None = None) -> bool:
        """Re-resolve every folder's settings; on an invalid value keep the previous ones,
        tell the user which key, and return False."""
        if editor is not None:
            self.state.editor_settings = editor
        folders = [*self.state.folders.values(), self.state.default]
        ok = True
        for folder in folders:
            try:
                folder.config, folder.server, folder.config_file = resolve(folder.path, self.state.editor_settings)
            except ConfigError as exc:
                ok = False
                self.tell(types.MessageType.Error, f"orchex: {exc} — the previous settings stay in force")
        return ok

    def sync_folders(self) -> list[FolderState]:
        """Match our folder states to the workspace's folders; returns the new ones."""
        wanted = {}
        for folder in self.workspace.folders.values():
            path = _folder_path(folder.uri)
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

    async def run_blocking(self, func, *args):
        return await asyncio.get_running_loop().run_in_executor(self.analysis_pool, func, *args)


def _folder_path(uri: str) -> Path | None:
    from pygls.uris import to_fs_path

    path = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(path) if path else None


def create_server() -> OrchexServer:
    """Build the server with every feature registered."""
    from .features import code_lens, commands, configuration, diagnostics, hover, index, lifecycle

    server = OrchexServer()
    for feature in (lifecycle, configuration, diagnostics, index, hover, code_lens, commands):
        feature.register(server)
    return server
