"""orchex-ls: code-health metrics, verified refactorings and AI-agent orchestration for Python.

The public API is re-exported here. Names resolve on first use (PEP 562), so importing the
package — as the CLI and the language server do first thing — costs nothing until an
analyzer name is actually touched.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "analyze_path": "orchex_ls.analysis.engine",
    "analyze_paths": "orchex_ls.analysis.engine",
    "analyze_source": "orchex_ls.analysis.engine",
    "ClassMetrics": "orchex_ls.analysis.models",
    "CloneGroup": "orchex_ls.analysis.models",
    "CloneLocation": "orchex_ls.analysis.models",
    "Coupling": "orchex_ls.analysis.models",
    "FileReport": "orchex_ls.analysis.models",
    "Finding": "orchex_ls.analysis.models",
    "FunctionMetrics": "orchex_ls.analysis.models",
    "Hotspot": "orchex_ls.analysis.models",
    "ModuleCoupling": "orchex_ls.analysis.models",
    "ModuleMetrics": "orchex_ls.analysis.models",
    "Opportunity": "orchex_ls.analysis.models",
    "RelatedLocation": "orchex_ls.analysis.models",
    "Report": "orchex_ls.analysis.models",
    "Skipped": "orchex_ls.analysis.models",
    "Summary": "orchex_ls.analysis.models",
    "CODES": "orchex_ls.config",
    "ConfigError": "orchex_ls.config",
    "OrchexConfig": "orchex_ls.config",
    "Thresholds": "orchex_ls.config",
    "load_config": "orchex_ls.config",
    "Applied": "orchex_ls.refactor.models",
    "Offer": "orchex_ls.refactor.models",
    "Refused": "orchex_ls.refactor.models",
    "Selection": "orchex_ls.refactor.models",
    "TextEdit": "orchex_ls.refactor.models",
    "apply_refactoring": "orchex_ls.refactor.engine",
    "Orchestrator": "orchex_ls.orchestrator.orchestrator",
    "Task": "orchex_ls.orchestrator.models",
    "TaskResult": "orchex_ls.orchestrator.models",
    "list_refactorings": "orchex_ls.refactor.engine",
}

__all__ = [
    "Applied",
    "CODES",
    "ClassMetrics",
    "CloneGroup",
    "CloneLocation",
    "ConfigError",
    "Coupling",
    "FileReport",
    "Finding",
    "FunctionMetrics",
    "Hotspot",
    "ModuleCoupling",
    "ModuleMetrics",
    "Offer",
    "Opportunity",
    "Orchestrator",
    "OrchexConfig",
    "Refused",
    "RelatedLocation",
    "Report",
    "Selection",
    "Skipped",
    "Summary",
    "Task",
    "TaskResult",
    "TextEdit",
    "Thresholds",
    "__version__",
    "analyze_path",
    "analyze_paths",
    "analyze_source",
    "apply_refactoring",
    "list_refactorings",
    "load_config",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'orchex_ls' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from .analysis.engine import analyze_path, analyze_paths, analyze_source
    from .analysis.models import (
        ClassMetrics,
        CloneGroup,
        CloneLocation,
        Coupling,
        FileReport,
        Finding,
        FunctionMetrics,
        Hotspot,
        ModuleCoupling,
        ModuleMetrics,
        Opportunity,
        RelatedLocation,
        Report,
        Skipped,
        Summary,
    )
    from .config import CODES, ConfigError, OrchexConfig, Thresholds, load_config
