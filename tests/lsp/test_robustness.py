"""Nothing a client sends stops the server: bad params, bad JSON, unknown methods, failing
handlers; and it leaves when its client is gone. Also: TCP."""

from __future__ import annotations

import asyncio
import socket
import sys

import pytest
from helpers import SERVER, TIMEOUT, Raw, command, open_doc, raw_notify, raw_request, wait_until
from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams, JsonRpcMethodNotFound

HOVER = "textDocument/hover"


async def still_serving(client) -> None:
    uri = open_doc(client, client.root / "pkg" / "core.py")
    answer = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=4, character=4))), TIMEOUT)
    assert "tangled" in answer.contents.value


async def test_invalid_params_and_unknown_methods(client):
    with pytest.raises(JsonRpcInvalidParams):  # a response with our id, or this would time out
        await raw_request(client, HOVER, {"textDocument": 5})
    raw_notify(client, "textDocument/didOpen", {"textDocument": 5})
    await wait_until(client, types.WINDOW_LOG_MESSAGE,
                     lambda: any("textDocument/didOpen" in m.message for m in client.log_messages), "a log line")
    with pytest.raises(JsonRpcMethodNotFound) as error:
        await raw_request(client, "orchex/nope", {})
    assert error.value.code == -32601
    raw_notify(client, "orchex/nope", {})  # an unknown notification is ignored
    raw_notify(client, "$/unknownThing", {})
    await still_serving(client)


async def test_failing_handlers_are_contained(client):
    with pytest.raises(JsonRpcInternalError, match="failing on purpose"):
        await command(client, "orchex.debug", "raise")
    # A notification cannot be answered: it is logged. (didChange for a document never opened)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri="file:///never/opened.py", version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text="x")]))
    await wait_until(client, types.WINDOW_LOG_MESSAGE,
                     lambda: any("opened.py" in m.message for m in client.log_messages), "a log line")
    await still_serving(client)


async def test_malformed_json_rpc_over_raw_stdio(tmp_path):
    server = await Raw.spawn()
    try:
        await server.initialize(root=tmp_path)
        server.writer.write(b"Garbage-Header: 1\r\n")  # ignored: not a header we know
        server.send(b"{not json")
        assert (await server.response(None))["error"]["code"] == -32700
        for body, msg_id in ((b"[1, 2]", None), (b'{"id": 7, "method": "x"}', 7), (b"42", None)):
            server.send(body)
            assert (await server.response(msg_id))["error"]["code"] == -32600, body
        server.send({"jsonrpc": "2.0", "id": "h", "method": HOVER, "params": {"textDocument": 5}})
        assert (await server.response("h"))["error"]["code"] == -32602
        server.send({"jsonrpc": "2.0", "id": 9, "method": "shutdown"})
        assert (await server.response(9))["result"] is None
        server.send({"jsonrpc": "2.0", "method": "exit"})
        assert await asyncio.wait_for(server.process.wait(), TIMEOUT) == 0
    finally:
        await server.close()


async def test_exits_when_the_client_process_dies(tmp_path):
    editor = await asyncio.create_subprocess_exec(sys.executable, "-c", "import time; time.sleep(60)")
    server = await Raw.spawn()
    try:
        await server.initialize(process_id=editor.pid, root=tmp_path)
        editor.kill()
        await editor.wait()
        try:
            await asyncio.wait_for(server.process.wait(), 10)
        except asyncio.TimeoutError:
            raise AssertionError("the server outlived its client by 10 s") from None
    finally:
        editor.returncode is None and editor.kill()
        await server.close()


async def test_exits_when_stdin_closes(tmp_path):
    server = await Raw.spawn()
    try:
        await server.initialize(root=tmp_path)
        server.writer.close()
        await asyncio.wait_for(server.process.wait(), TIMEOUT)
    finally:
        await server.close()


async def test_tcp(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = await asyncio.create_subprocess_exec(*SERVER, "--tcp", "--port", str(port), stderr=asyncio.subprocess.DEVNULL)

    async def connect():
        while True:
            try:
                return await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)  # not listening yet; nothing to wait on

    try:
        reader, writer = await asyncio.wait_for(connect(), TIMEOUT)
        server = Raw(reader, writer)
        reply = await server.initialize(root=tmp_path)
        assert reply["result"]["serverInfo"]["name"] == "orchex-ls"
        assert reply["result"]["capabilities"]["hoverProvider"]
        await server.close()
    finally:
        process.kill()
        await process.wait()
