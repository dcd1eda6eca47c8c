"""Small questions asked of the stdlib ``ast``: where statements sit, what they bind, what a
signature is. Shared by request building and answer validation so both see the same target.

Line numbers here are 0-based; a statement's span includes its decorators.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass

FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def first_line(stmt: ast.stmt) -> int:
    decorators = getattr(stmt, "decorator_list", None) or ()
    return min([stmt.lineno, *(d.lineno for d in decorators)]) - 1


def last_line(stmt: ast.stmt) -> int:
    return (stmt.end_lineno or stmt.lineno) - 1


def blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists a statement owns, in source order (none for a simple statement)."""
    out = [getattr(stmt, "body", None)]
    out += [handler.body for handler in getattr(stmt, "handlers", None) or ()]
    out += [getattr(stmt, "orelse", None), getattr(stmt, "finalbody", None)]
    out += [case.body for case in getattr(stmt, "cases", None) or ()]
    return [b for b in out if isinstance(b, list) and b and isinstance(b[0], ast.stmt)]


_SKIPPED = frozenset({tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING})


def string_rows(code: str) -> set[int]:
    """0-based lines of ``code`` that lie inside a multi-line string (after its first
    line), except a string that is a statement by itself (a docstring: its value is
    cleaned by ``inspect.cleandoc``, so it moves with its code). Their text is a value:
    re-indenting must leave them alone. ``code`` may be indented. Raises what ``tokenize``
    raises on code it cannot read."""
    rows: set[int] = set()
    if '"""' not in code and "'''" not in code and "\\\n" not in code:
        return rows  # no string can span lines: spare the (pure Python) tokenizer
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type not in _SKIPPED]
    for i, tok in enumerate(tokens):
        if tok.end[0] == tok.start[0]:
            continue
        previous = tokens[i - 1].type if i else tokenize.NEWLINE
        following = tokens[i + 1].type if i + 1 < len(tokens) else tokenize.ENDMARKER
        bare = (tok.type == tokenize.STRING and previous == tokenize.NEWLINE
                and following in (tokenize.NEWLINE, tokenize.ENDMARKER))
        if not bare:
            rows.update(range(tok.start[0], tok.end[0]))  # 1-based rows start+1..end, as 0-based
    return rows


def span_text(lines: list[str], first: int, last: int) -> str:
    """Whole lines ``first..last`` (inclusive), as written."""
    return "".join(lines[first : last + 1])


def segment(lines: list[str], node: ast.AST) -> str:
    """The source text of an expression (``ast.get_source_segment`` splits the whole file
    on every call; this reuses the split). Columns are UTF-8 byte offsets."""
    start, end = node.lineno - 1, (node.end_lineno or node.lineno) - 1  # type: ignore[attr-defined]
    start_col, end_col = node.col_offset, node.end_col_offset or 0  # type: ignore[attr-defined]
    if start == end:
        return lines[start].encode()[start_col:end_col].decode(errors="replace")
    parts = [lines[start].encode()[start_col:].decode(errors="replace")]
    parts += lines[start + 1 : end]
    parts.append(lines[end].encode()[:end_col].decode(errors="replace"))
    return "".join(parts)


@dataclass(slots=True)
class Located:
    """Statements of one statement list lying inside a line range, and where that list is."""

    chain: list[ast.stmt]  # compound statements around the list, outermost first
    body: list[ast.stmt]  # the list
    inside: list[ast.stmt]  # its statements within the range
    outside: list[ast.stmt]  # the others

    @property
    def classes(self) -> list[ast.ClassDef]:
        return [s for s in self.chain if isinstance(s, ast.ClassDef)]

    @property
    def in_scope_body(self) -> bool:
        """Whether the list is a module or class body (not a block of an `if`, `for`...)."""
        return not self.chain or isinstance(self.chain[-1], ast.ClassDef)


def locate(tree: ast.Module, first: int, end: int) -> Located | None:
    """The innermost statement list with statements inside lines ``[first, end)``."""
    body: list[ast.stmt] = tree.body
    chain: list[ast.stmt] = []
    while True:
        inside = [s for s in body if first <= first_line(s) and last_line(s) < end]
        if inside:
            ids = {id(s) for s in inside}
            return Located(chain, body, inside, [s for s in body if id(s) not in ids])
        around = next((s for s in body if first_line(s) <= first and end - 1 <= last_line(s)), None)
        if around is None:
            return None
        block = next((b for b in blocks(around) if first_line(b[0]) <= first and end - 1 <= last_line(b[-1])), None)
        if block is None:
            return None
        chain.append(around)
        body = block


def qualname_prefix(chain: list[ast.stmt]) -> str:
    """What qualnames start with inside ``chain``: class names (compound statements add
    nothing). Functions in the chain add ``f.<locals>``, as ``analysis.metrics`` writes it."""
    parts: list[str] = []
    for node in chain:
        if isinstance(node, ast.ClassDef):
            parts.append(node.name)
        elif isinstance(node, FUNCS):
            parts += [node.name, "<locals>"]
    return "".join(p + "." for p in parts)


def interface_functions(stmts: list[ast.stmt], prefix: str = "") -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """(qualname, node) of each function in ``stmts`` that is not inside another function:
    through classes and compound statements, in source order."""
    for stmt in stmts:
        if isinstance(stmt, FUNCS):
            yield prefix + stmt.name, stmt
        elif isinstance(stmt, ast.ClassDef):
            yield from interface_functions(stmt.body, f"{prefix}{stmt.name}.")
        else:
            for block in blocks(stmt):
                yield from interface_functions(block, prefix)


