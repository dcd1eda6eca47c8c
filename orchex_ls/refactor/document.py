"""A document as the refactoring engine sees it: text, one stdlib parse, and libcst units.

libcst is ~13× slower to parse than ``ast`` and its scope analysis costs ~0.3 ms per line
(measured on argparse.py: parse 130 ms, scopes 700 ms, positions 350 ms for 2,630 lines),
so the engine never gives it a whole file. The stdlib tree finds the top-level statement
under the selection (the *unit*), libcst parses only that, and scope and position metadata
are resolved only for the function being changed. Everything is cached on the document,
and the server keeps one document per (uri, version).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from .models import Selection

_NEWLINE = re.compile(r"\r\n|\r|\n")
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_FUTURE_FLAGS = {
    name: getattr(__import__("__future__"), name).compiler_flag
    for name in ("annotations", "generator_stop", "barry_as_FLUFL")
    if hasattr(__import__("__future__"), name)
}


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split where Python's tokenizer splits (not on \\f etc.)."""
    lines, start = [], 0
    for match in _NEWLINE.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    if start < len(text) or not lines:
        lines.append(text[start:])
    return lines


@dataclass(frozen=True, slots=True)
class DefPath:
    """Where a def sits: the chain of (name, n-th def of that name in its parent scope)."""

    steps: tuple[tuple[str, int], ...]
    line: int  # 0-based line of the `def` keyword
    column: int  # its column, in code points

    @property
    def qualname(self) -> str:
        return ".".join(name for name, _ in self.steps)


def _scope_children_ast(node: ast.AST) -> list[ast.AST]:
    """Defs directly owned by ``node``'s scope, in source order (through if/try/with...)."""
    out: list[ast.AST] = []
    stack = list(reversed(list(ast.iter_child_nodes(node))))
    while stack:
        child = stack.pop()
        if isinstance(child, _DEFS):
            out.append(child)
        elif isinstance(child, ast.stmt):
            stack.extend(reversed(list(ast.iter_child_nodes(child))))
    return out


