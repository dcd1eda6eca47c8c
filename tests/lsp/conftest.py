"""pytest-lsp fixtures: a real `orchex-ls` process over stdio, driven by a client with the
capabilities of VS Code, Neovim or Emacs (as pytest-lsp ships them).

A test tunes its session with ``@pytest.mark.lsp(...)``:
  settings=      initializationOptions.settings (default: debounce 0)
  configuration= what the client answers to `workspace/configuration` for section `orchex`
  setup=         fn(root) run on the copied workspace before `initialize`; may return a
                 callable run before shutdown (e.g. to release something the server waits on)
  folders=       workspace folders, relative to the root (default: the root)
  capabilities=  fn(ClientCapabilities) to adjust the profile
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from samples import CLONE, COMPLEX

sys.path.insert(0, str(Path(__file__).parent))  # `import helpers` from the test modules

# VS Code and Emacs (eglot) only take pushed diagnostics; Neovim 0.11 pulls them.
CLIENTS = ["visual-studio-code", "neovim@v0.11.0", "emacs"]
SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "orchex_ls"])


def pytest_configure(config):
    config.addinivalue_line("markers", "lsp(**options): how to start the language server session")


def make_workspace(root: Path) -> Path:
    pkg = root / "pkg"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "core.py").write_text("from pkg import util\n" + COMPLEX)
    (pkg / "util.py").write_text("from pkg import core\n" + CLONE.format(name="scale"))
    (pkg / "other.py").write_text(CLONE.format(name="stretch"))
    (root / "pyproject.toml").write_text("[tool.orchex]\nstate-dir = '.orchex'\n")
    return root


@pytest.fixture(scope="session")
def workspace_template(tmp_path_factory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("template") / "ws")


@pytest_lsp.fixture(params=CLIENTS, config=SERVER)
async def client(request, lsp_client: LanguageClient, workspace_template: Path, tmp_path: Path):
    marker = request.node.get_closest_marker("lsp")
    options = dict(marker.kwargs) if marker else {}
    root = tmp_path / "ws"
    shutil.copytree(workspace_template, root)
    release = options["setup"](root) if "setup" in options else None
    lsp_client.root = root
    lsp_client.client_name = request.param
    lsp_client.registrations = []
    lsp_client.published = []  # every publishDiagnostics, in order (pytest-lsp keeps the last)

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        lsp_client.registrations.extend(params.registrations)

    lsp_client.protocol.fm.features.pop(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)  # replaced below

    @lsp_client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        lsp_client.published.append(params)
        lsp_client.diagnostics[params.uri] = params.diagnostics

    if "configuration" in options:
        lsp_client.set_configuration(options["configuration"], section="orchex")
    capabilities = client_capabilities(request.param)
    if "capabilities" in options:
        options["capabilities"](capabilities)
    folders = [root / f for f in options.get("folders", ["."])]
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=capabilities,
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=f.resolve().as_uri(), name=f.resolve().name) for f in folders],
        initialization_options={"settings": options.get("settings", {"debounce-ms": 0})},
    ))
    yield
    if release is not None:
        release()
    try:
        await asyncio.wait_for(lsp_client.shutdown_session(), 10)
    except asyncio.TimeoutError:
        lsp_client._server.kill()  # a hung server must not hang the suite
        raise AssertionError("the server did not shut down within 10 s") from None
