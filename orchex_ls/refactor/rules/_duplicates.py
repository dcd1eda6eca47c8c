"""Copies of duplicated code, for extract-duplicate: finding them, lining them up, and
checking that they may move into a function.

A clone group (``analysis/clones.py``) says which lines repeat; these helpers turn its
locations into libcst statements and walk the copies in step, node by node, to learn
which variables are renamed between them and which literals differ.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

import libcst as cst

from ...analysis.clones import find_clones, fingerprint
from ...analysis.models import CloneGroup
from ..context import RefactorContext
from ..document import SourceDocument

# Clones worth a function: smaller than the OCX107 default (6 lines), as copies inside one
# function are often short; the token floor keeps out runs of trivial lines.
MIN_LINES = 4
MIN_TOKENS = 25

SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
_LITERALS = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString)
# Layout: not part of what code means. (Commas are kept: `a[1,]` is not `a[1]`.)
_LAYOUT = (
    cst.BaseParenthesizableWhitespace, cst.EmptyLine, cst.TrailingWhitespace, cst.Newline,
    cst.Comment, cst.LeftParen, cst.RightParen, cst.Semicolon,
)
_FRAME_NAMES = frozenset({"locals", "eval", "exec"})
_FRAME_ATTRS = frozenset({"_getframe", "currentframe", "f_locals", "f_back", "stack"})

_CLONES: WeakKeyDictionary[SourceDocument, list[CloneGroup]] = WeakKeyDictionary()


def clone_groups(document: SourceDocument) -> list[CloneGroup]:
    """The file's clone groups (largest first), computed once per document version."""
    if document not in _CLONES:
        tree = document.tree
        groups: list[CloneGroup] = []
        if isinstance(tree, ast.Module):
            fp = fingerprint(document.text, tree)
            groups = find_clones({document.path: fp}, min_lines=MIN_LINES, min_tokens=MIN_TOKENS)
        _CLONES[document] = groups
    return _CLONES[document]


# -- lining copies up -------------------------------------------------------------------


@dataclass
class Alignment:
    """How a copy corresponds to the template, position by position."""

    names: dict[str, str] = field(default_factory=dict)  # template variable -> copy's
    literals: list[tuple[cst.BaseExpression, cst.BaseExpression]] = field(default_factory=list)


def _significant(node: cst.CSTNode) -> list[cst.CSTNode]:
    return [c for c in node.children if not isinstance(c, _LAYOUT)]


def literal_value(node: cst.BaseExpression) -> tuple[type, object]:
    try:
        return type(node), node.evaluated_value  # type: ignore[attr-defined]
    except Exception:  # an odd literal libcst cannot evaluate: compare its text
        return type(node), node.value  # type: ignore[attr-defined]


def _scalar_fields(node: cst.CSTNode) -> list[object]:
    """Node fields that are plain values (``Arg.star``, ``Param.star``...), not children."""
    values = (getattr(node, f.name) for f in dataclasses.fields(node) if f.name != "value")
    return [value for value in values if isinstance(value, str | int | bool)]


def align(template: Sequence[cst.CSTNode], copy: Sequence[cst.CSTNode], variables: set[int]) -> Alignment | str:
    """Walk the template and a copy in step. Names at variable positions (ids in
    ``variables``) may differ if renamed consistently; literals may differ; nothing else."""
    if len(template) != len(copy):
        return "the copies do not have the same statements"
    out = Alignment()
    used: dict[str, str] = {}  # copy name -> template name, to keep the renaming one-to-one
    stack = list(zip(template, copy))
    while stack:
        a, b = stack.pop()
        if type(a) is not type(b):
            return "the copies differ in structure"
        if isinstance(a, cst.Name):
            variable = id(a) in variables
            if variable != (id(b) in variables):
                return f"`{a.value}` and `{b.value}` play different roles in the copies"
            if not variable:
                if a.value != b.value:
                    return f"the copies differ in `{a.value}`/`{b.value}`, which is not a variable"
                continue
            if out.names.setdefault(a.value, b.value) != b.value or used.setdefault(b.value, a.value) != a.value:
                return f"the copies use their variables differently (`{a.value}`/`{b.value}`)"
            continue
        if isinstance(a, _LITERALS):
            if literal_value(a) != literal_value(b):  # type: ignore[arg-type]
                out.literals.append((a, b))  # type: ignore[arg-type]
            continue
        if _scalar_fields(a) != _scalar_fields(b):
            return "the copies differ in structure"
        if isinstance(a, cst.FormattedStringText) and a.value != b.value:
            return "the copies differ inside an f-string"
        ca, cb = _significant(a), _significant(b)
        if len(ca) != len(cb):
            return "the copies differ in structure"
        stack.extend(zip(ca, cb))
    return out


