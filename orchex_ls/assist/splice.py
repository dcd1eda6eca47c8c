"""Put an agent's code where the target was: re-indented, with what it repeats taken out.

Agents answer in several shapes, and all are accepted when they are unambiguous:
- the replacement alone, at any indentation (a method usually comes back at column 0);
- the replacement inside its enclosing class (``class Parser:`` + the method);
- the whole module, or the replacement with some of the code around it copied unchanged.
Statements the answer repeats unchanged from around the target (same ``ast`` dump) are
dropped; imports at the answer's top level move to the module's imports (unless the span
itself holds imports), those already there are dropped; anything else outside the target
that differs is refused, since only the target may change.

Re-indentation moves every line by the same amount except lines inside a multi-line
string, whose text is a value (a docstring, a bare string statement, is moved with its code:
its value is cleaned by ``inspect.cleandoc`` anyway).
"""

from __future__ import annotations

import ast
import textwrap
import tokenize
from collections import Counter
from dataclasses import dataclass, field

from . import syntax as S
from .models import InvalidAnswer, RefactorRequest


@dataclass(slots=True)
class Spliced:
    new_source: str
    start: int  # new code's lines in ``new_source``: [start, end), 0-based
    end: int
    code: str  # the new code as spliced in
    without_imports: str  # ``new_source`` without the imports the answer added
    import_line: int = 0  # where those imports go (0-based line of the original)
    import_text: str = ""
    hoisted: list[ast.Import | ast.ImportFrom] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _problem(check: str, reason: str) -> InvalidAnswer:
    return InvalidAnswer(check=check, reason=reason)  # type: ignore[arg-type]


def _frozen_rows(code: str) -> set[int] | InvalidAnswer:
    try:
        return S.string_rows(code)
    except IndentationError as exc:
        return _problem("indentation", f"line {exc.lineno} of the code block is indented inconsistently ({exc.msg})")
    except (tokenize.TokenError, SyntaxError) as exc:
        return _parse_problem(code, exc)


def _parse_problem(code: str, exc: Exception | None = None) -> InvalidAnswer:
    try:
        ast.parse(textwrap.dedent(code))
    except SyntaxError as error:
        where = f" (line {error.lineno} of the code block)" if error.lineno else ""
        return _problem("parse", f"the answer does not parse: {error.msg}{where}")
    except (ValueError, RecursionError, MemoryError) as error:
        return _problem("parse", f"the answer does not parse: {error}")
    detail = exc.args[0] if exc is not None and exc.args else "unexpected end of the code"
    return _problem("parse", f"the answer does not parse: {detail}")


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _shift(rows: list[str], keep: list[int], frozen: set[int], new_indent: str) -> list[str] | InvalidAnswer:
    """``rows[keep]`` moved from their own margin (the first code row's indentation) to
    ``new_indent``; rows in ``frozen`` stay as they are."""
    margin = next((_indent_of(rows[r]) for r in keep
                   if r not in frozen and rows[r].strip() and not rows[r].lstrip().startswith("#")), "")
    out = []
    for r in keep:
        row = rows[r]
        if r in frozen:
            out.append(row)
        elif not row.strip():
            out.append("")
        elif row.startswith(margin):
            out.append(new_indent + row[len(margin):])
        elif row.lstrip().startswith("#"):
            out.append(new_indent + row.lstrip())
        else:
            return _problem("indentation", f"line {r + 1} of the code block is indented less than the code above it")
    return out


def _rows_of(stmt: ast.stmt) -> range:
    return range(S.first_line(stmt), S.last_line(stmt) + 1)


def _describe(stmt: ast.stmt) -> str:
    names = [n for n, _ in S.level_bindings([stmt])]
    return f"`{names[0]}`" if names else f"the statement at line {stmt.lineno} of the code block"


