"""Statement-level helpers shared by the control-flow rules (guard-clause, merge-nested-ifs,
remove-redundant-else, simplify-boolean-return, inline-returned-variable,
remove-unreachable-code): what the selection points at, which blocks end in a jump, and how
statements move out of a block without losing the comments that ended it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

from ..context import RefactorContext
from ..rule import Replacement

JUMPS = (cst.Return, cst.Raise, cst.Break, cst.Continue)
SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
JUMP_WORDS = "`return`/`raise`/`break`/`continue`"

Pos = tuple[int, int]


# -- where the selection points -------------------------------------------------------------


def _focus_span(ctx: RefactorContext) -> tuple[Pos, Pos]:
    """The selection in metadata coordinates, with two editor habits made precise: a whole
    line (the CLI's bare ``LINE``) means the code on it, without its indentation, and a
    cursor in a line's indentation means the statement that starts on that line."""
    sel, lines = ctx.selection, ctx.document.lines

    def text(line: int) -> str:
        return lines[line].rstrip("\r\n") if line < len(lines) else ""

    def indent(line: int) -> int:
        return len(text(line)) - len(text(line).lstrip())

    if sel.whole_lines:
        last = min(sel.end_line, len(lines) - 1)
        start, end = (sel.start_line, indent(sel.start_line)), (last, len(text(last).rstrip()))
        return ctx.root.to_meta(*start), ctx.root.to_meta(*end)
    if ctx.is_cursor and sel.start_col < indent(sel.start_line):
        point = ctx.root.to_meta(sel.start_line, indent(sel.start_line))
        return point, point
    return ctx.span


def focus(ctx: RefactorContext) -> list[cst.CSTNode]:
    """The nodes around the selection, innermost first (the root itself excluded)."""
    start, end = _focus_span(ctx)
    positions = ctx.positions
    chain: list[cst.CSTNode] = []
    node: cst.CSTNode = ctx.root.node
    while True:
        child = None
        for candidate in node.children:
            r = positions.get(candidate)
            if r is not None and (r.start.line, r.start.column) <= start and end <= (r.end.line, r.end.column):
                child = candidate
                break
        if child is None:
            return chain[::-1]
        chain.append(child)
        node = child


def in_scope(chain: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """``chain`` (innermost first) up to the first def, class or lambda, which ends it."""
    for node in chain:
        if isinstance(node, SCOPES):
            return
        yield node


def statements_at(ctx: RefactorContext, chain: Sequence[cst.CSTNode], kind: type) -> list:
    """Statements of ``kind`` that sit in a block, innermost first, within the innermost
    scope around the selection; when the selection covers whole statements of one
    block, those of ``kind`` among them come first."""
    found = []
    covered = ctx.covered_statements() if not ctx.is_cursor else None
    if covered is not None:
        found = [s for s in covered[1] if isinstance(s, kind)]
    for node in in_scope(chain):
        if isinstance(node, kind) and ctx.block_of(node) is not None and node not in found:
            found.append(node)
    return found


# -- jumps --------------------------------------------------------------------------------


def is_jump(statement: cst.CSTNode) -> bool:
    """A simple statement line (or suite) whose last small statement leaves the block."""
    if isinstance(statement, cst.SimpleStatementLine | cst.SimpleStatementSuite):
        return isinstance(statement.body[-1], JUMPS)
    return False


def ends_in_jump(body: cst.BaseSuite) -> bool:
    """Control never falls off the end of ``body``: its last statement is a jump, or an
    ``if`` whose every branch (an ``else`` included) ends in one."""
    if isinstance(body, cst.SimpleStatementSuite):
        return is_jump(body)
    last = body.body[-1]  # type: ignore[attr-defined]
    if isinstance(last, cst.If):
        return always_jumps(last)
    return is_jump(last)


def always_jumps(node: cst.If) -> bool:
    if not ends_in_jump(node.body):
        return False
    orelse = node.orelse
    if isinstance(orelse, cst.If):
        return always_jumps(orelse)
    return orelse is not None and ends_in_jump(orelse.body)


def single_jump(body: cst.BaseSuite) -> bool:
    """The block is nothing but one jump statement."""
    if isinstance(body, cst.SimpleStatementSuite):
        return len(body.body) == 1 and isinstance(body.body[0], JUMPS)
    statements = body.body  # type: ignore[attr-defined]
    return (
        len(statements) == 1
        and isinstance(statements[0], cst.SimpleStatementLine)
        and len(statements[0].body) == 1
        and isinstance(statements[0].body[0], JUMPS)
    )


# -- comments -------------------------------------------------------------------------------


def line_comment(body: cst.BaseSuite) -> cst.Comment | None:
    """The comment at the end of a block's header line (``if x:  # here``)."""
    if isinstance(body, cst.IndentedBlock):
        return body.header.comment
    return body.trailing_whitespace.comment  # type: ignore[attr-defined]


def comment_lines(lines: Sequence[cst.EmptyLine]) -> bool:
    return any(line.comment is not None for line in lines)


def own_line(comment: cst.Comment) -> cst.EmptyLine:
    return cst.EmptyLine(comment=comment)


# -- moving statements between blocks -------------------------------------------------------


def as_statements(body: cst.BaseSuite) -> list[cst.BaseStatement]:
    """A block's statements, ready to stand one level shallower (a one-line suite
    ``if c: a(); b()`` gives the line ``a(); b()``, its comment kept)."""
    if isinstance(body, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=body.body, trailing_whitespace=body.trailing_whitespace)]
    return list(body.body)  # type: ignore[attr-defined]


def footer(body: cst.BaseSuite) -> list[cst.EmptyLine]:
    return list(body.footer) if isinstance(body, cst.IndentedBlock) else []


def with_leading(statement: cst.BaseStatement, lines: Sequence[cst.EmptyLine]) -> cst.BaseStatement:
    if not lines:
        return statement
    return statement.with_changes(leading_lines=[*lines, *statement.leading_lines])


def splice(
    ctx: RefactorContext,
    statement: cst.BaseStatement,
    new_statements: Sequence[cst.BaseStatement],
    trailing: Sequence[cst.EmptyLine] = (),
) -> dict[cst.CSTNode, Replacement]:
    """Replacements putting ``new_statements`` where ``statement`` is in its block, followed
    by the comment lines ``trailing`` (they ended a block that no longer exists: they go
    above the next statement, or to the end of the block when there is none)."""
    replacements: dict[cst.CSTNode, Replacement] = {statement: cst.FlattenSentinel(list(new_statements))}
    if not comment_lines(trailing):
        return replacements
    block = ctx.block_of(statement)
    assert block is not None, "splice() needs a statement of a block"
    index = next(i for i, s in enumerate(block.statements) if s is statement)
    lines = list(trailing)
    if index + 1 < len(block.statements):
        replacements[block.statements[index + 1]] = lambda updated: with_leading(updated, lines)
    else:
        replacements[block.owner] = lambda updated: updated.with_changes(footer=[*lines, *updated.footer])
    return replacements


def index_in_block(ctx: RefactorContext, statement: cst.CSTNode) -> int | None:
    block = ctx.block_of(statement)
    if block is None:
        return None
    return next(i for i, s in enumerate(block.statements) if s is statement)


def next_statement(ctx: RefactorContext, statement: cst.CSTNode) -> cst.BaseStatement | None:
    block = ctx.block_of(statement)
    index = index_in_block(ctx, statement)
    if block is None or index is None or index + 1 >= len(block.statements):
        return None
    return block.statements[index + 1]


def previous_statement(ctx: RefactorContext, statement: cst.CSTNode) -> cst.BaseStatement | None:
    block = ctx.block_of(statement)
    index = index_in_block(ctx, statement)
    if block is None or not index:
        return None
    return block.statements[index - 1]
