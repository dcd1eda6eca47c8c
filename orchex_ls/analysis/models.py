"""Report models: everything the analyzer hands to the CLI, the server and the SDK.

Lines are 1-based; columns are 1-based character columns (as compiler messages and
SARIF count them). Paths are relative to the report's ``root`` with ``/`` separators.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["error", "warning", "info"]
Grade = Literal["A", "B", "C", "D", "E", "F"]

REPORT_VERSION = "1.0"


def _rebuild(cls: type[BaseModel], values: dict) -> BaseModel:
    obj = object.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set())
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def __reduce__(self):
        # Pickled as its field dict only: the analysis cache loads ~10^5 of these per warm
        # run, and pydantic's generic __setstate__ took 1.5x as long (0.18 s vs 0.12 s per 60k).
        return _rebuild, (type(self), self.__dict__)


class RelatedLocation(_Frozen):
    """Another place a finding refers to: a clone's other copy, a cycle member."""

    path: str
    line: int
    column: int = 1
    end_line: int
    end_column: int = 1
    message: str = ""


class Finding(_Frozen):
    code: str
    name: str
    severity: Severity
    message: str
    path: str
    line: int
    column: int = 1
    end_line: int
    end_column: int = 1
    value: float | None = None
    threshold: float | None = None
    symbol: str | None = None
    related: tuple[RelatedLocation, ...] = ()


class FunctionMetrics(_Frozen):
    name: str
    qualname: str
    line: int
    end_line: int
    column: int = 1
    end_column: int = 1
    cyclomatic: int
    cognitive: int
    nesting: int
    lines: int = Field(description="logical lines: statements in the body, docstring excluded")
    parameters: int
    returns: int
    is_method: bool = False
    score: float = 100.0
    grade: Grade = "A"


class ClassMetrics(_Frozen):
    name: str
    qualname: str
    line: int
    end_line: int
    methods: int
    cyclomatic: int = Field(description="radon's class complexity: average method complexity (+1 if more than one method)")
    cognitive: int = Field(description="sum of the methods' cognitive complexity")


class Halstead(_Frozen):
    distinct_operators: int = 0
    distinct_operands: int = 0
    operators: int = 0
    operands: int = 0
    vocabulary: int = 0
    length: int = 0
    volume: float = 0.0
    difficulty: float = 0.0
    effort: float = 0.0
    bugs: float = 0.0


class ModuleMetrics(_Frozen):
    lines: int = 0
    sloc: int = 0
    lloc: int = 0
    comments: int = 0
    multi: int = 0
    blank: int = 0
    functions: int = 0
    classes: int = 0
    cyclomatic: int = 0
    cognitive: int = 0
    max_nesting: int = 0
    maintainability: float = 100.0
    halstead: Halstead = Halstead()


class FileReport(_Frozen):
    path: str
    score: float = 100.0
    grade: Grade = "A"
    metrics: ModuleMetrics = ModuleMetrics()
    functions: tuple[FunctionMetrics, ...] = ()
    classes: tuple[ClassMetrics, ...] = ()
    findings: tuple[Finding, ...] = ()


class CloneLocation(_Frozen):
    path: str
    line: int
    end_line: int


class CloneGroup(_Frozen):
    lines: int
    tokens: int
    kind: Literal["type-1", "type-2"]
    locations: tuple[CloneLocation, ...]


class ModuleCoupling(_Frozen):
    module: str
    path: str
    fan_in: int
    fan_out: int
    instability: float


class Coupling(_Frozen):
    modules: tuple[ModuleCoupling, ...] = ()
    cycles: tuple[tuple[str, ...], ...] = ()
    edges: int = 0


class Hotspot(_Frozen):
    path: str
    commits: int
    lines_changed: int
    authors: int
    complexity: int
    score: float


class Opportunity(_Frozen):
    kind: str
    path: str
    line: int
    end_line: int
    symbol: str | None = None
    description: str
    gain: float = Field(description="estimated rise of the project's chaos score")
    risk: Literal["low", "medium", "high"]
    risk_factors: tuple[str, ...] = ()
    priority: float


class Skipped(_Frozen):
    path: str
    reason: str


class Summary(_Frozen):
    files: int = 0
    lines: int = 0
    functions: int = 0
    score: float = 100.0
    grade: Grade = "A"
    findings: dict[str, int] = {}


class Report(_Frozen):
    version: str = REPORT_VERSION
    root: str
    summary: Summary = Summary()
    files: tuple[FileReport, ...] = ()
    duplicates: tuple[CloneGroup, ...] = ()
    coupling: Coupling = Coupling()
    hotspots: tuple[Hotspot, ...] = ()
    opportunities: tuple[Opportunity, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    def findings(self) -> list[Finding]:
        return [f for file in self.files for f in file.findings]
