"""The catalogue: one refactoring per module, in the order code actions list them."""

from __future__ import annotations

from importlib import import_module

from ..rule import Refactoring

# module name -> class name; ids are stable (see docs/refactorings.md).
_CATALOGUE = [
    ("extract_function", "ExtractFunction"),
    ("extract_variable", "ExtractVariable"),
    ("inline_variable", "InlineVariable"),
    ("guard_clause", "GuardClause"),
    ("merge_nested_ifs", "MergeNestedIfs"),
    ("remove_redundant_else", "RemoveRedundantElse"),
    ("elif_chain", "ElifChain"),
    ("simplify_boolean_return", "SimplifyBooleanReturn"),
    ("use_any_all", "UseAnyAll"),
    ("loop_to_comprehension", "LoopToComprehension"),
    ("inline_returned_variable", "InlineReturnedVariable"),
    ("remove_unreachable_code", "RemoveUnreachableCode"),
    ("extract_duplicate", "ExtractDuplicate"),
]


def _load() -> list[Refactoring]:
    return [getattr(import_module(f"{__name__}.{module}"), name)() for module, name in _CATALOGUE]


RULES: list[Refactoring] = _load()
_BY_ID = {rule.id: rule for rule in RULES}


def rule_by_id(rule_id: str) -> Refactoring | None:
    return _BY_ID.get(rule_id)
