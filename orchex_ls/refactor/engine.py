"""Find the refactorings that apply at a selection; compute, verify and measure one.

``offers`` runs each rule's ``match`` (cheap); ``apply`` runs ``build``, applies the change to
the unit with one libcst pass, verifies the result (see ``verify``) and reports the metrics of
the functions it touched. Callers get values, never exceptions: a rule that crashes on odd
input is reported as refused, with the rule's id, and the rest goes on.
"""

from __future__ import annotations

import ast
import dataclasses
import logging
from collections.abc import Iterable

import libcst as cst

from ..analysis.metrics import walk_module
from .context import RefactorContext
from .document import WRAPPER_CLASS, SourceDocument
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
    document: SourceDocument,
    selection: Selection,
    *,
    rules: Iterable[Refactoring] | None = None,
    errors: list[str] | None = None,
) -> list[Offer]:
    """The refactorings whose preconditions hold at ``selection``. A rule that raises is
    logged (and described in ``errors``, if given) and skipped."""
    ctx = context_for(document, selection)
    if isinstance(ctx, str):
        return []
    found = []
    for rule in RULES if rules is None else rules:
        try:
            match = rule.match(ctx)
        except RecursionError:
            # libcst's visitors recurse per nesting level: code this deep defeats every
            # rule alike, so stop here instead of logging one traceback per rule.
            log.info("%s: too deeply nested for the refactoring engine", document.path)
            return found
        except Exception as exc:  # a rule bug must not take the code-action request down
            log.exception("refactoring %s failed to match", rule.id)
            if errors is not None:
                errors.append(f"{rule.id}: {type(exc).__name__}: {exc}")
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
    except RecursionError:
        return Refused(rule=rule_id, reason="the code here is nested too deeply for the refactoring engine")
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


def _rebuild(root: cst.CSTNode, change: Change, parents: dict) -> object:
    """``root`` with the change's replacements, rebuilding only the nodes on the paths from
    the root to them (a libcst transformer would rebuild all of a large function)."""
    dirty: set[int] = set()
    for node in change.replacements:
        while node is not None and id(node) not in dirty:
            dirty.add(id(node))
            node = parents.get(node)

    def rebuild(node: cst.CSTNode) -> object:
        changes = {}
        for field in dataclasses.fields(node):
            value = getattr(node, field.name)
            if isinstance(value, cst.CSTNode):
                if id(value) in dirty:
                    new = rebuild(value)
                    changes[field.name] = cst.MaybeSentinel.DEFAULT if new is cst.RemoveFromParent() else new
            elif isinstance(value, tuple | list) and any(id(v) in dirty for v in value if isinstance(v, cst.CSTNode)):
                items = []
                for item in value:
                    new = rebuild(item) if isinstance(item, cst.CSTNode) and id(item) in dirty else item
                    if isinstance(new, cst.FlattenSentinel):
                        items.extend(new.nodes)
                    elif not isinstance(new, cst.RemovalSentinel):
                        items.append(new)
                changes[field.name] = type(value)(items) if isinstance(value, tuple) else items
        updated = node.with_changes(**changes) if changes else node
        replacement = change.replacements.get(node)
        if replacement is None:
            return updated
        return replacement(updated) if callable(replacement) else replacement

    return rebuild(root)


def _nodes(result: object) -> list[cst.CSTNode]:
    if isinstance(result, cst.Module):
        return list(result.body)
    if isinstance(result, cst.FlattenSentinel):
        return list(result.nodes)
    return [result]  # type: ignore[list-item]


def _wrapped(root, text: str) -> tuple[str, str]:
    """Code that compiles on its own for the root's text, and the scope prefix it adds."""
    if not root.indent:
        return text, ""
    return f"class {WRAPPER_CLASS}:\n{text}", f"class:{WRAPPER_CLASS}/"


def _allowed(ctx: RefactorContext, node: cst.CSTNode) -> tuple[int, int]:
    """Offsets in the root's text that a replacement of ``node`` may touch: the node with
    its own leading blank/comment lines (libcst keeps them on the node) and, for a
    statement, its line break."""
    root = ctx.root
    (start_line, start_col), (end_line, end_col) = ctx.range(node)
    decorators = getattr(node, "decorators", ())
    if decorators:  # PositionProvider starts a def at `def`; its decorators come first
        start_line = ctx.range(decorators[0])[0][0]
    leading = getattr(node, "leading_lines", ())
    if leading or isinstance(node, cst.BaseStatement):
        start = (root.to_file(start_line - len(leading), 0)[0], 0)
    else:
        start = root.to_file(start_line, start_col)
    end = root.to_file(end_line, end_col)
    if isinstance(node, cst.BaseStatement):
        end = (end[0] + 1 + _footer_lines(node), 0)
    lines = ctx.document.lines

    def offset(pos: tuple[int, int]) -> int:
        rel = pos[0] - root.first_line
        return sum(len(line) for line in lines[root.first_line : root.first_line + rel]) + pos[1]

    return offset(start), offset(end)


