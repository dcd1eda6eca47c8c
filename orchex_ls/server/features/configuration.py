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
        result = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section="orchex")])
        )
    except Exception as exc:  # noqa: BLE001 - a client without settings is fine
        ls.log(types.MessageType.Warning, f"orchex: could not read editor settings: {exc}")
        return None
    return result[0] if result and isinstance(result[0], dict) else None


def register(server: OrchexServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: OrchexServer, params: types.DidChangeConfigurationParams) -> None:
        from . import diagnostics, index

        settings = await fetch_editor_settings(ls)
        if settings is None and isinstance(params.settings, dict):
            settings = params.settings
        before = {path: f.config for path, f in ls.state.folders.items()}
        if not ls.apply_settings(settings if settings is not None else ls.state.editor_settings):
            return
        await diagnostics.reanalyse_open_documents(ls)
        changed = [f for path, f in ls.state.folders.items() if before.get(path) != f.config]
        for folder in changed:
            await index.index_folder(ls, folder)