def splice(request: RefactorRequest, lines: list[str], tree: ast.Module, code: str) -> Spliced | InvalidAnswer:
    """``lines``/``tree``: the file the request was built from (lines with their endings)."""
    target = request.target
    code = code.replace("\r\n", "\n").replace("\r", "\n")
    rows = code.split("\n")
    while rows and not rows[-1].strip():
        rows.pop()
    if not any(r.strip() for r in rows):
        return _problem("extract", "the code block is empty")
    frozen = _frozen_rows("\n".join(rows) + "\n")
    if isinstance(frozen, InvalidAnswer):
        return frozen
    base = _shift(rows, list(range(len(rows))), frozen, "")
    if isinstance(base, InvalidAnswer):
        return base
    try:
        answer = ast.parse("\n".join(base) + "\n")
    except SyntaxError as exc:
        where = f" (line {exc.lineno} of the code block)" if exc.lineno else ""
        return _problem("parse", f"the answer does not parse: {exc.msg}{where}")
    except (ValueError, RecursionError, MemoryError) as exc:
        return _problem("parse", f"the answer does not parse: {exc}")
    if not answer.body:
        return _problem("extract", "the code block holds no statement")

    located = S.locate(tree, target.start_line, target.end_line)
    if located is None:
        return _problem("stale", "the code to refactor is no longer where the request says")
    can_hoist = not any(isinstance(s, ast.Import | ast.ImportFrom) for s in located.inside)
    picked = _pick(answer, tree, located, can_hoist)
    if isinstance(picked, InvalidAnswer):
        return picked
    kept, dropped, hoisted, notes = picked

    keep_rows = _kept_rows(base, kept, dropped)
    if not keep_rows:
        return _problem("scope", "cannot take the code out of a class written on one line")
    shifted = _shift(base, keep_rows, frozen, target.indent)
    if isinstance(shifted, InvalidAnswer):
        return shifted
    existing = Counter(ast.dump(s) for s in S.module_imports(tree.body))
    new_imports = []
    for stmt in hoisted:
        if existing[ast.dump(stmt)]:
            continue
        existing[ast.dump(stmt)] += 1
        new_imports.append(stmt)
    if new_imports:
        notes.append("moved " + ", ".join(f"`{ast.unparse(s)}`" for s in new_imports) + " to the module's imports")
    newline = _newline(lines)
    snippet = [row + newline for row in shifted]
    if target.end_line >= len(lines) and not lines[-1].endswith(("\n", "\r")):
        snippet[-1] = snippet[-1].rstrip("\r\n")  # the file ends without a line break: so does the code
    import_rows = [row + newline for s in new_imports for row in base[S.first_line(s) : S.last_line(s) + 1]]
    at = _import_line(tree, target.start_line) if import_rows else target.start_line
    new_lines = lines[:at] + import_rows + lines[at : target.start_line] + snippet + lines[target.end_line :]
    start = target.start_line + len(import_rows)
    without = "".join(lines[: target.start_line] + snippet + lines[target.end_line :]) if import_rows else ""
    return Spliced("".join(new_lines), start, start + len(snippet), "".join(snippet), without, at,
                   "".join(import_rows), new_imports, notes)


