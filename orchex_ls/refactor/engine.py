"""Find the refactorings that apply at a selection; compute, verify and measure one.

``offers`` runs each rule's ``match`` (cheap); ``apply`` runs ``build``, applies the change to
the unit with one libcst pass, verifies the result (see ``verify``) and reports the metrics of
the functions it touched. Callers get values, never exceptions: a rule that crashes on odd
input is reported as refused, with the rule's id, and the rest goes on.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Iterable

import libcst as cst

from ..analysis.metrics import walk_module
from .context import RefactorContext
from .document import SourceDocument
from .models import Applied, MetricChange, Offer, Outcome, Refused, Selection, TextEdit
from .rule import Change, Refactoring
from .rules import RULES, rule_by_id
from .verify import binding_problems, bindings, compile_problem

log = logging.getLogger(__name__)


def context_for(document: SourceDocument, selection: Selection) -> RefactorContext | str:
    """The rule context at ``selection``, or why there is none."""
    tree = document.tree
    if isinstance(tree, SyntaxError):
        return f"the file does not parse (line {tree.lineno}): {tree.msg}"
    if selection.start_line >= len(document.lines):
        return "the selection is past the end of the file"
    unit = document.unit_for(selection)
    if unit is None:
        return "there is no code at the selection"
    try:
        root = unit.root(document.def_path_for(unit, selection))
    except (cst.ParserSyntaxError, RecursionError, IndexError) as exc:
        return f"libcst cannot parse this code: {exc}"
    return RefactorContext(document, selection, unit, root)


def offers(
    document: SourceDocument, selection: Selection, *, rules: Iterable[Refactoring] | None = None
) -> list[Offer]:
    ctx = context_for(document, selection)
    if isinstance(ctx, str):
        return []
    found = []
    for rule in RULES if rules is None else rules:
        try:
            match = rule.match(ctx)
        except Exception:  # a rule bug must not take the code-action request down
            log.exception("refactoring %s failed to match", rule.id)
            continue
        if not isinstance(match, Refused):
            found.append(Offer(rule=rule.id, title=rule.title, kind=rule.kind, answers=rule.answers))
    return found


def apply(document: SourceDocument, selection: Selection, rule_id: str) -> Outcome:
    rule = rule_by_id(rule_id)
    if rule is None:
        return Refused(rule=rule_id, reason=f"unknown refactoring {rule_id!r} (see `orchex refactor --list`)")
    ctx = context_for(document, selection)
    if isinstance(ctx, str):
        return Refused(rule=rule_id, reason=ctx)
    try:
        match = rule.match(ctx)
        if isinstance(match, Refused):
            return match
        change = rule.build(ctx, match)
        if isinstance(change, Refused):
            return change
        return _finish(ctx, rule, change)
    except Exception as exc:
        log.exception("refactoring %s failed", rule_id)
        return Refused(rule=rule_id, reason=f"internal error in {rule_id}: {type(exc).__name__}: {exc}")


def list_refactorings(source: str, selection: Selection, *, path: str = "<string>") -> list[Offer]:
    """SDK: the refactorings that apply to ``selection`` in ``source``."""
    return offers(SourceDocument(source, path), selection)


def apply_refactoring(
    source: str, selection: Selection, rule_id: str, *, path: str = "<string>"
) -> Outcome:
    """SDK: apply one refactoring; ``Applied.new_source`` is the verified result."""
    return apply(SourceDocument(source, path), selection, rule_id)


# -- applying and checking a change ---------------------------------------------------------


class _Replace(cst.CSTTransformer):
    def __init__(self, change: Change, root: cst.CSTNode) -> None:
        self.change = change
        self.root = root
        self.new_root: object = None

    def on_leave(self, original_node, updated_node):
        result = updated_node
        replacement = self.change.replacements.get(original_node)
        if replacement is not None:
            result = replacement(updated_node) if callable(replacement) else replacement
        if original_node is self.root:
            self.new_root = result
        return result


def _root_module(result: object) -> cst.Module:
    if isinstance(result, cst.Module):
        return result
    if isinstance(result, cst.FlattenSentinel):
        return cst.Module(body=list(result.nodes))
    return cst.Module(body=[result])


def _allowed_span(ctx: RefactorContext, node: cst.CSTNode) -> tuple[int, int]:
    """Offsets in the unit text a replacement of ``node`` may touch (with its own
    leading blank/comment lines, which libcst keeps on the node)."""
    (start_line, start_col), (end_line, end_col) = ctx.range(node)
    leading = getattr(node, "leading_lines", ())
    start_line -= len(leading)
    if leading or isinstance(node, cst.BaseStatement):
        start_col = 0
    offsets = ctx.unit.offset
    first, last = ctx.root.to_file(start_line, start_col), ctx.root.to_file(end_line, end_col)
    base = ctx.unit.first_line
    return offsets(first[0] - base, first[1] if start_col else 0), offsets(last[0] - base, last[1])


def _finish(ctx: RefactorContext, rule: Refactoring, change: Change) -> Outcome:
    unit, document = ctx.unit, ctx.document
    old_code = unit.text
    transformer = _Replace(change, ctx.root.node)
    new_module = unit.module.visit(transformer)
    new_code = new_module.code
    if new_code == old_code:
        return Refused(rule=rule.id, reason="the refactoring would change nothing here")

    problem = compile_problem(new_code, document.path, document.future_flags)
    if problem:
        return Refused(rule=rule.id, reason=f"not offered: {problem}")

    # Only the replaced nodes may change.
    prefix = _common_prefix(old_code, new_code)
    suffix = _common_suffix(old_code, new_code, prefix)
    old_end = len(old_code) - suffix
    spans = [_allowed_span(ctx, node) for node in change.replacements]
    if not any(lo <= prefix and old_end <= hi for lo, hi in [(min(s for s, _ in spans), max(e for _, e in spans))]):
        return Refused(rule=rule.id, reason="not offered: the edit would touch text outside the refactored code")

    before = bindings(cst.Module(body=[ctx.root.node]) if ctx.root.path else unit.module)
    after_root = transformer.new_root
    if after_root is None or isinstance(after_root, cst.RemovalSentinel):
        return Refused(rule=rule.id, reason="not offered: the refactoring removed its own scope")
    after = bindings(_root_module(after_root) if ctx.root.path else new_module)
    new_names = change.new_names | change.new_globals
    problems = binding_problems(before, after, new_names, change.scope_map)
    taken = sorted(change.new_globals & document.global_names)
    if taken:
        problems.insert(0, f"the new name {taken[0]!r} is already used in this file")
    if problems:
        return Refused(rule=rule.id, reason=f"not offered: {problems[0]}")

    metrics = _metrics(ctx, old_code, new_code, change)
    headline = metrics[0].headline() if metrics else ""
    title = f"{rule.title} ({headline})" if headline else rule.title
    start = _position(old_code, prefix, unit.first_line)
    end = _position(old_code, old_end, unit.first_line)
    edit = TextEdit(
        start_line=start[0], start_col=start[1], end_line=end[0], end_col=end[1],
        new_text=new_code[prefix : len(new_code) - suffix],
    )
    head = "".join(document.lines[: unit.first_line])
    tail = "".join(document.lines[unit.end_line :])
    return Applied(
        rule=rule.id, title=title, kind=rule.kind, edits=(edit,),
        new_source=head + new_code + tail, metrics=tuple(metrics),
    )


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _common_suffix(a: str, b: str, prefix: int) -> int:
    n = min(len(a), len(b)) - prefix
    i = 0
    while i < n and a[-1 - i] == b[-1 - i]:
        i += 1
    return i


def _position(text: str, offset: int, first_line: int) -> tuple[int, int]:
    """(file line, column) of ``offset`` in unit text starting at ``first_line``."""
    before = text[:offset]
    lines = before.count("\n") + before.count("\r") - before.count("\r\n")
    last_break = max(before.rfind("\n"), before.rfind("\r"))
    return first_line + lines, offset - (last_break + 1)


def _metrics(ctx: RefactorContext, old: str, new: str, change: Change) -> list[MetricChange]:
    names = ([ctx.root.path.qualname] if ctx.root.path else []) + list(change.new_functions)
    if not names:
        return []
    try:
        old_funcs = {f.qualname: f for f in walk_module(ast.parse(old)).functions}
        new_funcs = {f.qualname: f for f in walk_module(ast.parse(new)).functions}
    except (SyntaxError, RecursionError):
        return []
    out = []
    for name in names:
        after = new_funcs.get(name)
        if after is None:
            continue
        before = old_funcs.get(name)
        pairs = {
            key: (getattr(before, key) if before else 0, getattr(after, key))
            for key in ("cyclomatic", "cognitive", "nesting", "lines")
        }
        out.append(MetricChange(function=name, **pairs))
    return out
