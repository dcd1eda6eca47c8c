"""Server settings: the analyzer's configuration plus the editor-only keys, merged from the
project's file and the editor according to ``configuration-preference``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from ..config import (
    ConfigError,
    OrchexConfig,
    Section,
    find_config_file,
    format_validation_error,
    load_config_file,
)

_SERVER_KEYS = {"debounce-ms", "configuration-preference"}
# Read by the editor clients themselves (how to start the server, protocol tracing); they
# arrive with the `orchex` section and are not ours to validate.
_CLIENT_KEYS = {"interpreter", "server-args", "trace"}


class ServerSettings(Section):
    """Keys that only make sense in an editor."""

    debounce_ms: int = Field(250, ge=0, le=60_000, description="wait after the last keystroke before analysing")
    configuration_preference: Literal["filesystem-first", "editor-first", "editor-only"] = Field(
        "filesystem-first",
        description="filesystem-first: the project's file wins, editor settings fill the rest; "
        "editor-first: the editor wins; editor-only: the project's file is ignored",
    )


def _kebab(key: str) -> str:
    """VS Code sends camelCase (``debounceMs``); our keys are kebab-case."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", key).replace("_", "-").lower()


def normalise(settings: Any) -> dict[str, Any]:
    """Editor settings as a kebab-case dict (nested tables too); anything else is empty."""
    if not isinstance(settings, dict):
        return {}
    if set(settings) == {"orchex"} and isinstance(settings["orchex"], dict):
        settings = settings["orchex"]  # some clients send the whole section
    return {_kebab(k): normalise(v) if isinstance(v, dict) else v for k, v in settings.items()}


def _merge(low: dict[str, Any], high: dict[str, Any]) -> dict[str, Any]:
    merged = dict(low)
    for key, value in high.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def resolve(folder: Path | None, editor: dict[str, Any]) -> tuple[OrchexConfig, ServerSettings, Path | None]:
    """The settings in force for one workspace folder. Raises ConfigError naming the key."""
    editor = normalise(editor)
    server_part = {k: v for k, v in editor.items() if k in _SERVER_KEYS}
    try:
        server = ServerSettings.model_validate(server_part)
    except ValidationError as exc:
        raise ConfigError(format_validation_error("editor settings", exc)) from None
    analyzer_part = {k: v for k, v in editor.items() if k not in _SERVER_KEYS | _CLIENT_KEYS}
    config_file = find_config_file(folder) if folder and server.configuration_preference != "editor-only" else None
    from_file = load_config_file(config_file) if config_file else {}
    if server.configuration_preference == "editor-first":
        merged = _merge(from_file, analyzer_part)
    else:
        merged = _merge(analyzer_part, from_file)
    source = f"editor settings and {config_file}" if config_file else "editor settings"
    try:
        config = OrchexConfig.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(source, exc)) from None
    return config, server, config_file
