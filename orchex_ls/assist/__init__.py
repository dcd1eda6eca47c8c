"""AI refactoring, the editor-independent half: what an agent is sent, and the checks its
answer passes before anyone sees it.

    request = build_request(source, path, selection, instruction, project_root=root)
    messages = render_messages(request)            # -> the agent
    code = extract_code(answer_text)               # <- the agent
    verdict = validate(request, source, code)      # ValidAnswer(new_source, edit, metrics) | InvalidAnswer(reason)
"""

from __future__ import annotations

from .answer import (
    answer_validator,
    check_answer,
    extract_code,
    validate,
)
from .context import asks_interface_change, build_request
from .models import (
    DEFAULT_INSTRUCTION,
    AnswerProblem,
    CallSite,
    ClassHeader,
    InvalidAnswer,
    RefactorRequest,
    RequestProblem,
    Target,
    ValidAnswer,
)
from .prompt import render_messages

__all__ = [
    "DEFAULT_INSTRUCTION",
    "AnswerProblem",
    "CallSite",
    "ClassHeader",
    "InvalidAnswer",
    "RefactorRequest",
    "RequestProblem",
    "Target",
    "ValidAnswer",
    "answer_validator",
    "asks_interface_change",
    "build_request",
    "check_answer",
    "extract_code",
    "render_messages",
    "validate",
]
