"""Multi-agent orchestration: send a task to the best AI agent and get it done when agents fail.

Names resolve on first use (PEP 562): importing the package loads neither litellm nor the
orchestrator's modules.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Orchestrator": "orchex_ls.orchestrator.orchestrator",
    "OrchestratorError": "orchex_ls.orchestrator.orchestrator",
    "Task": "orchex_ls.orchestrator.models",
    "TaskResult": "orchex_ls.orchestrator.models",
    "TaskSelection": "orchex_ls.orchestrator.models",
    "Message": "orchex_ls.orchestrator.models",
    "Attempt": "orchex_ls.orchestrator.models",
    "RoutingDecision": "orchex_ls.orchestrator.models",
    "CandidateScore": "orchex_ls.orchestrator.models",
    "FailureKind": "orchex_ls.orchestrator.failures",
    "ProviderError": "orchex_ls.orchestrator.failures",
}

__all__ = [
    "Attempt",
    "CandidateScore",
    "FailureKind",
    "Message",
    "Orchestrator",
    "OrchestratorError",
    "ProviderError",
    "RoutingDecision",
    "Task",
    "TaskResult",
    "TaskSelection",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'orchex_ls.orchestrator' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from .failures import FailureKind, ProviderError
    from .models import (
        Attempt,
        CandidateScore,
        Message,
        RoutingDecision,
        Task,
        TaskResult,
        TaskSelection,
    )
    from .orchestrator import Orchestrator, OrchestratorError