def comments_in(statements: Sequence[cst.BaseStatement]) -> list[str]:
    """The comments inside a copy (not those above its first statement)."""
    out: list[str] = []
    first = statements[0]
    skip = {id(line) for line in getattr(first, "leading_lines", ())}
    for statement in statements:
        stack: list[cst.CSTNode] = [statement]
        while stack:
            node = stack.pop()
            if id(node) in skip:
                continue
            if isinstance(node, cst.Comment):
                out.append(node.value)
            stack.extend(reversed(node.children))
    return out


# -- what may not move into a function --------------------------------------------------


def _walk_scope(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if current is node or not isinstance(current, SCOPES):
            stack.extend(current.children)


def syntax_problem(ctx: RefactorContext, statements: Sequence[cst.BaseStatement]) -> str | None:
    first, last = ctx.range(statements[0])[0], ctx.range(statements[-1])[1]
    for statement in statements:
        for node in _walk_scope(statement):
            if isinstance(node, cst.Return):
                return "a copy has a `return`"
            if isinstance(node, cst.Yield):
                return "a copy has a `yield`"
            if isinstance(node, cst.Await) or (
                not isinstance(node, cst.FunctionDef) and getattr(node, "asynchronous", None) is not None
            ):
                return "a copy awaits (`await`, `async for` or `async with`)"
            if isinstance(node, cst.Global | cst.Nonlocal):
                return "a copy has a `global`/`nonlocal` statement"
            if isinstance(node, cst.FunctionDef | cst.ClassDef):
                return "a copy defines a function or class, whose qualified name would change"
            if isinstance(node, cst.Break | cst.Continue):
                loop = ctx.enclosing_loop(node)
                if loop is None or not (first <= ctx.range(loop)[0] and ctx.range(loop)[1] <= last):
                    return "a copy has a `break`/`continue` for a loop around it"
            if isinstance(node, cst.ImportStar):
                return "a copy has a star import"
            if isinstance(node, cst.Name) and node.value in _FRAME_NAMES:
                return f"a copy uses `{node.value}`, which would see the new function's frame"
            if (
                isinstance(node, cst.Call) and not node.args and isinstance(node.func, cst.Name)
                and node.func.value in ("dir", "vars")
            ):
                return f"a copy calls `{node.func.value}()`, which would see the new function's frame"
            if isinstance(node, cst.Attribute) and node.attr.value in _FRAME_ATTRS:
                return f"a copy inspects a frame (`.{node.attr.value}`)"
    return None


def literal_problem(ctx: RefactorContext, pairs) -> str | None:
    for a, b in pairs:
        for node in (a, b):
            parent = ctx.parents.get(node)
            if isinstance(parent, cst.ConcatenatedString):
                return "the copies differ in part of an implicitly concatenated string"
            if isinstance(parent, cst.Expr):
                return "the copies differ in a bare string statement"
            for ancestor in ctx.ancestors(node):
                if isinstance(ancestor, cst.MatchPattern | cst.MatchCase):
                    if isinstance(ancestor, cst.MatchPattern):
                        return "the copies differ in a `match` pattern"
                    break
                if isinstance(ancestor, cst.Annotation):
                    return "the copies differ in an annotation"
                if isinstance(ancestor, cst.BaseStatement):
                    break
    return None


def statements_at(ctx: RefactorContext, function: cst.FunctionDef, first: int, last: int):
    """The run of whole statements of one block of ``function`` on lines [first, last]
    (1-based), or None."""
    for node in ctx.walk(function.body):
        if not isinstance(node, cst.IndentedBlock):
            continue
        body = list(node.body)
        starts = [ctx.file_range(s)[0][0] + 1 for s in body]
        if first not in starts:
            continue
        i = starts.index(first)
        for j in range(i, len(body)):
            end = ctx.file_range(body[j])[1][0] + 1
            if end == last:
                return body[i : j + 1]
            if end > last:
                return None
    return None


def names_in(node: cst.CSTNode) -> list[cst.Name]:
    stack, out = [node], []
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            out.append(current)
        stack.extend(current.children)
    return out



