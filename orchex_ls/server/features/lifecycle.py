"""`initialize` / `initialized`, and leaving when the client's process is gone."""

from __future__ import annotations

import logging
import os
import threading
import time

from lsprotocol import types

from ..server import OrchexServer
from .configuration import fetch_editor_settings

logger = logging.getLogger(__name__)
WATCH_INTERVAL_S = 3.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def watch_parent(pid: int) -> None:
    """Exit when the editor that started us is gone (LSP `processId`)."""

    def loop() -> None:
        while _alive(pid):
            time.sleep(WATCH_INTERVAL_S)
        logger.info("client process %s is gone: exiting", pid)
        os._exit(0)

    threading.Thread(target=loop, name="orchex-parent-watch", daemon=True).start()


def register(server: OrchexServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: OrchexServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        settings = options.get("settings") if isinstance(options, dict) else None
        ls.state.editor_settings = settings if isinstance(settings, dict) else {}
        if params.process_id and params.process_id != os.getpid():
            watch_parent(params.process_id)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: OrchexServer, params: types.InitializedParams) -> None:
        from . import index

        ls.sync_folders()
        settings = await fetch_editor_settings(ls)
        ls.apply_settings(settings if settings is not None else None)
        await index.watch_files(ls)
        for folder in list(ls.state.folders.values()):
            await index.index_folder(ls, folder)