def _pick(answer: ast.Module, tree: ast.Module, located: S.Located, can_hoist: bool):
    """Which of the answer's statements replace the target: (kept, dropped, hoisted, notes)
    or why the answer changes code outside the target."""
    scope_path = all(isinstance(n, ast.ClassDef) for n in located.chain)
    classes: list[ast.ClassDef] = located.classes if scope_path else []
    level, depth = answer.body, 0
    dropped: list[ast.stmt | _Header] = []
    hoisted: list[ast.Import | ast.ImportFrom] = []
    notes: list[str] = []
    while depth < len(classes):
        wrappers = [s for s in level if isinstance(s, ast.ClassDef) and s.name == classes[depth].name]
        if len(wrappers) != 1:
            break
        wrapper = wrappers[0]
        around = tree.body if depth == 0 else classes[depth - 1].body
        copies = _Copies([s for s in around if s is not classes[depth]])
        for stmt in level:
            if stmt is wrapper:
                continue
            if depth == 0 and can_hoist and isinstance(stmt, ast.Import | ast.ImportFrom):
                hoisted.append(stmt)
            elif copies.take(stmt):
                dropped.append(stmt)
            else:
                return _problem("scope", f"the answer changes {_describe(stmt)}, outside class `{wrapper.name}`")
        dropped.append(_Header(wrapper))
        notes.append(f"took the code out of the answer's `class {wrapper.name}`")
        level, depth = wrapper.body, depth + 1
    if 0 < depth < len(classes):
        return _problem("scope", f"the answer puts the code in class `{classes[depth - 1].name}` but not in `{classes[depth].name}`")
    copies = _Copies(located.outside)
    kept: list[ast.stmt] = []
    repeated = 0
    for stmt in level:
        if depth == 0 and can_hoist and isinstance(stmt, ast.Import | ast.ImportFrom):
            hoisted.append(stmt)
        elif copies.take(stmt):
            dropped.append(stmt)
            repeated += 1
        else:
            kept.append(stmt)
    if repeated:
        notes.append(f"left out {repeated} statement{'s' * (repeated > 1)} the answer copied unchanged from around the target")
    if not kept:
        return _problem("scope", "the answer has no replacement for the code to refactor, only copies of the code around it")
    if len(located.inside) == 1 and isinstance(located.inside[0], S.FUNCS):
        # A function's replacement is definitions (and constants for them); other code here
        # would run at import time, or is an edited copy of code elsewhere in the file.
        loose = next((s for s in kept if not isinstance(s, (*S.DEFS, ast.Assign, ast.AnnAssign))), None)
        if loose is not None:
            return _problem("scope", f"the answer adds `{_first_line_text(loose)}` (line {loose.lineno} of the code "
                                     "block) next to the function; only definitions may go with it")
    return kept, dropped, hoisted, notes


def _first_line_text(stmt: ast.stmt) -> str:
    text = ast.unparse(stmt).splitlines()[0]
    return text if len(text) <= 60 else text[:57] + "..."


class _Copies:
    """Statements of the original an answer may repeat, each matched once. Compared by
    ``ast.dump`` (positions left out), dumped only for statements of the same kind binding
    the same names: dumping a 400-line function costs more than the rest of the check."""

    def __init__(self, originals: list[ast.stmt]) -> None:
        self._by_key: dict[tuple, list[ast.stmt]] = {}
        for stmt in originals:
            self._by_key.setdefault(self._key(stmt), []).append(stmt)

    @staticmethod
    def _key(stmt: ast.stmt) -> tuple:
        return type(stmt), tuple(n for n, _ in S.level_bindings([stmt]))

    def take(self, stmt: ast.stmt) -> bool:
        candidates = self._by_key.get(self._key(stmt))
        if not candidates:
            return False
        dump = ast.dump(stmt)
        for i, original in enumerate(candidates):
            if ast.dump(original) == dump:
                del candidates[i]
                return True
        return False


class _Header:
    """A wrapper class's header lines, left out like a dropped statement."""

    def __init__(self, node: ast.ClassDef) -> None:
        self.first = S.first_line(node)
        self.last = max(S.first_line(node.body[0]) - 1, self.first)


def _kept_rows(rows: list[str], kept: list[ast.stmt], dropped: list) -> list[int]:
    """Rows of the kept statements, the rows between them that belong to no dropped
    statement (comments, blank lines), and the comment rows right above the first."""
    removed: set[int] = set()
    for item in dropped:
        if isinstance(item, _Header):
            removed.update(range(item.first, item.last + 1))
        else:
            removed.update(_rows_of(item))
    first, last = S.first_line(kept[0]), S.last_line(kept[-1])
    while first > 0 and first - 1 not in removed and rows[first - 1].lstrip().startswith("#"):
        first -= 1
    return [r for r in range(first, last + 1) if r not in removed]


def _newline(lines: list[str]) -> str:
    for line in lines:
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith(("\n", "\r")):
            return line[-1]
    return "\n"


def _import_line(tree: ast.Module, before: int) -> int:
    """Where new imports go: after the last module-level import above line ``before``, else
    after the docstring and ``__future__`` imports."""
    at = 0
    for stmt in tree.body:
        if S.first_line(stmt) >= before:
            break
        if isinstance(stmt, ast.Import | ast.ImportFrom) or (at == 0 and S.is_docstring(stmt) and stmt is tree.body[0]):
            at = S.last_line(stmt) + 1
    return at
