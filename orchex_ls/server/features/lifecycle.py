"""`initialize` / `initialized`, and leaving when the client's process is gone."""

from __future__ import annotations

import logging
import os
import select
import sys
import threading
import time

from lsprotocol import types

from ..server import OrchexServer
from .configuration import fetch_editor_settings

logger = logging.getLogger(__name__)
WATCH_INTERVAL_S = 2.0  # only where the OS cannot tell us (no pidfd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # POSIX only: on Windows signal 0 is CTRL_C_EVENT
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def _wait_posix(pid: int) -> bool:
    try:
        fd = os.pidfd_open(pid)  # Linux: readable once the process has exited, no polling
    except ProcessLookupError:
        return True
    except (AttributeError, OSError):
        while _alive(pid):
            time.sleep(WATCH_INTERVAL_S)
        return True
    select.select([fd], [], [])
    return True


def _wait_windows(pid: int) -> bool:
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.OpenProcess.restype = ctypes.c_void_p  # a HANDLE, wider than the default int
    kernel32.OpenProcess.argtypes = (ctypes.c_uint32, ctypes.c_int, ctypes.c_uint32)
    kernel32.WaitForSingleObject.argtypes = (ctypes.c_void_p, ctypes.c_uint32)
    handle = kernel32.OpenProcess(0x00100000, False, pid)  # SYNCHRONIZE
    if not handle:
        return ctypes.get_last_error() == 87  # ERROR_INVALID_PARAMETER: no such process
    kernel32.WaitForSingleObject(handle, 0xFFFFFFFF)  # INFINITE
    return True


def watch_parent(pid: int) -> None:
    """Exit when the editor that started us is gone (LSP `processId`)."""

    def wait() -> None:
        if (_wait_windows if sys.platform == "win32" else _wait_posix)(pid):
            logger.info("client process %s is gone: exiting", pid)
            os._exit(0)

    threading.Thread(target=wait, name="orchex-parent-watch", daemon=True).start()


def register(server: OrchexServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: OrchexServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        settings = options.get("settings") if isinstance(options, dict) else None
        # Settings from the project's files and initializationOptions count from the first
        # didOpen on; `workspace/configuration` can only be asked once we are initialized.
        ls.sync_folders()
        ls.apply_settings(settings if isinstance(settings, dict) else {})
        if params.process_id and params.process_id != os.getpid():
            watch_parent(params.process_id)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: OrchexServer, params: types.InitializedParams) -> None:
        from . import index

        async with ls.settings_lock:
            fetched = await fetch_editor_settings(ls)
            if fetched is not None:
                ls.apply_settings(*fetched)
        # Registration needs the client's answer; the index does not wait for it.
        ls.background(index.watch_files(ls))
        for folder in list(ls.state.folders.values()):
            await index.index_folder(ls, folder)
