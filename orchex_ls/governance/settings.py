"""``[tool.orchex.governance]``: what may leave the machine, and what is written down when it does.

Mirrors ``orchex_ls.config.Section`` (kebab-case keys, unknown keys refused, frozen) without
importing it: ``config.py`` imports this model as its ``governance`` section.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Characters gitignore lets a backslash escape; any other backslash is a Windows separator.
_ESCAPABLE = set("#! *?[]\\")


def _kebab(name: str) -> str:
    return name.replace("_", "-")


def check_glob(glob: str) -> str:
    """A gitignore-style glob relative to the project root, or a ``ValueError`` saying why not."""
    if not glob.strip():
        raise ValueError("globs must not be empty")
    if glob.startswith("#"):
        raise ValueError(f"{glob!r} would be a comment; write '\\#' for a name starting with '#'")
    for i, char in enumerate(glob):
        if char == "\\" and (i + 1 == len(glob) or glob[i + 1] not in _ESCAPABLE):
            raise ValueError(f"{glob!r}: use '/' to separate folders (globs are gitignore-style, on every OS)")
    parts = glob.lstrip("!").strip("/").split("/")
    if ".." in parts:
        raise ValueError(f"{glob!r}: globs are relative to the project root and cannot go above it ('..')")
    if len(glob) >= 2 and glob[1] == ":" and glob[0].isalpha():
        raise ValueError(f"{glob!r}: globs are relative to the project root, not absolute paths")
    return glob


class GovernanceConfig(BaseModel):
    """Rules for code sent to LLM agents (the builtin agent runs here and is not limited)."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=_kebab, populate_by_name=True)

    local_only: list[str] = Field(
        [], description="gitignore-style globs: such files go only to agents with local = true (or the builtin one)")
    deny: list[str] = Field([], description="gitignore-style globs: such files are never sent to an LLM agent")
    redact_secrets: bool = Field(
        True, description="replace keys, tokens, passwords and high-entropy literals by placeholders before sending")
    max_payload_kb: int = Field(256, ge=1, le=100_000, description="largest request sent to an LLM agent, in KiB")
    audit: bool = Field(True, description="one audit row per request sent to an LLM agent")
    audit_content: bool = Field(False, description="keep the (redacted) request text in the audit row")

    @field_validator("local_only", "deny")
    @classmethod
    def _globs(cls, value: list[str]) -> list[str]:
        return [check_glob(g) for g in value]
