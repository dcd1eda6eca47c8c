"""What crosses the refactoring engine's boundary: selections in, offers and outcomes out.

Positions are 0-based lines and columns counted in code points (Python ``str`` indices);
the server converts from the client's position encoding, the CLI from 1-based columns.
An outcome is a value: ``Applied`` with a verified edit, or ``Refused`` with the reason —
never ``None`` or an exception (libcst's codemod runner does the same).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Kind = Literal["refactor.extract", "refactor.inline", "refactor.rewrite", "quickfix"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Selection(_Model):
    """A range in a document. ``whole_lines`` means: the whole statements on those lines."""

    start_line: int = Field(ge=0)
    start_col: int = Field(0, ge=0)
    end_line: int = Field(ge=0)
    end_col: int = Field(0, ge=0)
    whole_lines: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Selection:
        if (self.end_line, self.end_col) < (self.start_line, self.start_col):
            raise ValueError("the selection ends before it starts")
        return self

    @classmethod
    def cursor(cls, line: int, col: int) -> Selection:
        return cls(start_line=line, start_col=col, end_line=line, end_col=col)

    @classmethod
    def lines(cls, first: int, last: int | None = None) -> Selection:
        last = first if last is None else last
        return cls(start_line=first, end_line=last, whole_lines=True)

    @property
    def empty(self) -> bool:
        return not self.whole_lines and (self.start_line, self.start_col) == (
            self.end_line,
            self.end_col,
        )


class TextEdit(_Model):
    """Replace ``[start, end)`` of the original text with ``new_text``."""

    start_line: int
    start_col: int
    end_line: int
    end_col: int
    new_text: str


class RuleInfo(_Model):
    id: str
    title: str
    kind: Kind
    answers: tuple[str, ...] = ()  # OCX codes this refactoring is a quick fix for
    description: str


class MetricChange(_Model):
    """One function's metrics before and after a refactoring."""

    function: str
    cyclomatic: tuple[int, int]
    cognitive: tuple[int, int]
    nesting: tuple[int, int]
    lines: tuple[int, int]

    def headline(self) -> str:
        """The change worth putting in a title: ``cognitive 23 → 11``."""
        for name in ("cognitive", "nesting", "cyclomatic", "lines"):
            before, after = getattr(self, name)
            if before != after:
                return f"{name} {before} → {after}"
        return ""


class Offer(_Model):
    """A refactoring that applies at a selection (its edit is computed on demand)."""

    rule: str
    title: str
    kind: Kind
    answers: tuple[str, ...] = ()


class Applied(_Model):
    """A verified refactoring: ``edits`` turn the old text into ``new_source``."""

    outcome: Literal["applied"] = "applied"
    rule: str
    title: str
    kind: Kind
    edits: tuple[TextEdit, ...]
    new_source: str
    metrics: tuple[MetricChange, ...] = ()


class Refused(_Model):
    """The refactoring does not apply here, and why (shown to the user as is)."""

    outcome: Literal["refused"] = "refused"
    rule: str
    reason: str


Outcome = Applied | Refused
