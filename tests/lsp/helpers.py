"""Shared helpers for the end-to-end tests: documents, diagnostics (push or pull), progress,
and a raw JSON-RPC connection for the cases a well-behaved client cannot produce.

Every wait is bounded and fails with a message saying what never came."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from lsprotocol import types

TIMEOUT = 20.0  # generous for a loaded 2-core CI box; a healthy run needs well under 1 s
SERVER = [sys.executable, "-m", "orchex_ls"]


async def wait_until(client, method: str, check: Callable[[], Any], what: str, timeout: float = TIMEOUT):
    """Wait for notifications of ``method`` until ``check()`` is truthy; return its value."""

    async def loop():
        while not (result := check()):
            await client.wait_for_notification(method)
        return result

    try:
        return await asyncio.wait_for(loop(), timeout)
    except asyncio.TimeoutError:
        raise AssertionError(f"timed out after {timeout:g} s waiting for {what}") from None


def is_pull(client) -> bool:
    return client.capabilities.text_document.diagnostic is not None


# -- workspaces -----------------------------------------------------------------------
def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=root, check=True, capture_output=True,
    )


def make_history(root: Path) -> None:
    """A git repository where pkg/core.py changed in several commits: a hotspot."""
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "start")
    for n in range(3):
        with (root / "pkg" / "core.py").open("a") as f:
            f.write(f"\n\ndef extra_{n}(x):\n    return x + {n}\n")
        git(root, "commit", "-qam", f"change {n}")


# -- documents ------------------------------------------------------------------------
def open_doc(client, target: Path | str, text: str | None = None, version: int = 1) -> str:
    """Open a file (its text from disk unless given) or any URI; returns the URI."""
    uri = target.as_uri() if isinstance(target, Path) else target
    if text is None:
        text = target.read_text()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
    ))
    return uri


def change(client, uri: str, version: int, text: str) -> None:
    """Replace the whole text (allowed under incremental sync)."""
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
    ))


# -- diagnostics ----------------------------------------------------------------------
def codes(diagnostics) -> set[str]:
    return {d.code for d in diagnostics}


def published(client, uri: str) -> list[types.PublishDiagnosticsParams]:
    return [p for p in client.published if p.uri == uri]


async def pull(client, uri: str) -> list[types.Diagnostic]:
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    return list(report.items)


async def diagnostics(client, uri: str, check: Callable[[list], bool] = lambda d: True,
                      what: str = "diagnostics") -> list[types.Diagnostic]:
    """The document's diagnostics: pulled (Neovim), or the latest published one that passes
    ``check`` (VS Code, Emacs). A pulled result must pass ``check`` at once."""
    if is_pull(client):
        found = await pull(client, uri)
        assert check(found), f"{what}: pulled {[(d.code, d.message) for d in found]}"
        return found

    def latest():  # wrapped: an empty list is a fine answer
        mine = published(client, uri)
        return mine and check(list(mine[-1].diagnostics)) and [list(mine[-1].diagnostics)]

    [found] = await wait_until(client, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, latest, f"{what} for {uri}")
    return found


async def workspace_diagnostics(client) -> dict[str, list[types.Diagnostic]]:
    """Pull clients: one `workspace/diagnostic` request, by URI."""
    report = await client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[]))
    return {item.uri: list(item.items) for item in report.items}


async def workspace_findings(client, check: Callable[[dict], bool], what: str) -> dict[str, list]:
    """Diagnostics by URI for the whole workspace: one `workspace/diagnostic` (pull, which
    must pass ``check`` at once) or what has been published once it passes ``check``."""
    if is_pull(client):
        found = await workspace_diagnostics(client)
        assert check(found), f"{what}: pulled {found}"
        return found
    return await wait_until(client, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                            lambda: check(client.diagnostics) and client.diagnostics, what)


# -- progress -------------------------------------------------------------------------
def ended(client) -> list[tuple[Any, list]]:
    """Progress runs that have ended, as (token, values)."""
    return [(token, values) for token, values in client.progress_reports.items()
            if values and isinstance(values[-1], types.WorkDoneProgressEnd)]


async def wait_for_progress_end(client, runs: int = 1) -> list[tuple[Any, list]]:
    return await wait_until(
        client, types.PROGRESS, lambda: len(ended(client)) >= runs and ended(client),
        f"{runs} progress run(s) to end",
    )


# -- commands -------------------------------------------------------------------------
async def command(client, name: str, *arguments):
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(arguments))
    )


# -- messages a typed client would refuse to send ------------------------------------
_ids = iter(range(10**6))


async def raw_request(client, method: str, params: Any):
    """A request with params as given (pygls would type-check them); its response or error."""
    msg_id = f"raw-{next(_ids)}"
    future = Future()
    client.protocol._request_futures[msg_id] = future  # resolved by pygls when answered
    client.protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), TIMEOUT)
    except asyncio.TimeoutError:
        raise AssertionError(f"no response to {method} (id {msg_id}) within {TIMEOUT:g} s") from None


def raw_notify(client, method: str, params: Any) -> None:
    client.protocol._send_data({"jsonrpc": "2.0", "method": method, "params": params})


# -- a raw JSON-RPC connection --------------------------------------------------------
def frame(payload: dict | bytes) -> bytes:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Raw:
    """Bytes in, JSON out: the server as a process, with no client library in between."""

    def __init__(self, reader: asyncio.StreamReader, writer, process=None):
        self.reader, self.writer, self.process = reader, writer, process

    @classmethod
    async def spawn(cls, *command: str, **kwargs) -> Raw:
        process = await asyncio.create_subprocess_exec(
            *(command or SERVER), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL, **kwargs,
        )
        return cls(process.stdout, process.stdin, process)

    def send(self, payload: dict | bytes) -> None:
        self.writer.write(frame(payload))

    async def read(self) -> dict:
        length = None
        while True:
            header = await self.reader.readline()
            if not header:
                raise AssertionError("the server closed the connection")
            if match := re.match(rb"Content-Length: (\d+)", header):
                length = int(match.group(1))
            elif header.strip() == b"" and length is not None:
                return json.loads(await self.reader.readexactly(length))

    async def response(self, msg_id, timeout: float = TIMEOUT) -> dict:
        """The response to request ``msg_id`` (notifications in between are skipped)."""

        async def loop():
            while True:
                message = await self.read()
                if "method" not in message and message.get("id") == msg_id:
                    return message

        try:
            return await asyncio.wait_for(loop(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"no response to request {msg_id!r} within {timeout:g} s") from None

    async def initialize(self, msg_id=1, process_id=None, root: Path | None = None) -> dict:
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": "initialize", "params": {
            "processId": process_id, "capabilities": {},
            "rootUri": root.as_uri() if root else None,
        }})
        reply = await self.response(msg_id)
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        return reply

    async def close(self) -> int | None:
        """Shut down politely, then make sure the process is gone."""
        if self.process is None:
            self.writer.close()
            return None
        if self.process.returncode is None:
            try:
                self.send({"jsonrpc": "2.0", "id": "bye", "method": "shutdown"})
                await self.response("bye", timeout=5)
                self.send({"jsonrpc": "2.0", "method": "exit"})
                return await asyncio.wait_for(self.process.wait(), 5)
            except (AssertionError, asyncio.TimeoutError, ConnectionError):
                self.process.kill()
        return await self.process.wait()
