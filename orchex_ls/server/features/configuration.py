"""Settings from the editor: `initializationOptions.settings`, `workspace/configuration`
(section `orchex`) and `workspace/didChangeConfiguration`. A change applies at once."""

from __future__ import annotations

from lsprotocol import types

from ..server import OrchexServer


async def fetch_editor_settings(ls: OrchexServer) -> dict | None:
    """Ask the client for the `orchex` section; None if it cannot answer."""
    if not ls.supports_configuration:
        return None
    try:
        result = await ls.ask_client(ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section="orchex")])
        ))
    except Exception as exc:  # noqa: BLE001 - a client without settings is fine
        ls.log(types.MessageType.Warning, f"orchex: could not read editor settings: {exc!r}")
        return None
    return result[0] if result and isinstance(result[0], dict) else None


def register(server: OrchexServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: OrchexServer, params: types.DidChangeConfigurationParams) -> None:
        from . import diagnostics, index

        async with ls.settings_lock:  # analyses wait for the new settings
            settings = await fetch_editor_settings(ls)
            if settings is None and isinstance(params.settings, dict):
                settings = params.settings
            folders = [ls.state.default, *ls.state.folders.values()]
            before = [f.config for f in folders]
            ls.apply_settings(settings)  # tells the user about anything refused
        changed = [f for f, config in zip(folders, before) if f.config != config]
        if not changed:
            return
        await diagnostics.reanalyse_open_documents(ls)
        for folder in changed:
            if folder is not ls.state.default:
                await index.index_folder(ls, folder)