class _CstDefs(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found: list[cst.FunctionDef | cst.ClassDef] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.found.append(node)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.found.append(node)
        return False

    # Expressions hold no defs worth refactoring (lambdas are not defs).
    def visit_BaseExpression(self, node: cst.BaseExpression) -> bool:
        return False


def _scope_children_cst(node: cst.CSTNode) -> list[cst.FunctionDef | cst.ClassDef]:
    visitor = _CstDefs()
    if isinstance(node, cst.FunctionDef | cst.ClassDef):
        node.body.visit(visitor)
    else:
        for child in node.children:
            child.visit(visitor)
    return visitor.found


@dataclass
class Unit:
    """Whole top-level statements of a document, parsed by libcst on their own."""

    document: SourceDocument
    first_line: int  # 0-based, inclusive
    end_line: int  # 0-based, exclusive
    statements: list[ast.stmt]
    _roots: dict[DefPath | None, Root] = field(default_factory=dict)

    @cached_property
    def text(self) -> str:
        return "".join(self.document.lines[self.first_line : self.end_line])

    @cached_property
    def _line_starts(self) -> list[int]:
        starts, total = [], 0
        for line in self.document.lines[self.first_line : self.end_line]:
            starts.append(total)
            total += len(line)
        starts.append(total)
        return starts

    def offset(self, line: int, column: int) -> int:
        """Offset in ``text`` of a position given relative to the unit's first line."""
        starts = self._line_starts
        line = min(max(line, 0), len(starts) - 1)
        return min(starts[line] + column, starts[-1])

    @cached_property
    def module(self) -> cst.Module:
        return cst.parse_module(self.text)

    def root(self, path: DefPath | None) -> Root:
        """The scope a refactoring works in: a function (by path) or the unit itself."""
        root = self._roots.get(path)
        if root is None:
            root = self._roots[path] = Root.build(self, path)
        return root


@dataclass
class Root:
    """The node whose metadata is resolved: a function wrapped in a module of its own."""

    unit: Unit
    path: DefPath | None
    node: cst.Module | cst.FunctionDef
    wrapper: MetadataWrapper
    line_offset: int  # file line (0-based) = metadata line (1-based) + line_offset
    col_offset: int  # file column = metadata column + col_offset (lines inside `node`)
    first_line: int = 0  # file lines [first_line, end_line) hold the root's text exactly
    end_line: int = 0
    indent: str = ""  # the def line's indentation, as written

    @classmethod
    def build(cls, unit: Unit, path: DefPath | None) -> Root:
        if path is None:
            wrapper = MetadataWrapper(unit.module, unsafe_skip_copy=True)
            return cls(unit, None, unit.module, wrapper, unit.first_line - 1, 0,
                       unit.first_line, unit.end_line, "")
        node: cst.CSTNode = unit.module
        for name, nth in path.steps:
            same = [d for d in _scope_children_cst(node) if d.name.value == name]
            node = same[nth]
        assert isinstance(node, cst.FunctionDef)
        # libcst indentation is relative, so a method renders as a top-level function.
        mini = cst.Module(body=[node])
        wrapper = MetadataWrapper(mini, unsafe_skip_copy=True)
        def_line = wrapper.resolve(PositionProvider)[node].start.line
        first = path.line - (def_line - 1)  # where its leading comments/decorators begin
        line_text = unit.document.lines[path.line]
        indent = line_text[: len(line_text) - len(line_text.lstrip(" \t"))]
        count = len(split_lines(mini.code))
        return cls(unit, path, node, wrapper, path.line - def_line, path.column,
                   first, first + count, indent)

    def to_file(self, line: int, column: int) -> tuple[int, int]:
        """A metadata position (1-based line) as a file position (0-based line)."""
        return line + self.line_offset, column + self.col_offset

    def to_meta(self, line: int, column: int) -> tuple[int, int]:
        return line - self.line_offset, max(column - self.col_offset, 0)

    def render(self, nodes: list[cst.CSTNode]) -> str:
        """``nodes`` as they read in the file at the root's place: libcst prefixes each line
        with the joined indents of the enclosing blocks, so one block indented by the def
        line's whole indentation reproduces the file exactly."""
        module = self.unit.module
        if self.path is None or not self.indent:
            return module.with_changes(body=nodes, header=(), footer=()).code
        block = cst.IndentedBlock(body=nodes, indent=self.indent)
        shell = cst.ClassDef(name=cst.Name(WRAPPER_CLASS), body=block)
        code = module.with_changes(body=[shell], header=(), footer=()).code
        return code[code.index(module.default_newline) + len(module.default_newline):]

    @property
    def text(self) -> str:
        return "".join(self.unit.document.lines[self.first_line : self.end_line])

    @cached_property
    def renders_exactly(self) -> bool:
        """Whether libcst's rendering of the root in place is the file's text (it should
        always be; if not, no edit is computed from it)."""
        if self.path is None:  # libcst drops a newline after a comment ending in "\\"
            return self.unit.module.code == self.text
        return self.render([self.node]) == self.text


WRAPPER_CLASS = "_orchex_wrapper_"


class SourceDocument:
    """One version of a Python file. Cheap to create; parses lazily, at most once each."""

    def __init__(self, text: str, path: str = "<string>") -> None:
        self.text = text
        self.path = path
        self.lines = split_lines(text)
        self._units: dict[tuple[int, int], Unit] = {}

    @cached_property
    def tree(self) -> ast.Module | SyntaxError:
        try:
            return ast.parse(self.text, self.path)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            if isinstance(exc, SyntaxError):
                return exc
            return SyntaxError(f"cannot parse: {exc}")

    @cached_property
    def future_flags(self) -> int:
        tree = self.tree
        flags = 0
        if isinstance(tree, ast.Module):
            for stmt in tree.body:
                if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
                    for alias in stmt.names:
                        flags |= _FUTURE_FLAGS.get(alias.name, 0)
        return flags

    @cached_property
    def global_names(self) -> frozenset[str]:
        """Every identifier the file mentions: a new module-level name must avoid them all."""
        tree = self.tree
        if not isinstance(tree, ast.Module):
            return frozenset()
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, _DEFS):
                names.add(node.name)
            elif isinstance(node, ast.alias):
                names.add((node.asname or node.name).split(".")[0])
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.Global | ast.Nonlocal):
                names.update(node.names)
        return frozenset(names)

    @cached_property
    def bound_names(self) -> frozenset[str]:
        """Every name the file binds somewhere (a builtin not among them is the builtin)."""
        tree = self.tree
        if not isinstance(tree, ast.Module):
            return frozenset()
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                names.add(node.id)
            elif isinstance(node, _DEFS):
                names.add(node.name)
            elif isinstance(node, ast.alias):
                names.add((node.asname or node.name).split(".")[0])
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.Global | ast.Nonlocal):
                names.update(node.names)
            elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
                names.add(node.name)
            elif isinstance(node, ast.MatchMapping) and node.rest:
                names.add(node.rest)
        return frozenset(names)

    def char_col(self, line: int, byte_col: int) -> int:
        text = self.lines[line] if line < len(self.lines) else ""
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    @staticmethod
    def _start_line(stmt: ast.stmt) -> int:
        decorators = getattr(stmt, "decorator_list", None) or []
        return min([stmt.lineno, *(d.lineno for d in decorators)]) - 1

    @cached_property
    def _groups(self) -> list[tuple[int, int, list[ast.stmt]]]:
        """Top-level statements grouped by the lines they share, as [first, end) spans."""
        tree = self.tree
        groups: list[tuple[int, int, list[ast.stmt]]] = []
        if not isinstance(tree, ast.Module):
            return groups
        for stmt in tree.body:
            first, end = self._start_line(stmt), stmt.end_lineno or stmt.lineno
            if groups and first < groups[-1][1]:
                f0, _, stmts = groups[-1]
                groups[-1] = (f0, max(end, groups[-1][1]), [*stmts, stmt])
            else:
                groups.append((first, end, [stmt]))
        return groups

    def unit_for(self, selection: Selection) -> Unit | None:
        """The whole top-level statements the selection touches (None: blank space)."""
        touched = [
            g for g in self._groups
            if g[0] <= selection.end_line and selection.start_line < g[1]
        ]
        if selection.end_line > selection.start_line and not selection.whole_lines:
            # A selection ending at column 0 does not include that line.
            if selection.end_col == 0:
                touched = [g for g in touched if g[0] < selection.end_line] or touched
        if not touched:
            return None
        first, end = touched[0][0], touched[-1][1]
        key = (first, end)
        unit = self._units.get(key)
        if unit is None:
            statements = [s for g in touched for s in g[2]]
            unit = self._units[key] = Unit(self, first, end, statements)
        return unit

    def def_path_for(self, unit: Unit, selection: Selection) -> DefPath | None:
        """The outermost function containing the whole selection (None: module level)."""
        steps: list[tuple[str, int]] = []
        start = (selection.start_line, selection.start_col)
        end = (selection.end_line, selection.end_col)
        if selection.whole_lines:
            start, end = (selection.start_line, 0), (selection.end_line, 0)
        siblings = _scope_children_ast(ast.Module(body=unit.statements, type_ignores=[]))
        while True:
            node = next((s for s in siblings if self._contains(s, start, end)), None)
            if node is None:
                return None
            nth = sum(1 for s in siblings[: siblings.index(node)] if s.name == node.name)
            steps.append((node.name, nth))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                line = node.lineno - 1
                return DefPath(tuple(steps), line, self.char_col(line, node.col_offset))
            siblings = _scope_children_ast(node)

    def _contains(self, node: ast.AST, start: tuple[int, int], end: tuple[int, int]) -> bool:
        first = self._start_line(node)  # type: ignore[arg-type]
        last_line = (node.end_lineno or node.lineno) - 1  # type: ignore[attr-defined]
        last_col = self.char_col(last_line, node.end_col_offset or 0)  # type: ignore[attr-defined]
        return (first, 0) <= start and end <= (last_line, last_col)
