"""Project configuration: ``[tool.orchex]`` in ``pyproject.toml`` or ``.orchex.toml``.

Keys are kebab-case. The file is found by walking up from the analysed path; a bad file is
reported with its path, the key and what is allowed (the CLI exits 2 on it).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CODES: dict[str, str] = {
    "OCX100": "parse-error",
    "OCX101": "cyclomatic-complexity",
    "OCX102": "cognitive-complexity",
    "OCX103": "deep-nesting",
    "OCX104": "long-function",
    "OCX105": "too-many-parameters",
    "OCX106": "low-maintainability",
    "OCX107": "duplicate-code",
    "OCX108": "high-coupling",
    "OCX109": "import-cycle",
    "OCX110": "hotspot",
}

# Folders nobody wants analysed; `exclude` replaces this list, `extend-exclude` adds to it.
DEFAULT_EXCLUDE = (
    ".bzr", ".direnv", ".eggs", ".git", ".hg", ".mypy_cache", ".nox", ".orchex",
    ".pytest_cache", ".ruff_cache", ".svn", ".tox", ".venv", "__pycache__", "__pypackages__",
    "_build", "build", "dist", "node_modules", "site-packages", "venv",
)


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class Section(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=_kebab, populate_by_name=True
    )


class Thresholds(Section):
    """A finding is raised when a value goes over its threshold (under, for maintainability)."""

    cyclomatic: int = Field(10, ge=1, description="OCX101: cyclomatic complexity of a function")
    cognitive: int = Field(15, ge=1, description="OCX102: cognitive complexity of a function")
    nesting: int = Field(4, ge=1, description="OCX103: deepest block nesting in a function")
    function_lines: int = Field(60, ge=1, description="OCX104: logical lines of a function")
    parameters: int = Field(6, ge=0, description="OCX105: parameters of a function (self/cls excluded)")
    maintainability: float = Field(20, ge=0, le=100, description="OCX106: module maintainability index")
    duplicate_lines: int = Field(6, ge=2, description="OCX107: minimum lines of a reported clone")
    fan_out: int = Field(15, ge=1, description="OCX108: workspace modules one module imports")
    hotspot_days: int = Field(180, ge=1, description="OCX110: git history window for churn")


def _check_codes(values: list[str]) -> list[str]:
    out = []
    for value in values:
        code = value.strip().upper()
        if not code:
            continue
        if not any(known.startswith(code) for known in CODES):
            raise ValueError(f"unknown code {value!r}; known codes: {', '.join(CODES)}")
        out.append(code)
    return out


class OrchexConfig(Section):
    """The analyzer's settings (later issues add sections of their own)."""

    exclude: list[str] = Field(list(DEFAULT_EXCLUDE), description="gitignore-style globs, on top of .gitignore")
    extend_exclude: list[str] = Field([], description="globs added to `exclude`")
    select: list[str] = Field([], description="codes or prefixes to report (empty: all)")
    ignore: list[str] = Field([], description="codes or prefixes never reported")
    max_file_size_kb: int = Field(1024, ge=1, description="larger files are skipped")
    jobs: int | None = Field(None, ge=1, le=256, description="worker processes (default: cores)")
    state_dir: str = Field(".orchex", min_length=1, description="cache folder, relative to the project")
    thresholds: Thresholds = Thresholds()

    @field_validator("select", "ignore")
    @classmethod
    def _known_codes(cls, value: list[str]) -> list[str]:
        return _check_codes(value)

    def reports(self, code: str) -> bool:
        if self.select and not any(code.startswith(s) for s in self.select):
            return False
        return not any(code.startswith(i) for i in self.ignore)


class ConfigError(Exception):
    """An invalid configuration file or value: says which file, which key, what is allowed."""


def format_validation_error(source: str, error: ValidationError) -> str:
    lines = [f"invalid configuration in {source}:"]
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            section = OrchexConfig if len(item["loc"]) == 1 else Thresholds
            allowed = ", ".join(sorted(_kebab(f) for f in section.model_fields))
            lines.append(f"  {key}: unknown key; allowed keys: {allowed}")
        else:
            message = item["msg"].removeprefix("Value error, ")
            lines.append(f"  {key}: {message} (got {item.get('input')!r})")
    return "\n".join(lines)


def validate_config(data: dict[str, Any], source: str = "settings") -> OrchexConfig:
    try:
        return OrchexConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(source, exc)) from None


def find_config_file(start: Path) -> Path | None:
    """Nearest ``.orchex.toml``, or ``pyproject.toml`` holding ``[tool.orchex]``, upwards."""
    directory = start if start.is_dir() else start.parent
    for folder in (directory, *directory.parents):
        candidate = folder / ".orchex.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except OSError:
                return pyproject  # unreadable: load_config_file reports it with the reason
            except (UnicodeDecodeError, tomllib.TOMLDecodeError):
                # A broken pyproject that has no [tool.orchex] is not ours to judge,
                # unless it mentions us: then the user needs to hear about it.
                if b"[tool.orchex" in pyproject.read_bytes():
                    return pyproject
                continue
            if "orchex" in data.get("tool", {}):
                return pyproject
    return None


def load_config_file(path: Path) -> dict[str, Any]:
    """The raw orchex table of a config file (not yet validated)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML in {path}: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("orchex", {})
    if not isinstance(data, dict):
        raise ConfigError(f"invalid configuration in {path}: [tool.orchex] must be a table")
    return data


def load_config(start: Path, overrides: dict[str, Any] | None = None) -> tuple[OrchexConfig, Path | None]:
    """Find, read and validate the configuration for ``start``; CLI ``overrides`` win."""
    path = find_config_file(start)
    data = load_config_file(path) if path else {}
    config = validate_config(data, str(path) if path else "settings")
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    if overrides:
        # Validated apart, so a bad flag is not blamed on the file.
        config = validate_config({**data, **overrides}, "command-line options")
    return config, path
