"""loop-to-comprehension: a loop that only fills a fresh list, set or dict becomes a comprehension.

Before::

    def active_names(users):
        names = []
        for user in users:
            if user.active:
                names.append(user.name)
        return names

After::

    def active_names(users):
        names = [user.name for user in users if user.active]
        return names

Also ``set()`` with ``.add(x)`` (a set comprehension), ``{}``/``dict()`` with
``d[k] = v`` (a dict comprehension), nested ``for`` loops and ``if`` filters at any level
(``for a in xs: if p(a): for b in a: ...`` → ``for a in xs if p(a) for b in a``).

Limits: offered only inside a function (not in a class body or at module level) when the
accumulator is a plain local name set to an empty ``[]``, ``list()``, ``set()``, ``{}`` or
``dict()`` right before the loop, and the loop body does nothing but add one item to it.
Not offered when the loop has ``else``, ``break``, ``continue``, ``return``, ``yield``,
``await`` or an ``async for``; when a loop variable is read after the loop or captured by
a lambda (comprehension variables do not outlive it); when the loop reads the accumulator
or a local that may still be unbound (the error would change from ``UnboundLocalError``
to ``NameError``); when the accumulator is read by a nested function, or, inside a
``try``/``with``, anywhere but after the loop (a loop that raises half-way leaves a
partly filled accumulator behind, a comprehension leaves none); when ``d[key()] = value()``
both call code (a dict comprehension evaluates the key first); when a comment sits in or
above the loop (it would have nowhere to go); or when ``list``/``set``/``dict`` is
redefined in the file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import ComprehensionScope

from .. import dataflow as df
from ..context import RefactorContext
from ..models import Refused
from ..rule import Change, Refactoring

# -- shared with use-any-all: a loop nest as comprehension clauses ----------------------


@dataclass(frozen=True, slots=True)
class Chain:
    """``for``/``if`` headers from the outer loop inwards, and the innermost body."""

    clauses: tuple[cst.For | cst.If, ...]  # starts with the outer For
    leaf: tuple[cst.BaseSmallStatement, ...]

    @property
    def loops(self) -> list[cst.For]:
        return [c for c in self.clauses if isinstance(c, cst.For)]

    def moved(self) -> list[cst.CSTNode]:
        """The parts that run inside the comprehension's scope (all but the first
        iterable, which a comprehension evaluates in the enclosing scope)."""
        out: list[cst.CSTNode] = [self.clauses[0].target]  # type: ignore[union-attr]
        for clause in self.clauses[1:]:
            out.extend((clause.target, clause.iter) if isinstance(clause, cst.For) else (clause.test,))
        return out


def small_statements(body: cst.BaseSuite) -> list[cst.BaseSmallStatement] | None:
    """A block of simple statements as one list (``a; b`` and one per line alike)."""
    if isinstance(body, cst.SimpleStatementSuite):
        return list(body.body)
    out: list[cst.BaseSmallStatement] = []
    for statement in body.body:  # type: ignore[attr-defined]
        if not isinstance(statement, cst.SimpleStatementLine):
            return None
        out.extend(statement.body)
    return out


def loop_chain(loop: cst.For, *, outer_else: bool = False) -> Chain | str:
    """The loop as comprehension clauses, or what keeps it from being one."""
    clauses: list[cst.For | cst.If] = []
    node: cst.For | cst.If = loop
    while True:
        if node.orelse is not None and not (node is loop and outer_else):
            return "the loop has an `else:` clause" if isinstance(node, cst.For) else "the `if` in the loop has an `else`"
        if isinstance(node, cst.For) and node.asynchronous is not None:
            return "an `async for` loop cannot become a plain comprehension"
        clauses.append(node)
        body = node.body
        if isinstance(body, cst.IndentedBlock) and len(body.body) == 1 and isinstance(body.body[0], cst.For | cst.If):
            node = body.body[0]
            continue
        leaf = small_statements(body)
        if leaf is None:
            return "the loop body is more than one statement (or one `for`/`if` holding one)"
        return Chain(tuple(clauses), tuple(leaf))


def loop_candidates(
    ctx: RefactorContext, *, before: bool, after: bool
) -> list[tuple[cst.For, cst.BaseStatement | None]]:
    """Loops the selection may mean, innermost first, each with the statement beside it
    that the selection is on (None when it is in the loop): a ``for`` the selection is
    in (and the loops around that), the loop right after (``before``) or right before
    (``after``) the simple statement it is on, or the loop among the (at most two)
    whole statements it covers."""
    covered = ctx.covered_statements()
    if covered is not None:
        chosen = covered[1]
        loops = [s for s in chosen if isinstance(s, cst.For)]
        if len(loops) != 1 or len(chosen) > 2:
            return []
        other = [s for s in chosen if s is not loops[0]]
        return [(loops[0], other[0] if other else None)]
    loop = ctx.innermost(cst.For)
    if loop is not None:
        found: list[tuple[cst.For, cst.BaseStatement | None]] = [(loop, None)]
        for parent in ctx.ancestors(loop):
            if isinstance(parent, cst.FunctionDef | cst.ClassDef | cst.Lambda):
                break
            if isinstance(parent, cst.For):
                found.append((parent, None))
        return found
    line = ctx.innermost(cst.SimpleStatementLine)
    block = ctx.block_of(line) if line is not None else None
    if line is None or block is None:
        return []
    statements = list(block.statements)
    index = statements.index(line)
    neighbours = []
    if before and index + 1 < len(statements):
        neighbours.append(statements[index + 1])
    if after and index > 0:
        neighbours.append(statements[index - 1])
    return [(n, line) for n in neighbours if isinstance(n, cst.For)]


def jump_in(loop: cst.For) -> str | None:
    """The first ``break``/``continue``/``return`` in the loop that a comprehension
    could not express (one in a nested loop or function is that code's own business)."""
    stack: list[cst.CSTNode] = [loop.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Return):
            return "return"
        if isinstance(node, cst.Break | cst.Continue):
            return "break" if isinstance(node, cst.Break) else "continue"
        if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            continue
        if isinstance(node, cst.For | cst.While):
            # its break/continue are its own; a return still leaves our loop
            stack.extend(n for n in df.walk(node, into_scopes=False) if isinstance(n, cst.Return))
            continue
        stack.extend(node.children)
    return None


def paren(expr: cst.BaseExpression) -> cst.BaseExpression:
    if expr.lpar:
        return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def as_clause_expr(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``expr`` fit for a comprehension's ``in``/``if`` slot (a disjunction there)."""
    loose = isinstance(expr, cst.IfExp | cst.Lambda | cst.NamedExpr | cst.Yield) or (
        isinstance(expr, cst.Tuple) and not expr.lpar
    )
    return paren(expr) if loose and not expr.lpar else expr


def as_element(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``expr`` fit for a comprehension's element, key or value slot."""
    loose = isinstance(expr, cst.Lambda | cst.NamedExpr | cst.Yield) or (
        isinstance(expr, cst.Tuple) and not expr.lpar
    )
    return paren(expr) if loose else expr


def comp_for(chain: Chain) -> cst.CompFor:
    """The chain's ``for ... in ... if ...`` clauses."""
    groups: list[tuple[cst.For, list[cst.If]]] = []
    for clause in chain.clauses:
        if isinstance(clause, cst.For):
            groups.append((clause, []))
        else:
            groups[-1][1].append(clause)
    inner: cst.CompFor | None = None
    for loop, ifs in reversed(groups):
        inner = cst.CompFor(
            target=loop.target,
            iter=as_clause_expr(loop.iter),
            ifs=[cst.CompIf(test=as_clause_expr(i.test)) for i in ifs],
            inner_for_in=inner,
        )
    assert inner is not None
    return inner


def _captured(ctx: RefactorContext, name: cst.Name, scope) -> bool:
    """The read at ``name`` runs in a nested function, not in ``scope`` or a
    comprehension of it."""
    inner = ctx.scopes.get(name)
    while inner is not None and inner is not scope:
        if not isinstance(inner, ComprehensionScope):
            return True
        inner = inner.parent
    return False


def _forbidden(nodes: Sequence[cst.CSTNode]) -> str | None:
    """Code that would mean something else, or not compile, inside a comprehension."""
    for top in nodes:
        for node in df.walk(top):
            if isinstance(node, cst.Yield):
                return "the loop has a `yield`"
            if isinstance(node, cst.Await) or (isinstance(node, cst.CompFor) and node.asynchronous):
                return "the loop has an `await` (the comprehension would become asynchronous)"
            if isinstance(node, cst.NamedExpr):
                return "the loop has an assignment expression (`:=`)"
            if isinstance(node, cst.Name) and node.value in df.SCOPE_SENSITIVE:
                return f"`{node.value}` means something else inside a comprehension"
    return None


def check_loop(
    ctx: RefactorContext,
    chain: Chain,
    leaf_exprs: Sequence[cst.CSTNode],
    first: cst.BaseStatement,
) -> str | None:
    """Preconditions shared by the loop rewrites, or why they fail. ``leaf_exprs`` are the
    body's expressions that move into the comprehension; ``first`` is the first statement
    the rewrite replaces (where the moved code's locals must already be bound)."""
    loop = chain.clauses[0]
    problem = owner_problem(ctx, loop)
    if problem is not None:
        return problem
    scope = ctx.scopes.get(loop)
    if scope is None:
        return "cannot tell which names are local here"
    moved = [*chain.moved(), *leaf_exprs]
    problem = _forbidden(moved)
    if problem is not None:
        return problem
    # The first iterable runs in the enclosing scope: an `await` there is fine.
    for node in df.walk(loop.iter):
        if isinstance(node, cst.NamedExpr | cst.Yield):
            return "the loop's iterable has a `:=` or `yield`"

    targets: list[cst.Name] = []
    for clause in chain.loops:
        names = df.target_names(clause.target)
        if names is None:
            return "the loop assigns to an attribute or item"
        targets.extend(names)
    values = [t.value for t in targets]
    if len(set(values)) != len(values):
        return "the loops reuse a variable name"
    moved_ids = {id(n) for node in moved for n in df.walk(node)}
    for target in targets:
        if not df.binds_here(scope, target):
            return f"the loop variable `{target.value}` is declared global or nonlocal"
        for read in df.reads_of(scope, target.value):
            if id(read) not in moved_ids:
                return f"the loop variable `{target.value}` is used outside the loop (a comprehension's is not)"
            if _captured(ctx, read, scope):
                return f"the loop variable `{target.value}` is captured by a nested function"
    # A variable read before its own loop binds it reads the previous iteration's value.
    pending = set(values)
    for clause in chain.clauses:
        expr = clause.iter if isinstance(clause, cst.For) else clause.test
        early = next((n.value for n in df.names_in(expr) if n.value in pending), None)
        if early is not None:
            return f"`{early}` is read before the loop that assigns it"
        if isinstance(clause, cst.For):
            pending -= {n.value for n in df.target_names(clause.target) or ()}
    function = ctx.enclosing_function(loop)
    assert function is not None
    unbound = df.unbound_risk(ctx, moved, first, function, set(values))
    if unbound is not None:
        return f"`{unbound}` may be unassigned when the loop runs (the error would change)"
    return None


def owner_problem(ctx: RefactorContext, loop: cst.For) -> str | None:
    """Why the loop's scope cannot hold the rewrite: module level or a class body."""
    owner = next(
        (a for a in ctx.ancestors(loop) if isinstance(a, cst.FunctionDef | cst.ClassDef)), None
    )
    if owner is None:
        return "only loops inside a function are rewritten (at module level the loop variable is a global)"
    if isinstance(owner, cst.ClassDef):
        return "a comprehension in a class body cannot see the class's names"
    return None


def check_result_name(
    ctx: RefactorContext, name: cst.Name, loop: cst.For, allowed: set[int]
) -> str | None:
    """The variable the loop fills (or flags) is set in one go after the rewrite: nothing
    may look at it while the loop runs or after the loop raised half-way."""
    problem = owner_problem(ctx, loop)
    if problem is not None:
        return problem
    scope = ctx.scopes.get(loop)
    function = ctx.enclosing_function(loop)
    if scope is None or function is None:
        return "cannot tell which names are local here"
    if not df.binds_here(scope, name) or df.declared_outside(function, name.value):
        return f"`{name.value}` is declared global or nonlocal"
    if any(n.value == name.value and id(n) not in allowed for n in df.names_in(loop)):
        return f"the loop uses `{name.value}` itself"
    reads = df.reads_of(scope, name.value)
    if any(_captured(ctx, read, scope) for read in reads):
        return f"`{name.value}` is read by a nested function"
    guarded = any(
        isinstance(a, cst.Try | cst.TryStar | cst.With)
        for a in _ancestors_until(ctx, loop, function)
    )
    if guarded:
        block = ctx.block_of(loop)
        assert block is not None
        later = list(block.statements)[list(block.statements).index(loop) + 1 :]
        later_ids = {id(n) for statement in later for n in df.walk(statement)}
        if any(id(read) not in later_ids and id(read) not in allowed for read in reads):
            return (
                f"inside `try`/`with`, `{name.value}` is read where a loop that raised half-way "
                "would leave it different"
            )
    return None


def _ancestors_until(ctx: RefactorContext, node: cst.CSTNode, stop: cst.CSTNode) -> Iterator[cst.CSTNode]:
    for parent in ctx.ancestors(node):
        if parent is stop:
            return
        yield parent


# -- the rule ---------------------------------------------------------------------------

_EMPTY_CALLS = {"list": "list", "set": "set", "dict": "dict"}


@dataclass(frozen=True, slots=True)
class _Match:
    init: cst.SimpleStatementLine
    small: cst.Assign | cst.AnnAssign
    loop: cst.For
    chain: Chain
    kind: str  # "list" | "set" | "dict"
    element: tuple[cst.BaseExpression, ...]  # (item,) or (key, value)


def _empty_kind(value: cst.BaseExpression | None) -> tuple[str, str | None] | None:
    """("list"|"set"|"dict", builtin called or None) for an empty container literal."""
    if isinstance(value, cst.List) and not value.elements:
        return "list", None
    if isinstance(value, cst.Dict) and not value.elements:
        return "dict", None
    if (
        isinstance(value, cst.Call)
        and not value.args
        and isinstance(value.func, cst.Name)
        and value.func.value in _EMPTY_CALLS
    ):
        return value.func.value, value.func.value
    return None


def _init(statement: cst.BaseStatement) -> tuple[cst.Assign | cst.AnnAssign, cst.Name, str, str | None] | None:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target = small.targets[0].target
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        target = small.target
    else:
        return None
    kind = _empty_kind(small.value)
    if not isinstance(target, cst.Name) or kind is None:
        return None
    return small, target, kind[0], kind[1]


def _simple(expr: cst.BaseExpression, names: set[str]) -> bool:
    """Evaluating ``expr`` runs no code and cannot fail (a literal or a loop variable)."""
    if isinstance(expr, cst.Integer | cst.Float | cst.Imaginary | cst.SimpleString):
        return True
    return isinstance(expr, cst.Name) and (expr.value in names or expr.value in {"True", "False", "None"})


def _added(leaf: cst.BaseSmallStatement, acc: str, kind: str) -> tuple[tuple[cst.BaseExpression, ...], cst.Name] | str:
    """What the loop body adds to the accumulator, and the accumulator's name node there."""
    what = {"list": "append to", "set": "add to", "dict": "set items of"}[kind]
    refusal = f"the loop body does more than {what} `{acc}`"
    if kind == "dict":
        if not isinstance(leaf, cst.Assign) or len(leaf.targets) != 1:
            return refusal
        target = leaf.targets[0].target
        if not (isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) and target.value.value == acc):
            return refusal
        if not all(isinstance(e.slice, cst.Index) and e.slice.star is None for e in target.slice):
            return "the loop assigns a slice"
        parts = [e.slice.value for e in target.slice]  # type: ignore[union-attr]
        key = parts[0] if len(parts) == 1 else cst.Tuple(
            elements=[cst.Element(p) for p in parts], lpar=[cst.LeftParen()], rpar=[cst.RightParen()]
        )
        return (key, leaf.value), target.value
    method = "append" if kind == "list" else "add"
    call = leaf.value if isinstance(leaf, cst.Expr) else None
    if not (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and isinstance(call.func.value, cst.Name)
        and call.func.value.value == acc
        and call.func.attr.value == method
    ):
        return refusal
    if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
        return f"`{acc}.{method}` is not called with one plain argument"
    return (call.args[0].value,), call.func.value


class LoopToComprehension(Refactoring[_Match]):
    id = "loop-to-comprehension"
    title = "Convert loop to comprehension"
    kind = "refactor.rewrite"
    answers = ("OCX102", "OCX103")  # the loop's nesting goes; its `if` no longer nests
    description = (
        "A `for` loop that only appends to a fresh list (or adds to a set, or sets items "
        "of a dict) becomes a list, set or dict comprehension."
    )

    def match(self, ctx: RefactorContext) -> _Match | Refused:
        reason = None
        for loop, anchor in loop_candidates(ctx, before=True, after=False):
            found = self._match_loop(ctx, loop, anchor)
            if isinstance(found, _Match):
                return found
            reason = reason or found
        return self.refuse(
            reason or "the selection is not on a `for` loop that fills a list, set or dict created just before it"
        )

    def _match_loop(
        self, ctx: RefactorContext, loop: cst.For, anchor: cst.BaseStatement | None
    ) -> _Match | str | None:
        block = ctx.block_of(loop)
        if block is None:
            return None
        statements = list(block.statements)
        index = statements.index(loop)
        init = _init(statements[index - 1]) if index > 0 else None
        if init is None or anchor not in (None, statements[index - 1]):
            return None
        small, acc, kind, builtin = init
        exit_ = jump_in(loop)
        if exit_ is not None:
            return f"the loop has a `{exit_}`"
        chain = loop_chain(loop)
        if isinstance(chain, str):
            return chain
        if len(chain.leaf) != 1:
            return f"the loop body does more than add to `{acc.value}`"
        added = _added(chain.leaf[0], acc.value, kind)
        if isinstance(added, str):
            return added
        element, receiver = added
        if df.has_comment(loop):
            return "a comment in or above the loop would have nowhere to go"
        targets = {n.value for c in chain.loops for n in df.target_names(c.target) or ()}
        if kind == "dict" and not (_simple(element[0], targets) or _simple(element[1], targets)):
            return "the dict comprehension would evaluate the key before the value (the loop does it after)"
        problem = check_result_name(ctx, acc, loop, {id(receiver)})
        problem = problem or check_loop(ctx, chain, element, statements[index - 1])
        if problem is None and builtin is not None:
            problem = df.shadowed_builtin(ctx.document, [builtin])
        if problem is not None:
            return problem
        return _Match(statements[index - 1], small, loop, chain, kind, element)  # type: ignore[arg-type]

    def build(self, ctx: RefactorContext, match: _Match) -> Change:
        for_in = comp_for(match.chain)
        if match.kind == "dict":
            key, value = match.element
            comp: cst.BaseExpression = cst.DictComp(
                key=as_element(key), value=as_element(value), for_in=for_in
            )
        elif match.kind == "set":
            comp = cst.SetComp(elt=as_element(match.element[0]), for_in=for_in)
        else:
            comp = cst.ListComp(elt=as_element(match.element[0]), for_in=for_in)
        small = match.small.with_changes(value=comp)
        return Change(
            replacements={
                match.init: match.init.with_changes(body=[small]),
                match.loop: cst.RemoveFromParent(),
            }
        )
