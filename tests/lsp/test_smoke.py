"""First contact: diagnostics for an opened document, in push and pull clients."""

from __future__ import annotations

import asyncio

from lsprotocol import types


async def diagnostics_for(client, uri: str, timeout: float = 20.0) -> list[types.Diagnostic]:
    if client.client_name.startswith("neovim"):
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        return list(report.items)
    deadline = asyncio.get_running_loop().time() + timeout
    while uri not in client.diagnostics:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no diagnostics for {uri}")
        await asyncio.sleep(0.05)
    return list(client.diagnostics[uri])


async def test_open_document_gets_orchex_diagnostics(client):
    path = client.root / "pkg" / "core.py"
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=path.read_text())
    ))
    found = await diagnostics_for(client, uri)
    codes = {d.code for d in found}
    assert {"OCX102", "OCX103", "OCX105"} <= codes
    assert all(d.source == "orchex" for d in found)
