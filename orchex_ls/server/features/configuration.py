"""Settings from the editor: `initializationOptions.settings`, `workspace/configuration`
(section `orchex`) and `workspace/didChangeConfiguration`. A change applies at once."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from ..server import OrchexServer


async def fetch_editor_settings(ls: OrchexServer) -> tuple[dict | None, dict[Path, dict]] | None:
    """Ask the client for the `orchex` section: the window's answer and each workspace
    folder's (VS Code answers per folder scope: `.vscode/settings.json` of that folder).
    None if it cannot answer."""
    if not ls.supports_configuration:
        return None
    folders = list(ls.state.folders)
    items = [types.ConfigurationItem(section="orchex")] + [
        types.ConfigurationItem(scope_uri=path.as_uri(), section="orchex") for path in folders
    ]
    try:
        result = await ls.ask_client(ls.workspace_configuration_async(types.ConfigurationParams(items=items)))
    except Exception as exc:  # noqa: BLE001 - a client without settings is fine
        ls.log(types.MessageType.Warning, f"orchex: could not read editor settings: {exc!r}")
        return None
    if not result:
        return None
    window = result[0] if isinstance(result[0], dict) else None  # None: keep what we have
    per_folder = {
        path: answer for path, answer in zip(folders, result[1:], strict=False)
        if isinstance(answer, dict) and answer != window
    }
    if window is None and not per_folder:
        return None
    return window, per_folder


def register(server: OrchexServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: OrchexServer, params: types.DidChangeConfigurationParams) -> None:
        from . import diagnostics, index

        async with ls.settings_lock:  # analyses wait for the new settings
            fetched = await fetch_editor_settings(ls)
            folders = [ls.state.default, *ls.state.folders.values()]
            before = [f.config for f in folders]
            if fetched is not None:
                ls.apply_settings(*fetched)  # tells the user about anything refused
            elif isinstance(params.settings, dict):
                ls.apply_settings(params.settings)
        changed = [f for f, config in zip(folders, before) if f.config != config]
        if not changed:
            return
        await diagnostics.reanalyse_open_documents(ls)
        for folder in changed:
            if folder is not ls.state.default:
                await index.index_folder(ls, folder)
