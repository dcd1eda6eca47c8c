"""Project configuration: ``[tool.orchex]`` in ``pyproject.toml`` or ``.orchex.toml``.

Keys are kebab-case. The file is found by walking up from the analysed path; a bad file is
reported with its path, the key and what is allowed (the CLI exits 2 on it).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .governance.settings import GovernanceConfig

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


# --- orchestrator: agents, routing, budget ------------------------------------------------

TaskType = str
DEFAULT_TASK_TYPES = ("refactor", "explain", "docstring", "review")
BUILTIN_MODEL = "builtin"  # the deterministic agent: refactorings from orchex's own engine
_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class AgentConfig(Section):
    """One AI agent: a litellm model string (or ``builtin``) and the limits it runs under."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="unique name")
    model: str = Field(min_length=1, description='litellm model string; "builtin" = the deterministic agent')
    api_base: str | None = Field(None, min_length=1, description="endpoint (Ollama, llama.cpp, vLLM, a proxy)")
    # The variable's name only: a key pasted here would end up in files and messages.
    api_key_env: str | None = Field(None, pattern=_ENV_NAME, description="environment variable holding the key")
    tier: int = Field(1, ge=1, le=3, description="1 primary, 2 secondary, 3 tertiary")
    task_types: list[TaskType] = Field(list(DEFAULT_TASK_TYPES), min_length=1, description="task types served")
    quality: float = Field(0.7, ge=0, le=1, description="prior quality 0..1")
    cost_per_1k_input: float | None = Field(None, ge=0, description="USD per 1000 input tokens (default: litellm's map)")
    cost_per_1k_output: float | None = Field(None, ge=0, description="USD per 1000 output tokens")
    max_concurrency: int = Field(4, ge=1, le=10_000, description="calls in flight at once")
    rpm: int | None = Field(None, ge=1, description="requests per minute (absent: no limit)")
    tpm: int | None = Field(None, ge=1, description="tokens per minute (absent: no limit)")
    timeout_s: float = Field(60, gt=0, le=3600, description="seconds per call")
    context_window: int | None = Field(None, ge=1, description="tokens the model accepts (absent: unknown)")
    local: bool = Field(False, description="true: the code never leaves this machine/network")

    @field_validator("task_types")
    @classmethod
    def _clean_task_types(cls, value: list[str]) -> list[str]:
        out = []
        for item in value:
            item = item.strip()
            if not item:
                raise ValueError("task types must be non-empty strings")
            if item not in out:
                out.append(item)
        return out

    @model_validator(mode="after")
    def _builtin_serves_refactor_only(self) -> AgentConfig:
        if self.model == BUILTIN_MODEL:
            extra = [t for t in self.task_types if t != "refactor"]
            if extra and self.task_types != list(DEFAULT_TASK_TYPES):
                raise ValueError(f"the builtin agent serves only 'refactor' tasks, not {', '.join(extra)}")
        return self

    @property
    def is_builtin(self) -> bool:
        return self.model == BUILTIN_MODEL

    @property
    def served_task_types(self) -> tuple[str, ...]:
        return ("refactor",) if self.is_builtin else tuple(self.task_types)


def builtin_agent() -> AgentConfig:
    """The agent present even with no configuration: last tier, local, free."""
    return AgentConfig(name="builtin", model=BUILTIN_MODEL, tier=3, task_types=["refactor"], quality=0.6,
                       cost_per_1k_input=0, cost_per_1k_output=0, max_concurrency=4, timeout_s=30, local=True)


class Weights(Section):
    """Weights of the routing score's parts (any non-negative numbers; they are normalised)."""

    quality: float = Field(0.5, ge=0)
    cost: float = Field(0.2, ge=0)
    latency: float = Field(0.2, ge=0)
    load: float = Field(0.1, ge=0)

    @model_validator(mode="after")
    def _not_all_zero(self) -> Weights:
        if not (self.quality or self.cost or self.latency or self.load):
            raise ValueError("at least one weight must be above 0")
        return self


class CircuitConfig(Section):
    """Per-agent circuit breaker: `failures` within `window-s` open it for `cooldown-s`."""

    failures: int = Field(5, ge=1)
    window_s: float = Field(60, gt=0)
    cooldown_s: float = Field(30, ge=0)


class RoutingConfig(Section):
    strategy: Literal["score", "tier", "cheapest", "fastest"] = Field("score", description="order within a tier")
    weights: Weights = Weights()
    max_attempts: int = Field(6, ge=1, le=100, description="calls per task, over all agents")
    retries_per_agent: int = Field(2, ge=0, le=20, description="retries on one agent for transient failures")
    backoff_base_ms: float = Field(200, ge=0)
    backoff_max_ms: float = Field(10_000, ge=0)
    circuit: CircuitConfig = CircuitConfig()
    queue_max: int = Field(256, ge=0, description="tasks waiting for an agent slot; more are rejected")
    log_content: bool = Field(False, description="store prompts and answers in the database (off: sizes and hashes)")

    @model_validator(mode="after")
    def _backoff_order(self) -> RoutingConfig:
        if self.backoff_max_ms < self.backoff_base_ms:
            raise ValueError(f"backoff-max-ms ({self.backoff_max_ms:g}) is below backoff-base-ms ({self.backoff_base_ms:g})")
        return self


class BudgetConfig(Section):
    """USD limits, checked before each call (absent: no limit)."""

    daily_usd: float | None = Field(None, ge=0)
    monthly_usd: float | None = Field(None, ge=0)
    per_task_usd: float | None = Field(None, ge=0)


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
    agents: list[AgentConfig] = Field([], description="AI agents ([[tool.orchex.agents]])")
    routing: RoutingConfig = RoutingConfig()
    budget: BudgetConfig = BudgetConfig()
    governance: GovernanceConfig = Field(GovernanceConfig(), description="what may be sent to LLM agents ([tool.orchex.governance])")

    @field_validator("agents")
    @classmethod
    def _unique_agent_names(cls, value: list[AgentConfig]) -> list[AgentConfig]:
        seen: set[str] = set()
        for agent in value:
            if agent.name in seen:
                raise ValueError(f"agent name {agent.name!r} is used twice; names must be unique")
            seen.add(agent.name)
        return value

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


def _section_at(loc: tuple[Any, ...]) -> type[BaseModel]:
    """The model holding the last key of ``loc`` (list indexes are stepped over)."""
    model: type[BaseModel] = OrchexConfig
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = next((f for n, f in model.model_fields.items() if part in (n, _kebab(n))), None)
        annotation = field.annotation if field else None
        inner = getattr(annotation, "__args__", (annotation,))[0] if getattr(annotation, "__origin__", None) is list else annotation
        if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
            break
        model = inner
    return model


def _key(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def format_validation_error(source: str, error: ValidationError) -> str:
    lines = [f"invalid configuration in {source}:"]
    for item in error.errors():
        loc = tuple(item["loc"])
        key = _key(loc)
        if item["type"] == "extra_forbidden":
            allowed = ", ".join(sorted(_kebab(f) for f in _section_at(loc).model_fields))
            lines.append(f"  {key}: unknown key; allowed keys: {allowed}")
        elif loc and loc[-1] in ("api-key-env", "api_key_env"):
            # Never echo the value: it is often the key itself, pasted by mistake.
            lines.append(f"  {key}: must be the name of an environment variable (e.g. OPENAI_API_KEY), not the key")
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
