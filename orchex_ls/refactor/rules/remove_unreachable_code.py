"""remove-unreachable-code: statements after ``return``/``raise``/``break``/``continue`` go.

Before::

    def parse(text):
        return text.split()
        print("parsed")

After::

    def parse(text):
        return text.split()

Everything after the first jump statement of a block is removed: later statements of the
block, and later statements on the jump's own line (``return x; y()``). Only jump
statements count; an ``if`` whose branches all return, or ``while True:``, is not
followed up.

Comments: not offered when a comment is attached to the removed code (above it, at the
end of one of its lines, or inside it). Whether such a comment is stale documentation or
a note someone needs is a human call; the rule will not delete it, and keeping it alone
after the jump would make it describe nothing. Delete or move the comment first.

Limits: also not offered when the removed code changes the function even though it never
runs: a ``yield`` there makes the function a generator, a ``global``/``nonlocal`` there
applies to the whole function, and an assignment there can be what makes a name local
(``print(x); return; x = 1`` raises ``UnboundLocalError``). Not offered at module level,
where the code after a top-level ``raise`` lies outside the statement being changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..context import RefactorContext
from ..dataflow import has_comment, walk
from ..models import Refused
from ..rule import Change, Refactoring
from . import _flow as flow

_NESTED = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


@dataclass(frozen=True, slots=True)
class _Match:
    # The line (or one-line suite) holding the jump, and the statements after it.
    jump_line: cst.SimpleStatementLine | cst.SimpleStatementSuite
    jump_index: int  # of the jump among the line's small statements
    dead: tuple[cst.BaseStatement, ...]  # later statements of the block

    def removed(self) -> list[cst.CSTNode]:
        return [*self.jump_line.body[self.jump_index + 1:], *self.dead]


def _first_jump(smalls) -> int | None:
    return next((i for i, s in enumerate(smalls) if isinstance(s, flow.JUMPS)), None)


def _dead_in_block(ctx: RefactorContext, statement: cst.CSTNode) -> _Match | None:
    """The unreachable code of the block holding ``statement``, if ``statement`` is the
    jump's line or comes after it."""
    block = ctx.block_of(statement)
    if block is None:
        return None
    statements = list(block.statements)
    for i, line in enumerate(statements):
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        jump = _first_jump(line.body)
        if jump is None:
            continue
        position = next(k for k, s in enumerate(statements) if s is statement)
        if position < i:
            return None
        return _Match(line, jump, tuple(statements[i + 1:]))
    return None


def _candidates(ctx: RefactorContext) -> list[_Match]:
    found = []
    chain = flow.focus(ctx)
    covered = ctx.covered_statements() if not ctx.is_cursor else None
    nodes = ([covered[1][0]] if covered else []) + list(flow.in_scope(chain))
    for node in nodes:
        if isinstance(node, cst.SimpleStatementSuite):
            jump = _first_jump(node.body)
            if jump is not None:
                found.append(_Match(node, jump, ()))
        elif isinstance(node, cst.BaseStatement):
            match = _dead_in_block(ctx, node)
            if match is not None:
                found.append(match)
    return found


_BINDING = (
    cst.Assign, cst.AugAssign, cst.AnnAssign, cst.For, cst.With, cst.Import, cst.ImportFrom,
    cst.FunctionDef, cst.ClassDef, cst.ExceptHandler, cst.ExceptStarHandler, cst.NamedExpr,
    cst.Del, cst.Match,
)


def _binds(nodes: list[cst.CSTNode]) -> bool:
    """The code may bind a name in the enclosing scope (a cheap, generous test)."""
    return any(isinstance(n, _BINDING) for top in nodes for n in walk(top, into_scopes=False))


def _deleted(target: cst.BaseExpression) -> list[str]:
    """Names a ``del`` target unbinds (``del x``, ``del (a, b)``; not ``del a[i]``)."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, cst.Tuple | cst.List):
        return [name for element in target.elements for name in _deleted(element.value)]
    return []


def _mentioned(node: cst.CSTNode, name: str, skip: set[int]) -> bool:
    """``name`` appears as a name in ``node``, outside the subtrees whose ids are in ``skip``."""
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in skip:
            continue
        if isinstance(current, cst.Name) and current.value == name:
            return True
        stack.extend(current.children)
    return False


class RemoveUnreachableCode(Refactoring[_Match]):
    id = "remove-unreachable-code"
    title = "Remove unreachable code"
    kind = "refactor.rewrite"
    description = "Statements after a `return`, `raise`, `break` or `continue` in the same block are removed."

    def match(self, ctx: RefactorContext) -> _Match | Refused:
        candidates = _candidates(ctx)
        match = next((m for m in candidates if m.removed()), None)
        if match is None:
            if candidates:
                return self.refuse(f"nothing follows the {flow.JUMP_WORDS} in this block")
            return self.refuse(f"the selection is not on a {flow.JUMP_WORDS} or the code after one")
        if isinstance(ctx.parents.get(match.jump_line), cst.Module):
            return self.refuse("not offered at module level (the code after a top-level `raise` is out of view)")
        removed = match.removed()
        if any(has_comment(n) for n in removed):
            return self.refuse("a comment is attached to the unreachable code; delete or move it first")
        for top in removed:
            for node in walk(top, into_scopes=False):
                if node is not top and isinstance(node, _NESTED):
                    continue
                if isinstance(node, cst.Yield):
                    return self.refuse("the unreachable code has a `yield`, which makes the function a generator")
                if isinstance(node, cst.Global | cst.Nonlocal):
                    return self.refuse("the unreachable code has a `global`/`nonlocal` declaration, which applies to the whole function")
        if _binds(removed):  # (scope analysis only then: listing stays cheap)
            problem = self._makes_local(ctx, match, removed)
            if problem:
                return self.refuse(problem)
        return match

    def build(self, ctx: RefactorContext, match: _Match) -> Change:
        replacements: dict = {}
        if match.jump_index + 1 < len(match.jump_line.body):
            smalls = list(match.jump_line.body[: match.jump_index + 1])
            smalls[-1] = smalls[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            replacements[match.jump_line] = match.jump_line.with_changes(body=smalls)
        for statement in match.dead:
            replacements[statement] = cst.RemoveFromParent()
        return Change(replacements=replacements)

    def _makes_local(self, ctx: RefactorContext, match: _Match, removed: list[cst.CSTNode]) -> str | None:
        """A name bound only in the removed code and mentioned elsewhere in its scope.
        Python makes a name local to a function if it is bound anywhere in it, reachable
        or not; libcst's scope analysis goes by position, so this check is syntactic."""
        scope = ctx.scopes.get(match.jump_line)
        if scope is None:
            return "cannot tell which names are local here"
        where = getattr(scope, "node", None) or ctx.root.node  # the global scope has no node
        inside = {id(n) for top in removed for n in walk(top)}
        dead: set[str] = set()
        live: set[str] = set()
        for assignment in scope.assignments:
            node = getattr(assignment, "node", None)
            if node is not None:
                (dead if id(node) in inside else live).add(assignment.name)
        for top in removed:
            for node in walk(top, into_scopes=False):
                if isinstance(node, cst.Del):
                    dead.update(_deleted(node.target))
                elif isinstance(node, cst.NamedExpr) and isinstance(node.target, cst.Name):
                    dead.add(node.target.value)  # binds in the function even in a comprehension
        for name in sorted(dead - live):
            if _mentioned(where, name, {id(n) for n in removed}):
                return (
                    f"the unreachable code binds `{name}`, which makes it a local name of the "
                    f"whole scope; removing that would change what `{name}` means elsewhere"
                )
        return None
