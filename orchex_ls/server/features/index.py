"""The workspace index: every Python file of each folder analysed in the background (the
analyzer's cache and worker processes), with cancellable `$/progress`, so duplication and
coupling see the whole project. Kept fresh on save and on files changed on disk."""

from __future__ import annotations

import asyncio
import ctypes
import gc
import pickle
import uuid
from pathlib import Path

from lsprotocol import types

from ...analysis.engine import analyze_paths
from ...analysis.models import Report
from ..server import OrchexServer
from ..state import FolderState

REINDEX_DELAY_S = 0.5
_locks: dict[Path, asyncio.Lock] = {}
_reindex: dict[Path, asyncio.Task] = {}


def _analyze(folder: FolderState, progress=None, digests: dict[str, str] | None = None) -> Report:
    return analyze_paths(
        [folder.path], folder.config,
        config_dir=folder.config_file.parent if folder.config_file else None, progress=progress,
        digests=digests,
    )


async def full_report(folder: FolderState) -> Report:
    """The complete report of a folder (every function), fast from the analyzer's cache."""
    return await asyncio.get_running_loop().run_in_executor(None, _analyze, folder)


def slim(report: Report) -> Report:
    files = tuple(f.model_copy(update={"functions": (), "classes": ()}) for f in report.files)
    return report.model_copy(update={"files": files})


def release_memory() -> None:
    """Give the indexing run's garbage back to the OS (glibc keeps freed arenas)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: the memory is reused by the next run instead


class IndexCancelled(Exception):
    """The user cancelled the indexing progress."""


async def _begin_progress(ls: OrchexServer, title: str) -> str | None:
    if not ls.supports_progress:
        return None
    token = f"orchex-index-{uuid.uuid4().hex[:8]}"
    try:
        await ls.ask_client(ls.work_done_progress.create_async(token))
    except Exception:  # noqa: BLE001 - the client refused: index without a bar
        return None
    ls.work_done_progress.begin(
        token, types.WorkDoneProgressBegin(title=title, cancellable=True, percentage=0, message="discovering files")
    )
    return token


async def index_folder(ls: OrchexServer, folder: FolderState) -> bool:
    """(Re)index one folder; False if cancelled or failed. One run per folder at a time."""
    from . import diagnostics

    lock = _locks.setdefault(folder.path, asyncio.Lock())
    async with lock:
        token = await _begin_progress(ls, f"orchex: indexing {folder.path.name}")
        loop = asyncio.get_running_loop()
        cancel = ls.work_done_progress.tokens.get(token) if token else None
        last = [-1]

        def progress(done: int, total: int) -> None:
            if cancel is not None and cancel.cancelled():
                raise IndexCancelled
            percent = int(done * 100 / total) if total else 100
            if token and percent != last[0]:
                last[0] = percent
                loop.call_soon_threadsafe(
                    ls.work_done_progress.report, token,
                    types.WorkDoneProgressReport(percentage=percent, message=f"{done}/{total} files"),
                )

        try:
            # The analyzer hashes each file as it reads it: those hashes tell which open
            # buffers still match what was indexed, without reading the workspace again.
            digests: dict[str, str] = {}
            report = await loop.run_in_executor(None, lambda: _analyze(folder, progress, digests))
        except IndexCancelled:
            if token:
                ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="cancelled"))
            return False
        except Exception as exc:  # noqa: BLE001 - a broken index must not stop the server
            ls.log(types.MessageType.Error, f"orchex: indexing {folder.path} failed: {exc}")
            if token:
                ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="failed"))
            return False
        # The index keeps findings, scores and project data, not every function's metrics
        # (open documents have their own live analysis; `orchex.report` re-reads the
        # cache): ~60k functions of the stdlib would otherwise stay resident.
        # Rebuilt from bytes after the run's garbage is gone, so the few objects we keep
        # don't pin the arenas the run's millions of objects were scattered over.
        blob = pickle.dumps(slim(report), protocol=pickle.HIGHEST_PROTOCOL)
        del report
        await loop.run_in_executor(None, release_memory)
        folder.report = report = pickle.loads(blob)
        del blob
        folder.hashes = digests
        if token:
            s = report.summary
            ls.work_done_progress.end(
                token, types.WorkDoneProgressEnd(message=f"{s.files} files, score {s.score:.1f} ({s.grade})")
            )
    diagnostics.publish_workspace(ls, folder)
    await diagnostics.reanalyse_open_documents(ls)
    return True


def schedule_reindex(ls: OrchexServer, folder: FolderState) -> None:
    """Re-index soon; a burst of saves or a `git checkout` gives one run."""
    previous = _reindex.pop(folder.path, None)
    if previous is not None:
        previous.cancel()

    async def later() -> None:
        await asyncio.sleep(REINDEX_DELAY_S)
        await index_folder(ls, folder)

    _reindex[folder.path] = asyncio.ensure_future(later())


async def watch_files(ls: OrchexServer) -> None:
    """Ask the client to tell us about Python and config files changed on disk."""
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    if not (watched and watched.dynamic_registration):
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(watchers=[
        types.FileSystemWatcher(glob_pattern=pattern)
        for pattern in ("**/*.py", "**/pyproject.toml", "**/.orchex.toml", "**/.gitignore")
    ])
    try:
        await ls.ask_client(ls.client_register_capability_async(types.RegistrationParams(registrations=[
            types.Registration(id="orchex-watch", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options)
        ])))
    except Exception as exc:  # noqa: BLE001
        ls.log(types.MessageType.Warning, f"orchex: could not watch files: {exc}")


def register(server: OrchexServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: OrchexServer, params: types.DidChangeWatchedFilesParams) -> None:
        touched = set()
        for change in params.changes:
            folder, rel = ls.state.folder_of(change.uri)
            if folder is ls.state.default:
                continue
            if rel.endswith(("pyproject.toml", ".orchex.toml")):
                ls.apply_settings()
            touched.add(folder.path)
        for path in touched:
            schedule_reindex(ls, ls.state.folders[path])

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def did_change_workspace_folders(ls: OrchexServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        from . import diagnostics

        # pygls updates ls.workspace.folders before calling us.
        before = dict(ls.state.folders)
        added = ls.sync_folders()
        for path, folder in before.items():
            if path not in ls.state.folders:
                folder.report = None
                diagnostics.publish_workspace(ls, folder)  # clears what we pushed for it
        ls.apply_settings()
        for folder in added:
            await index_folder(ls, folder)