def _footer_lines(node: cst.CSTNode) -> int:
    """Comment lines closing a compound statement's last block (libcst keeps them in the
    block's footer, after where PositionProvider ends the statement)."""
    count = 0
    while True:
        last = None
        for name in ("body", "handlers", "orelse", "finalbody"):
            value = getattr(node, name, None)
            if isinstance(value, tuple | list):
                value = value[-1] if value else None
            if value is not None:
                last = value
        if isinstance(last, cst.Else | cst.Finally | cst.ExceptHandler | cst.ExceptStarHandler):
            last = last.body
        if isinstance(last, cst.If):  # an elif
            node = last
            continue
        if not isinstance(last, cst.IndentedBlock):
            return count
        count += len(last.footer)
        if not last.body:
            return count
        node = last.body[-1]


def _finish(ctx: RefactorContext, rule: Refactoring, change: Change) -> Outcome:
    root, document = ctx.root, ctx.document
    new_root = _rebuild(root.node, change, ctx.parents)
    if isinstance(new_root, cst.RemovalSentinel):
        return Refused(rule=rule.id, reason="not offered: the refactoring removed its own scope")
    old_code = root.text
    new_code = root.render(_nodes(new_root))
    if not root.renders_exactly:
        # The file's text and libcst's rendering of it disagree: do not guess where to edit.
        return Refused(rule=rule.id, reason="not offered: cannot map this function's text exactly")
    if new_code == old_code:
        return Refused(rule=rule.id, reason="the refactoring would change nothing here")

    old_wrapped, strip = _wrapped(root, old_code)
    new_wrapped, _ = _wrapped(root, new_code)
    problem = compile_problem(new_wrapped, document.path, document.future_flags)
    if problem:
        return Refused(rule=rule.id, reason=f"not offered: {problem}")

    # Only the replaced nodes may change.
    prefix = _common_prefix(old_code, new_code)
    suffix = _common_suffix(old_code, new_code, prefix)
    spans = [_allowed(ctx, node) for node in change.replacements]
    lo, hi = min(s for s, _ in spans), max(e for _, e in spans)
    # Byte-for-byte before and after the replaced nodes (a diff of repeated text may align
    # anywhere, so compare the texts, not the diff's position).
    if not (old_code[:lo] == new_code[:lo] and suffix_len_ok(old_code, new_code, hi)):
        return Refused(rule=rule.id, reason="not offered: the edit would touch text outside the refactored code")
    start = _position(old_code, prefix, root.first_line)
    end = _position(old_code, len(old_code) - suffix, root.first_line)

    before = bindings(old_wrapped, document.path, strip)
    after = bindings(new_wrapped, document.path, strip)
    new_names = change.new_names | change.new_globals
    problems = binding_problems(before, after, new_names, change.scope_map, document.bound_names)
    taken = sorted(change.new_globals & document.global_names)
    if taken:
        problems.insert(0, f"the new name {taken[0]!r} is already used in this file")
    if problems:
        return Refused(rule=rule.id, reason=f"not offered: {problems[0]}")

    metrics = _metrics(ctx, old_wrapped, new_wrapped, change, bool(strip))
    # The headline is the changed function's own metric; a new function has no "before".
    headline = metrics[0].headline() if metrics and root.path is not None else ""
    title = f"{rule.title} ({headline})" if headline else rule.title
    edit = TextEdit(
        start_line=start[0], start_col=start[1], end_line=end[0], end_col=end[1],
        new_text=new_code[prefix : len(new_code) - suffix],
    )
    head = "".join(document.lines[: root.first_line])
    tail = "".join(document.lines[root.end_line :])
    return Applied(
        rule=rule.id, title=title, kind=rule.kind, edits=(edit,),
        new_source=head + new_code + tail, metrics=tuple(metrics),
    )


def suffix_len_ok(old: str, new: str, hi: int) -> bool:
    """Whether the text after offset ``hi`` of ``old`` ends ``new`` unchanged."""
    tail = old[hi:]
    return len(new) >= len(tail) and new.endswith(tail)


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


def _metrics(ctx: RefactorContext, old: str, new: str, change: Change, wrapped: bool) -> list[MetricChange]:
    """Metrics of the root function (and any function the change adds), before and after."""
    root = ctx.root
    names = ([root.path.qualname] if root.path else []) + list(change.new_functions)
    if not names:
        return []

    def local(qualname: str) -> str:
        # Inside the wrapper a method `A.m` reads `<wrapper>.m`.
        if wrapped and root.path is not None:
            depth = len(root.path.steps) - 1
            return ".".join([WRAPPER_CLASS, *qualname.split(".")[depth:]])
        return qualname

    try:
        old_funcs = {f.qualname: f for f in walk_module(ast.parse(old)).functions}
        new_funcs = {f.qualname: f for f in walk_module(ast.parse(new)).functions}
    except (SyntaxError, RecursionError):
        return []
    out = []
    for name in names:
        after = new_funcs.get(local(name))
        if after is None:
            continue
        before = old_funcs.get(local(name))
        pairs = {
            key: (getattr(before, key) if before else 0, getattr(after, key))
            for key in ("cyclomatic", "cognitive", "nesting", "lines")
        }
        out.append(MetricChange(function=name, **pairs))
    return out
