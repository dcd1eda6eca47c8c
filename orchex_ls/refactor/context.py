"""What a refactoring rule sees: the libcst nodes under the selection, with lazy metadata.

Rules ask questions in node terms ("the statements the selection covers", "the innermost
``if`` around the cursor"); this module answers them in the coordinates of the root node's
metadata, so rules never do position arithmetic themselves.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import libcst as cst
from libcst.metadata import CodeRange, ParentNodeProvider, PositionProvider, ScopeProvider

from .document import Root, SourceDocument, Unit
from .models import Selection

Pos = tuple[int, int]  # (1-based line, column) in the root's metadata coordinates


@dataclass(frozen=True, slots=True)
class Block:
    """A statement list: its owner node and the statements in it (libcst body sequence)."""

    owner: cst.CSTNode  # IndentedBlock, Module, or SimpleStatementSuite
    statements: Sequence[cst.BaseStatement]


class RefactorContext:
    def __init__(self, document: SourceDocument, selection: Selection, unit: Unit, root: Root):
        self.document = document
        self.selection = selection
        self.unit = unit
        self.root = root

    # -- metadata (each resolved once per root, on first use) -----------------------------
    @property
    def positions(self) -> dict[cst.CSTNode, CodeRange]:
        return self.root.wrapper.resolve(PositionProvider)

    @property
    def parents(self) -> dict[cst.CSTNode, cst.CSTNode]:
        return self.root.wrapper.resolve(ParentNodeProvider)

    @property
    def scopes(self):
        return self.root.wrapper.resolve(ScopeProvider)

    # -- the selection in metadata coordinates --------------------------------------------
    @cached_property
    def span(self) -> tuple[Pos, Pos]:
        """The selection without surrounding whitespace, as (start, end) metadata positions."""
        sel, lines = self.selection, self.document.lines
        if sel.whole_lines:
            first = lines[sel.start_line] if sel.start_line < len(lines) else ""
            start = (sel.start_line, len(first) - len(first.lstrip()))
            last = min(sel.end_line, len(lines) - 1)
            end = (last, len(lines[last].rstrip("\r\n")))
        else:
            start, end = (sel.start_line, sel.start_col), (sel.end_line, sel.end_col)
            start, end = self._trim(start, end)
        return self._meta(*start), self._meta(*end)

    def _trim(self, start: tuple[int, int], end: tuple[int, int]):
        lines = self.document.lines

        def char(pos):
            line = lines[pos[0]] if pos[0] < len(lines) else ""
            return line[pos[1]] if pos[1] < len(line) else "\n"

        while start < end and char(start).isspace():
            line = lines[start[0]] if start[0] < len(lines) else ""
            start = (start[0] + 1, 0) if start[1] + 1 >= len(line) else (start[0], start[1] + 1)
        while end > start:
            prev = (end[0], end[1] - 1) if end[1] > 0 else None
            if prev is None:
                if end[0] == 0:
                    break
                above = lines[end[0] - 1].rstrip("\r\n")
                end = (end[0] - 1, len(above))
                continue
            if not char(prev).isspace():
                break
            end = prev
        return start, end

    def _meta(self, line: int, col: int) -> Pos:
        meta_line, meta_col = self.root.to_meta(line, col)
        return meta_line + 0, meta_col

    @property
    def is_cursor(self) -> bool:
        start, end = self.span
        return start == end and not self.selection.whole_lines

    # -- questions rules ask ----------------------------------------------------------------
    def range(self, node: cst.CSTNode) -> tuple[Pos, Pos]:
        r = self.positions[node]
        return (r.start.line, r.start.column), (r.end.line, r.end.column)

    def contains_selection(self, node: cst.CSTNode) -> bool:
        (s, e), (start, end) = self.range(node), self.span
        return s <= start and end <= e

    def walk(self, node: cst.CSTNode | None = None) -> Iterator[cst.CSTNode]:
        stack = [node or self.root.node]
        while stack:
            current = stack.pop()
            yield current
            stack.extend(reversed(current.children))

    def innermost(self, *types: type) -> cst.CSTNode | None:
        """The innermost node of ``types`` around the whole selection."""
        found = None
        node: cst.CSTNode | None = self.root.node
        while node is not None:
            if isinstance(node, types) and node is not self.root.node:
                found = node
            node = next(
                (c for c in node.children if c in self.positions and self.contains_selection(c)),
                None,
            )
        return found

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        parents = self.parents
        while node in parents:
            node = parents[node]
            yield node

    def enclosing_function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        return next((a for a in self.ancestors(node) if isinstance(a, cst.FunctionDef)), None)

    def enclosing_loop(self, node: cst.CSTNode) -> cst.For | cst.While | None:
        """The loop a ``break``/``continue`` at ``node`` would leave (stops at defs)."""
        for a in self.ancestors(node):
            if isinstance(a, cst.For | cst.While):
                return a
            if isinstance(a, cst.FunctionDef | cst.ClassDef | cst.Lambda):
                return None
        return None

    def block_of(self, statement: cst.CSTNode) -> Block | None:
        owner = self.parents.get(statement)
        if isinstance(owner, cst.IndentedBlock | cst.Module):
            return Block(owner, owner.body)
        return None

    def covered_statements(self) -> tuple[Block, list[cst.BaseStatement]] | None:
        """Consecutive whole statements of one block that the selection covers exactly."""
        if self.is_cursor:
            return None
        start, end = self.span
        node: cst.CSTNode = self.root.node
        while True:
            body = _body_of(node)
            if body is not None:
                inside = [s for s in body if self._within(s, start, end)]
                if inside:
                    first, last = body.index(inside[0]), body.index(inside[-1])
                    chosen = list(body[first : last + 1])
                    if self._covers_exactly(chosen, start, end):
                        return Block(node if isinstance(node, cst.Module) else node.body, body), chosen
                    return None
            child = next(
                (c for c in node.children if c in self.positions and self.contains_selection(c)),
                None,
            )
            if child is None:
                return None
            node = child

    def _within(self, node: cst.CSTNode, start: Pos, end: Pos) -> bool:
        s, e = self.range(node)
        return start <= s and e <= end

    def _covers_exactly(self, chosen: list[cst.CSTNode], start: Pos, end: Pos) -> bool:
        s, _ = self.range(chosen[0])
        _, e = self.range(chosen[-1])
        if self.selection.whole_lines:
            return s[0] >= start[0] and e[0] <= end[0]
        return s == start and e == end

    def code(self, node: cst.CSTNode) -> str:
        return self.unit.module.code_for_node(node)

    def file_range(self, node: cst.CSTNode) -> tuple[tuple[int, int], tuple[int, int]]:
        (sl, sc), (el, ec) = self.range(node)
        return self.root.to_file(sl, sc), self.root.to_file(el, ec)


def _body_of(node: cst.CSTNode) -> Sequence[cst.BaseStatement] | None:
    if isinstance(node, cst.Module):
        return node.body
    body = getattr(node, "body", None)
    if isinstance(body, cst.IndentedBlock):
        return body.body
    if isinstance(node, cst.IndentedBlock):
        return None  # reached through its owner
    return None