def _targets(node: ast.expr) -> Iterator[str]:
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, ast.Tuple | ast.List):
        for element in node.elts:
            yield from _targets(element)
    elif isinstance(node, ast.Starred):
        yield from _targets(node.value)


def level_bindings(stmts: list[ast.stmt], *, imports: bool = True) -> Iterator[tuple[str, ast.stmt]]:
    """(name, statement) for each name the statements bind at their own level: defs, classes,
    assignments and (if ``imports``) imports, through compound statements, not into scopes."""
    for stmt in stmts:
        if isinstance(stmt, DEFS):
            yield stmt.name, stmt
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                for name in _targets(target):
                    yield name, stmt
        elif isinstance(stmt, ast.AnnAssign | ast.AugAssign) and isinstance(stmt.target, ast.Name):
            yield stmt.target.id, stmt  # `x: int` declares a field in a class body: a name too
        elif isinstance(stmt, ast.Import | ast.ImportFrom):
            if imports:
                for alias in stmt.names:
                    if alias.name != "*":
                        yield (alias.asname or alias.name).split(".")[0], stmt
        else:
            for block in blocks(stmt):
                yield from level_bindings(block, imports=imports)


def public_names(stmts: list[ast.stmt]) -> dict[str, int]:
    """Public names the statements define at their level (defs, classes, assignments; not
    imports) → the 1-based line of the first definition."""
    out: dict[str, int] = {}
    for name, stmt in level_bindings(stmts, imports=False):
        if not name.startswith("_"):
            out.setdefault(name, stmt.lineno)
    return out


def module_imports(stmts: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements at module level, inside `if`/`try` blocks included."""
    for stmt in stmts:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            yield stmt
        elif not isinstance(stmt, DEFS):
            for block in blocks(stmt):
                yield from module_imports(block)


def is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


# -- signatures ---------------------------------------------------------------------------

_KINDS = ("positional-only", "positional", "*args", "keyword-only", "**kwargs")


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[str, str, str | None]]:
    """(name, kind, default as source) of each parameter, in order."""
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    out = []
    for i, arg in enumerate(positional):
        kind = _KINDS[0] if i < len(args.posonlyargs) else _KINDS[1]
        default = defaults[i]
        out.append((arg.arg, kind, ast.unparse(default) if default is not None else None))
    if args.vararg:
        out.append((args.vararg.arg, _KINDS[2], None))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        out.append((arg.arg, _KINDS[3], ast.unparse(default) if default is not None else None))
    if args.kwarg:
        out.append((args.kwarg.arg, _KINDS[4], None))
    return out


def signature_text(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """``async def name(a, b=1, *, c)`` with decorators, annotations left out."""
    params = []
    for name, kind, default in _parameters(node):
        text = {"*args": f"*{name}", "**kwargs": f"**{name}"}.get(kind, name)
        params.append(text + (f"={default}" if default is not None else ""))
    decorators = "".join(f"@{ast.unparse(d)} " for d in node.decorator_list)
    prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    return f"{decorators}{prefix} {node.name}({', '.join(params)})"


def signature_changes(old: ast.FunctionDef | ast.AsyncFunctionDef, new: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """How ``new``'s interface differs from ``old``'s: parameters (names, kinds, order,
    defaults), decorators and async-ness. Annotations are not part of it: adding type hints
    changes no caller."""
    changes: list[str] = []
    if isinstance(old, ast.AsyncFunctionDef) != isinstance(new, ast.AsyncFunctionDef):
        changes.append("it is no longer async" if isinstance(old, ast.AsyncFunctionDef) else "it became async")
    before, after = _parameters(old), _parameters(new)
    old_by_name = {p[0]: p for p in before}
    new_by_name = {p[0]: p for p in after}
    for name, _, _ in before:
        if name not in new_by_name:
            changes.append(f"parameter `{name}` removed")
    for name, _, _ in after:
        if name not in old_by_name:
            changes.append(f"parameter `{name}` added")
    for name, kind, default in before:
        if name not in new_by_name:
            continue
        _, new_kind, new_default = new_by_name[name]
        if kind != new_kind:
            changes.append(f"parameter `{name}` became {new_kind} (was {kind})")
        if default != new_default:
            if new_default is None:
                changes.append(f"parameter `{name}` lost its default `{default}`")
            elif default is None:
                changes.append(f"parameter `{name}` got a default `{new_default}`")
            else:
                changes.append(f"the default of `{name}` changed from `{default}` to `{new_default}`")
    kept_old = [p[0] for p in before if p[0] in new_by_name]
    kept_new = [p[0] for p in after if p[0] in old_by_name]
    if kept_old != kept_new:
        changes.append(f"parameters reordered: ({', '.join(kept_old)}) → ({', '.join(kept_new)})")
    old_decorators = [ast.unparse(d) for d in old.decorator_list]
    new_decorators = [ast.unparse(d) for d in new.decorator_list]
    if old_decorators != new_decorators:
        removed = [d for d in old_decorators if d not in new_decorators]
        added = [d for d in new_decorators if d not in old_decorators]
        parts = [f"decorator `@{d}` removed" for d in removed] + [f"decorator `@{d}` added" for d in added]
        changes += parts or ["decorators reordered"]
    return changes
