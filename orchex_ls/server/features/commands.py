"""`workspace/executeCommand`: analyse the workspace, the JSON report, the hotspots.
Arguments are validated here; a bad one gets a -32602 error saying what is expected."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from ..server import OrchexServer
from ..state import fs_path
from . import diagnostics
from .index import full_report, index_folder

USAGE = {
    "orchex.analyzeWorkspace": "[folder uri?]",
    "orchex.report": "[file or folder uri?]",
    "orchex.hotspots": "[limit?: positive integer]",
    "orchex.debug": '["modules"] (top-level modules loaded) or ["raise"] (fail on purpose)',
}


def _bad(command: str, why: str) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(f"{command}: {why}; expected arguments: {USAGE[command]}")


def _optional_uri(command: str, args: list[Any], ls: OrchexServer | None = None) -> str | None:
    """The one optional URI argument: a file: URI, or (with ``ls``) any open document's."""
    if len(args) > 1:
        raise _bad(command, f"got {len(args)} arguments")
    if not args or args[0] in (None, ""):
        return None
    uri = args[0]
    if not isinstance(uri, str) or not (uri.startswith("file:") or (ls and ls.document(uri))):
        raise _bad(command, f"{uri!r} is not a file: URI" + (" nor an open document" if ls else ""))
    return uri


def _folders(ls: OrchexServer, command: str, uri: str | None):
    if uri is None:
        return list(ls.state.folders.values())
    path = fs_path(uri) or Path()
    chosen = [f for f in ls.state.folders.values() if path == f.path or path.is_relative_to(f.path)]
    if not chosen:
        raise _bad(command, f"{uri} is not in a workspace folder")
    return chosen


def register(server: OrchexServer) -> None:
    @server.command("orchex.analyzeWorkspace")
    async def analyze_workspace(ls: OrchexServer, args: list[Any]) -> dict:
        folders = _folders(ls, "orchex.analyzeWorkspace", _optional_uri("orchex.analyzeWorkspace", args))
        for folder in folders:
            await index_folder(ls, folder)
        diagnostics.refresh_pull(ls)
        reports = [f.report for f in folders if f.report is not None]
        files = sum(r.summary.files for r in reports)
        weight = sum(max(1, r.summary.functions) for r in reports) or 1
        score = round(sum(r.summary.score * max(1, r.summary.functions) for r in reports) / weight, 1) if reports else 100.0
        counts: dict[str, int] = {}
        for r in reports:
            for code, n in r.summary.findings.items():
                counts[code] = counts.get(code, 0) + n
        from ...analysis.score import grade

        return {"files": files, "score": score, "grade": grade(score), "findings": dict(sorted(counts.items()))}

    @server.command("orchex.report")
    async def report(ls: OrchexServer, args: list[Any]) -> dict:
        uri = _optional_uri("orchex.report", args, ls)
        if uri is not None and ls.document(uri) is not None:  # the live text, saved or not
            state = await diagnostics.current_state(ls, uri)
            if state is not None and state.analysis is not None and state.analysis.report is not None:
                return state.analysis.report.model_dump(mode="json")
        folders = _folders(ls, "orchex.report", uri)
        folder = folders[0]
        if folder.report is None:
            await index_folder(ls, folder)
        if folder.report is None:
            raise _bad("orchex.report", "the workspace could not be analysed (see the log)")
        full = await full_report(folder)  # the index is slim; the cache makes this quick
        if uri is not None:
            rel = fs_path(uri) or Path()
            if rel != folder.path:
                wanted = rel.relative_to(folder.path).as_posix()
                for file in full.files:
                    if file.path == wanted:
                        return file.model_dump(mode="json")
                raise _bad("orchex.report", f"{uri} was not analysed (excluded, skipped or not Python)")
        return full.model_dump(mode="json")

    @server.command("orchex.hotspots")
    async def hotspots(ls: OrchexServer, args: list[Any]) -> list[dict]:
        if len(args) > 1 or (args and args[0] is not None and (not isinstance(args[0], int) or isinstance(args[0], bool) or args[0] < 1)):
            raise _bad("orchex.hotspots", f"got {args!r}")
        limit = args[0] if args and args[0] is not None else 10
        found = []
        for folder in ls.state.folders.values():
            if folder.report is None:
                await index_folder(ls, folder)
            if folder.report is not None:
                found += [{**h.model_dump(mode="json"), "root": str(folder.path)} for h in folder.report.hotspots]
        found.sort(key=lambda h: -h["score"])
        return found[:limit]

    @server.command("orchex.debug")
    def debug(ls: OrchexServer, args: list[Any]) -> list[str]:
        # For tests and bug reports: what the process has loaded (litellm must never be),
        # and a handler that fails, to see the failure contained.
        if args == ["modules"]:
            return sorted({name.partition(".")[0] for name in list(sys.modules)})
        if args == ["raise"]:
            raise RuntimeError("orchex.debug: failing on purpose")
        raise _bad("orchex.debug", f"got {args!r}")
