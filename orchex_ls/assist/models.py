"""What crosses the AI-refactoring boundary: the request an agent gets, the verdict on its answer.

Lines are 0-based, like the refactoring engine's (``Selection``, ``TextEdit``), except where
a field says "1-based" (call sites and the analyzer's metrics and findings, which are shown
to people and agents). A refusal is a value (``RequestProblem``, ``AnswerProblem``,
``InvalidAnswer``) with a reason meant to be shown as is, never None or an exception.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..analysis.models import Finding, FunctionMetrics
from ..config import Thresholds
from ..refactor.models import MetricChange, Selection, TextEdit

DEFAULT_INSTRUCTION = "Reduce the complexity of this function without changing its behaviour or its interface"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CallSite(_Model):
    """A place that uses the target: what the agent must keep working."""

    path: str  # relative to the project root with `/` separators (the file's own path for itself)
    line: int  # 1-based
    text: str  # that line, stripped


class ClassHeader(_Model):
    """An enclosing class as far as the agent needs it: the header, not the body."""

    name: str
    qualname: str
    line: int  # 1-based line of the `class` keyword
    bases: tuple[str, ...] = ()  # source text of each base and keyword (`metaclass=M`)
    decorators: tuple[str, ...] = ()  # source text of each decorator, without `@`
    header: str  # decorators and `class ...:` as written, dedented


class Target(_Model):
    """The code the agent replaces: whole lines ``[start_line, end_line)`` of the file.

    ``kind="function"``: the outermost function around the selection (methods included,
    decorators included, comments above the ``def`` not included). ``kind="statements"``:
    the selection touches no single function, so the target is the whole statements it
    touches in the innermost statement list (module, class body or block) that holds them
    all, widened to every statement sharing their lines.
    """

    kind: Literal["function", "statements"]
    qualname: str | None = None  # the function's, for kind="function"
    name: str | None = None
    start_line: int
    end_line: int
    indent: str  # the indentation of the span's first line, as written
    code: str  # the span's text, exactly as in the file
    functions: tuple[str, ...] = ()  # qualnames of the span's functions outside any function: the interface kept
    scope: tuple[str, ...] = ()  # enclosing class names, outermost first


class RefactorRequest(_Model):
    """Everything an agent gets for one refactoring, and what ``validate`` needs to check it."""

    path: str
    source_sha256: str  # of the text the request was built from: a stale answer is refused
    selection: Selection
    instruction: str
    allow_interface_change: bool  # the instruction asks to change a signature or a public name
    target: Target
    enclosing_classes: tuple[ClassHeader, ...] = ()  # outermost first
    imports: tuple[str, ...] = ()  # the module's import statements, as written
    metrics: tuple[FunctionMetrics, ...] = ()  # the span's functions, nested ones included (1-based lines)
    findings: tuple[Finding, ...] = ()  # the analyzer's findings inside the span
    call_sites: tuple[CallSite, ...] = ()
    call_sites_note: str | None = None  # why the list may be incomplete (limit, time, no jedi)
    thresholds: Thresholds = Thresholds()  # the limits the metrics were judged by


class RequestProblem(_Model):
    """No request can be built at the selection, and why."""

    outcome: Literal["problem"] = "problem"
    reason: str


class AnswerProblem(_Model):
    """The answer's text holds no usable code block, and why."""

    outcome: Literal["problem"] = "problem"
    reason: str


Check = Literal[
    "extract", "stale", "indentation", "parse", "unchanged", "compile", "scope", "signature",
    "public-names", "undefined-names", "metrics",
]


class ValidAnswer(_Model):
    """An answer that passed every check: ``edit`` turns the source into ``new_source``."""

    outcome: Literal["valid"] = "valid"
    new_source: str
    edit: TextEdit  # the smallest single replacement (imports the answer added included)
    edits: tuple[TextEdit, ...]  # the same change as separate edits: the imports added, then the code
    metrics: tuple[MetricChange, ...] = ()  # the span's functions and the new helpers, before → after
    code: str  # the answer as spliced in: re-indented, unchanged copies and imports taken out
    notes: tuple[str, ...] = ()  # what was adjusted (re-indented, imports moved up, copies dropped)


class InvalidAnswer(_Model):
    """An answer that failed a check; ``reason`` names what and where."""

    outcome: Literal["invalid"] = "invalid"
    check: Check
    reason: str
