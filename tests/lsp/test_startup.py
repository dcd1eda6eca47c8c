"""Start-up: every way to start the server answers `initialize`; litellm is never imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import TIMEOUT, Raw

BIN = Path(sys.executable).parent
COMMANDS = {
    "orchex-ls": [str(BIN / "orchex-ls")],
    "python -m orchex_ls": [sys.executable, "-m", "orchex_ls"],
    "orchex serve": [str(BIN / "orchex"), "serve"],
}


def test_version():
    out = subprocess.run([*COMMANDS["orchex-ls"], "--version"], capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode == 0 and out.stdout.startswith("orchex-ls ")


@pytest.mark.parametrize("how", COMMANDS)
async def test_starts_and_answers_initialize(how, tmp_path):
    server = await Raw.spawn(*COMMANDS[how])
    try:
        reply = await server.initialize(root=tmp_path)
        capabilities = reply["result"]["capabilities"]
        assert capabilities["textDocumentSync"]["change"] == 2  # incremental
        assert {"orchex.analyzeWorkspace", "orchex.report", "orchex.hotspots"} <= set(
            capabilities["executeCommandProvider"]["commands"])
    finally:
        assert await server.close() == 0


async def test_log_file_and_level(tmp_path):
    log = tmp_path / "server.log"
    server = await Raw.spawn(*COMMANDS["orchex-ls"], "--log-file", str(log), "--log-level", "debug")
    try:
        await server.initialize(root=tmp_path)  # a clean protocol channel: logs are not on stdout
    finally:
        assert await server.close() == 0
    assert "DEBUG" in log.read_text()


async def test_litellm_is_never_imported(tmp_path):
    """A fake litellm on the path says so if anything imports it; the live server's loaded
    modules (after indexing a workspace and hovering) do not include it."""
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "litellm.py").write_text("raise SystemExit('litellm was imported')\n")
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "mod.py").write_text("def f(x):\n    return x\n")
    server = await Raw.spawn(*COMMANDS["python -m orchex_ls"], env={**os.environ, "PYTHONPATH": str(fake)})
    try:
        await server.initialize(root=tmp_path / "ws")
        server.send({"jsonrpc": "2.0", "id": 2, "method": "workspace/executeCommand",
                     "params": {"command": "orchex.analyzeWorkspace", "arguments": []}})
        assert (await server.response(2))["result"]["files"] == 1
        server.send({"jsonrpc": "2.0", "id": 3, "method": "workspace/executeCommand",
                     "params": {"command": "orchex.debug", "arguments": ["modules"]}})
        modules = (await server.response(3))["result"]
        assert "pygls" in modules and "orchex_ls" in modules and "litellm" not in modules
        # Nor the refactoring engine's libcst or the AI requests' jedi, until first used.
        assert "libcst" not in modules and "jedi" not in modules
    finally:
        assert await server.close() == 0

