"""The shape of one refactoring: a cheap ``match`` and an exact ``build``.

``match`` decides whether the refactoring applies at the selection and proves its
preconditions (it runs for every code-action request, so it should not resolve scopes
unless the refactoring needs them). ``build`` produces a ``Change``: original nodes of the
unit mapped to their replacements. The engine applies the change and verifies it; a rule
never edits text itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

import libcst as cst

from .context import RefactorContext
from .models import Kind, Refused, RuleInfo

M = TypeVar("M")

# A replacement: a node, RemoveFromParent(), a FlattenSentinel, or a function of the
# *updated* original (for a node that contains other replaced nodes).
Replacement = (
    cst.CSTNode
    | cst.RemovalSentinel
    | cst.FlattenSentinel
    | Callable[[cst.CSTNode], Any]
)


@dataclass
class Change:
    replacements: dict[cst.CSTNode, Replacement]
    # Names the change introduces (a new variable or function): they must be fresh.
    new_names: frozenset[str] = frozenset()
    # Names that may land at module level (checked against every name in the file).
    new_globals: frozenset[str] = frozenset()
    # Scope renames the binding check accepts: {new scope path: old scope path}, e.g. the
    # extracted function's parameters stand for the caller's locals.
    scope_map: dict[str, str] = field(default_factory=dict)
    # Extra functions whose metrics to report (qualnames in the new unit).
    new_functions: tuple[str, ...] = ()


class Refactoring(Generic[M]):
    id: ClassVar[str]
    title: ClassVar[str]
    kind: ClassVar[Kind]
    answers: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str]

    @classmethod
    def info(cls) -> RuleInfo:
        return RuleInfo(
            id=cls.id, title=cls.title, kind=cls.kind, answers=cls.answers,
            description=cls.description,
        )

    def refuse(self, reason: str) -> Refused:
        return Refused(rule=self.id, reason=reason)

    def match(self, ctx: RefactorContext) -> M | Refused:
        raise NotImplementedError

    def build(self, ctx: RefactorContext, match: M) -> Change | Refused:
        raise NotImplementedError
