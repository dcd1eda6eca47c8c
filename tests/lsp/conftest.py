"""pytest-lsp fixtures: a real `orchex-ls` process over stdio, driven by a client with the
capabilities of VS Code, Neovim or Emacs (as pytest-lsp ships them)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from samples import CLONE, COMPLEX

# VS Code and Emacs (eglot) only take pushed diagnostics; Neovim 0.11 pulls them.
CLIENTS = ["visual-studio-code", "neovim@v0.11.0", "emacs"]
SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "orchex_ls"])


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
    root = tmp_path / "ws"
    shutil.copytree(workspace_template, root)
    lsp_client.root = root  # type: ignore[attr-defined]
    lsp_client.registrations = []  # type: ignore[attr-defined]

    # Real editors accept dynamic registration (file watchers); the test client records it.
    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        lsp_client.registrations.extend(params.registrations)

    lsp_client.client_name = request.param  # type: ignore[attr-defined]
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(request.param),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
            initialization_options={"settings": {"debounce-ms": 0}},
        )
    )
    yield
    await lsp_client.shutdown_session()
