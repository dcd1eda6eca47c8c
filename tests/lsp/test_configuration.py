"""Settings: initializationOptions, `workspace/configuration`, the project's files, their
precedence, changes at run time, invalid values."""

from __future__ import annotations

import pytest
from helpers import change, codes, diagnostics, open_doc, wait_until
from lsprotocol import types


def threshold(found, code: str) -> str | None:
    return next((d.message.rsplit("(threshold ", 1)[1].rstrip(")") for d in found if d.code == code), None)


def open_core(client) -> str:
    return open_doc(client, client.root / "pkg" / "core.py")


def reconfigure(client, settings: dict) -> None:
    """What an editor does: new values behind `workspace/configuration`, then the nudge."""
    client.set_configuration(settings, section="orchex")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))


def orchex_toml(root):
    (root / ".orchex.toml").write_text("[thresholds]\nparameters = 10\n")


@pytest.mark.lsp(setup=orchex_toml, settings={"debounceMs": 0, "thresholds": {"cognitive": 30, "functionLines": 5}})
async def test_initialization_options_in_camel_case_and_project_file(client):
    found = await diagnostics(client, open_core(client), lambda d: "OCX104" in codes(d), "OCX104")
    assert threshold(found, "OCX104") == "5" and "OCX102" not in codes(found)  # from the editor
    assert "OCX105" not in codes(found)  # from .orchex.toml
    assert client.messages == []  # nothing refused


@pytest.mark.lsp(configuration={"thresholds": {"nesting": 10}})
async def test_workspace_configuration_section(client):
    found = await diagnostics(client, open_core(client), lambda d: "OCX102" in codes(d), "OCX102")
    assert "OCX103" not in codes(found)


@pytest.mark.lsp(configuration={"thresholds": {"nesting": 10}})
async def test_a_folder_scope_overrides_the_window(client):
    """Per-folder editor settings (VS Code's folder `.vscode/settings.json`): the server asks
    for each workspace folder's scope."""
    uri = open_core(client)
    await diagnostics(client, uri, lambda d: "OCX102" in codes(d) and "OCX103" not in codes(d), "window settings")
    client.set_configuration({"thresholds": {"nesting": 2}}, section="orchex",
                             scope_uri=client.root.resolve().as_uri())
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    found = await diagnostics(client, uri, lambda d: threshold(d, "OCX103") == "2", "the folder's nesting")
    assert "OCX102" in codes(found)


def strict_pyproject(root):
    (root / "pyproject.toml").write_text(
        "[tool.orchex]\nignore = ['OCX105']\n[tool.orchex.thresholds]\ncognitive = 100\n")


@pytest.mark.lsp(setup=strict_pyproject, configuration={"thresholds": {"cognitive": 5}})
async def test_preference_changed_at_run_time(client):
    uri = open_core(client)
    # filesystem-first (the default): the file's threshold wins, the editor fills the rest.
    found = await diagnostics(client, uri, lambda d: "OCX103" in codes(d), "OCX103")
    assert "OCX102" not in codes(found) and "OCX105" not in codes(found)
    reconfigure(client, {"configuration-preference": "editor-first", "thresholds": {"cognitive": 5}})
    found = await diagnostics(client, uri, lambda d: threshold(d, "OCX102") == "5", "editor-first")
    assert "OCX105" not in codes(found)  # still ignored by the file
    reconfigure(client, {"configurationPreference": "editor-only", "thresholds": {"cognitive": 5}})
    found = await diagnostics(client, uri, lambda d: "OCX105" in codes(d), "editor-only: the file ignored")
    assert threshold(found, "OCX102") == "5"


@pytest.mark.lsp(configuration={"thresholds": {"cognitive": 5}})
async def test_invalid_settings_keep_the_previous_ones(client):
    uri = open_core(client)
    await diagnostics(client, uri, lambda d: threshold(d, "OCX102") == "5", "threshold 5")
    reconfigure(client, {"thresholds": {"cognitive": "high"}})
    [message] = await wait_until(client, types.WINDOW_SHOW_MESSAGE, lambda: client.messages, "an error message")
    assert "thresholds.cognitive" in message.message and message.type == types.MessageType.Error
    (client.root / ".orchex.toml").write_text("[thresholds]\ncognitive = 7\nnestting = 2\n")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=(client.root / ".orchex.toml").as_uri(), type=types.FileChangeType.Created)]))
    await wait_until(client, types.WINDOW_SHOW_MESSAGE, lambda: len(client.messages) == 2, "a second message")
    assert "thresholds.nestting: unknown key" in client.messages[1].message
    change(client, uri, 2, (client.root / "pkg" / "core.py").read_text() + "# edited\n")
    found = await diagnostics(client, uri, lambda d: d and published_version(client, uri) in (None, 2), "v2")
    assert threshold(found, "OCX102") == "5"  # neither refused value took effect


def published_version(client, uri):
    mine = [p for p in client.published if p.uri == uri]
    return mine[-1].version if mine else None


def test_client_only_keys_are_not_settings_errors():
    """Editor clients send how they start the server along with the `orchex` section."""
    from orchex_ls.server.settings import resolve

    config, server, _ = resolve(None, {
        "interpreter": "/usr/bin/python3", "serverArgs": ["--log-level", "debug"],
        "trace": {"server": "verbose"}, "debounceMs": 5, "thresholds": {"cognitive": 9},
    })
    assert server.debounce_ms == 5 and config.thresholds.cognitive == 9
