"""inline-variable: a variable assigned once is replaced by its expression.

Before::

    def area(width, height):
        size = width * height
        return size / 2

After::

    def area(width, height):
        return width * height / 2

Put the cursor on the variable (its assignment or a use). Parentheses are added where the
expression would otherwise bind differently (``(a + b) * 2``).

Limits: only a local of a function, assigned exactly once by a plain ``x = expr`` (or
``x: T = expr``) on a line of its own, never deleted, rebound, declared
``global``/``nonlocal``, captured by a nested function, lambda, class or generator, or
exposed through ``locals()``/``vars()``/``eval``/``exec``; every read must come after the
assignment on every path. When it is read several times, only a literal (not into a
comprehension body, which has constants of its own) or a local that nothing rebinds later
is repeated. Otherwise it must be read exactly once, in the very next statement, where
nothing that could call code or raise is evaluated before the use and the use runs exactly
once (not in a lambda, comprehension body, short-circuit operand, loop condition or nested
block). Comments above the assignment move to the next statement; a comment on the
assignment line refuses. Not offered at module level, where the name is visible to other
modules. The value is no longer held by a variable, so it may be freed sooner.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..context import RefactorContext
from ..dataflow import shadowed_builtin
from ..models import Refused
from ..rule import Change, Refactoring
from ._evaluation import in_class_body, locate
from ._name_flow import CONSUMERS, Facts, param_names, walk_function
from ._precedence import fits, parenthesized
from .extract_variable import purity_at

_FRAME = frozenset({"locals", "eval", "exec"})
_LITERALS = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis)
_LOOPS = (cst.For, cst.While)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


@dataclass(frozen=True, slots=True)
class _Match:
    line: cst.SimpleStatementLine  # the assignment's line, to delete
    value: cst.BaseExpression
    uses: list[cst.Name]
    following: cst.BaseStatement | None  # takes the assignment's leading lines


def _literal(node: cst.BaseExpression) -> bool:
    """An immutable constant: repeating it gives the same value (and, within one code
    object, the same object)."""
    if isinstance(node, _LITERALS):
        return True
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None")
    if isinstance(node, cst.ConcatenatedString):
        return _literal(node.left) and _literal(node.right)
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.operator, cst.Minus | cst.Plus) and isinstance(
            node.expression, cst.Integer | cst.Float | cst.Imaginary
        )
    return False


class InlineVariable(Refactoring[_Match]):
    id = "inline-variable"
    title = "Inline variable"
    kind = "refactor.inline"
    description = "A variable assigned once is replaced by its expression where it is read, and the assignment removed."

    def match(self, ctx: RefactorContext) -> _Match | Refused:
        if ctx.root.path is None:  # cheap answers first: this runs on every cursor move
            if in_class_body(ctx):
                return self.refuse("class attributes cannot be inlined")
            return self.refuse("module-level variables are visible to other modules; inline them by hand")
        node = _name_at(ctx)
        if node is None:
            return self.refuse("put the cursor on a variable")
        scope = next(
            (a for a in ctx.ancestors(node) if isinstance(a, cst.FunctionDef | cst.ClassDef | cst.Lambda)), None
        )
        if scope is None:
            return self.refuse("module-level variables are visible to other modules; inline them by hand")
        if isinstance(scope, cst.ClassDef):
            return self.refuse("class attributes cannot be inlined")
        if isinstance(scope, cst.Lambda):
            return self.refuse("the variable is used inside a lambda")
        builtins_ok = shadowed_builtin(ctx.document, [*CONSUMERS, "open"]) is None
        facts = walk_function(scope, builtins_ok=builtins_ok)
        name = node.value
        if node not in facts.reads and node not in facts.writes:
            return self.refuse(f"`{name}` here is not a variable of this function (or it is used in a nested scope)")
        if name in facts.declared_global or name in facts.declared_nonlocal:
            return self.refuse(f"`{name}` is declared global or nonlocal")
        if name in param_names(scope.params):
            return self.refuse(f"`{name}` is a parameter")
        if name not in facts.bound_names():
            return self.refuse(f"`{name}` is not a local variable of this function")
        problem = self._binding_problem(ctx, facts, name, scope)
        if isinstance(problem, str):
            return self.refuse(problem)
        line, assign = problem
        return self._plan(ctx, facts, name, line, assign, scope)

    def _binding_problem(self, ctx: RefactorContext, facts: Facts, name: str, scope: cst.FunctionDef):
        writes = [n for n, v in facts.writes.items() if v == name]
        if len(writes) != 1:
            return f"`{name}` is assigned {len(writes)} times"
        if name in facts.kills.values():
            return f"`{name}` is deleted (`del` or the end of an `except ... as` block)"
        if any(d.name == name for d in facts.deferred):
            return f"`{name}` is used by a nested function, lambda, class or generator"
        for inner in ctx.walk(scope.body):
            frame = _frame_access(inner)
            if frame:
                return f"the function uses `{frame}`, which could see `{name}`"
        target = writes[0]
        assign = ctx.parents.get(ctx.parents.get(target)) if isinstance(target, cst.Name) else None
        annotated = ctx.parents.get(target)
        if isinstance(annotated, cst.AnnAssign) and annotated.target is target and annotated.value is not None:
            assign = annotated
        elif not (isinstance(assign, cst.Assign) and len(assign.targets) == 1 and assign.targets[0].target is target):
            return f"`{name}` is not bound by a plain `{name} = ...` assignment"
        line = ctx.parents.get(assign)
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
            return "the assignment shares its line with another statement"
        if line.trailing_whitespace.comment is not None:
            return "the comment on the assignment line would be lost"
        if not isinstance(ctx.parents.get(line), cst.IndentedBlock | cst.Module):
            return "the assignment is not in a block"
        return line, assign

    def _plan(self, ctx, facts: Facts, name: str, line, assign, scope) -> _Match | Refused:
        value = assign.value
        uses = [n for n, (v, _) in facts.reads.items() if v == name]
        if not uses:
            return self.refuse(f"`{name}` is never read")
        if any(not facts.reads[n][1] for n in uses):
            return self.refuse(f"`{name}` may be read before it is assigned")
        block = ctx.parents[line].body
        index = block.index(line)
        following = block[index + 1] if index + 1 < len(block) else None
        if following is None and (len(block) == 1 or any(e.comment for e in line.leading_lines)):
            return self.refuse("the assignment ends its block; its comments or the block would be left empty")
        uses.sort(key=lambda n: ctx.range(n)[0])
        for use in uses:
            problem = _fstring_problem(ctx, use, value)
            if problem:
                return self.refuse(problem)
        repeatable = _literal(value) and not any(_in_comprehension_body(ctx, use) for use in uses)
        if repeatable or self._stable_alias(ctx, facts, value, line, scope):
            return _Match(line, value, uses, following)
        if len(uses) > 1:
            return self.refuse(
                f"`{name}` is read {len(uses)} times; its expression could give a different value "
                "or have side effects when computed again"
            )
        place = locate(ctx, uses[0])
        if isinstance(place, str):
            return self.refuse(f"cannot evaluate the expression at its use: {place}")
        if place.statement is not following:
            return self.refuse(
                f"the use of `{name}` is not in the statement right after the assignment; "
                "code in between could change what the expression computes"
            )
        purity = purity_at(ctx, place.statement)
        if isinstance(purity, str):
            return self.refuse(purity)
        for earlier in place.before:
            if not purity.pure(earlier):
                return self.refuse(
                    f"the statement evaluates `{ctx.code(earlier).strip()}` before `{name}`; "
                    "computing the expression there would change the order of evaluation"
                )
        return _Match(line, value, uses, following)

    def _stable_alias(self, ctx, facts: Facts, value, line, scope) -> bool:
        """``value`` is a local that is certainly bound at the assignment and never
        rebound after it: reading it later gives the same object."""
        if not isinstance(value, cst.Name) or value.lpar:
            return False
        alias = value.value
        if alias not in facts.bound_names() | set(param_names(scope.params)):
            return False
        if facts.reads.get(value, ("", False))[1] is False:
            return False
        if any(d.name == alias and d.writes for d in facts.deferred):
            return False
        start = ctx.range(line)[0]
        loops = [a for a in ctx.ancestors(line) if isinstance(a, _LOOPS)]
        for node, n in [*facts.writes.items(), *facts.kills.items()]:
            if n != alias or node in _param_nodes(scope):
                continue
            if ctx.range(node)[0] > start or any(_within(ctx, node, loop) for loop in loops):
                return False
        return True

    def build(self, ctx: RefactorContext, match: _Match) -> Change:
        replacements: dict = {match.line: cst.RemoveFromParent()}
        for use in match.uses:
            parent = ctx.parents[use]
            value = match.value
            if use.lpar:
                value = value.with_changes(lpar=[*use.lpar, *value.lpar], rpar=[*value.rpar, *use.rpar])
            elif not fits(value, parent, use):
                value = parenthesized(value)
            replacements[use] = value
        leading = list(match.line.leading_lines)
        if leading and match.following is not None:
            replacements[match.following] = lambda updated: updated.with_changes(
                leading_lines=[*leading, *updated.leading_lines]
            )
        return Change(replacements)


def _in_comprehension_body(ctx: RefactorContext, use: cst.Name) -> bool:
    """A comprehension body is a code object of its own, with its own constants: a literal
    repeated there need not be the same object as the one the variable held."""
    child: cst.CSTNode = use
    for parent in ctx.ancestors(use):
        if isinstance(parent, cst.CompIf):
            return True
        if isinstance(parent, cst.CompFor):
            first_clause = not isinstance(ctx.parents.get(parent), cst.CompFor)
            if child is not parent.iter or not first_clause:
                return True
        if isinstance(parent, _COMPREHENSIONS) and child is not parent.for_in:
            return True
        if isinstance(parent, cst.BaseStatement):
            return False
        child = parent
    return False


def _name_at(ctx: RefactorContext) -> cst.Name | None:
    """The name under the cursor (or exactly selected); at a boundary between two tokens,
    the one starting there."""
    start, end = ctx.span
    found = None
    for node in ctx.walk():
        if isinstance(node, cst.Name) and node in ctx.positions:
            s, e = ctx.range(node)
            if s <= start and end <= e and (found is None or s == start):
                found = node
    return found


def _frame_access(node: cst.CSTNode) -> str | None:
    """A name through which code could read the function's locals."""
    if isinstance(node, cst.Name) and node.value in _FRAME:
        return node.value
    if isinstance(node, cst.Call) and not node.args and isinstance(node.func, cst.Name):
        if node.func.value in ("dir", "vars"):
            return f"{node.func.value}()"
    if isinstance(node, cst.Attribute) and node.attr.value in ("_getframe", "currentframe", "f_locals"):
        return f".{node.attr.value}"
    return None


def _param_nodes(scope: cst.FunctionDef) -> set[cst.CSTNode]:
    params = scope.params
    out = {p.name for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            out.add(star.name)
    return out


def _within(ctx: RefactorContext, node: cst.CSTNode, outer: cst.CSTNode) -> bool:
    (s, e), (os_, oe) = ctx.range(node), ctx.range(outer)
    return os_ <= s and e <= oe


def _fstring_problem(ctx: RefactorContext, use: cst.Name, value: cst.BaseExpression) -> str | None:
    """Before Python 3.12 an f-string's expressions cannot hold quotes, backslashes or
    line breaks of their own."""
    for ancestor in ctx.ancestors(use):
        if isinstance(ancestor, cst.FormattedString):
            code = ctx.code(value)
            if any(c in code for c in "'\"\\\n#"):
                return "the expression cannot go inside an f-string (quotes, backslashes or line breaks)"
            return None
        if isinstance(ancestor, cst.BaseStatement):
            return None
    return None
