"""Small data-flow facts the rewriting rules need to prove their preconditions.

libcst's scope analysis is flow-insensitive: it says which binding a name resolves to,
never whether that binding has happened yet. The questions here add the little flow
knowledge the rules need, and answer conservatively (``False``/"maybe") when unsure:

* which reads of a local resolve to a given function's binding (from any nested scope);
* which locals are certainly bound when a statement starts (parameters, simple statements
  before it, targets of the loops and ``with``/``except`` blocks around it);
* which builtins a file might shadow.

Moving code into a comprehension or generator expression (a scope of its own) is where
these matter: a local read there becomes a closure read, and an unbound one then raises
``NameError`` instead of ``UnboundLocalError``; a loop variable stops existing after the
loop; a value built up by the loop is not there at all when the loop raises half-way.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from weakref import WeakKeyDictionary

import libcst as cst

from .context import RefactorContext
from .document import SourceDocument

# Calls whose meaning depends on the scope they run in: moved into a comprehension they
# see (or, for super(), fail on) the comprehension's frame instead of the function's.
SCOPE_SENSITIVE = frozenset({"super", "locals", "vars", "dir", "eval", "exec", "__class__"})

_NESTED_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
_COMPREHENSIONS = (cst.GeneratorExp, cst.ListComp, cst.SetComp, cst.DictComp)


def walk(node: cst.CSTNode, *, into_scopes: bool = True) -> Iterator[cst.CSTNode]:
    """``node`` and its descendants; without ``into_scopes``, not inside nested defs,
    classes or lambdas (whose code does not run where they are written)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if current is not node and not into_scopes and isinstance(current, _NESTED_SCOPES):
            continue
        stack.extend(reversed(current.children))


def names_in(node: cst.CSTNode) -> Iterator[cst.Name]:
    return (n for n in walk(node) if isinstance(n, cst.Name))


def target_names(target: cst.BaseExpression) -> list[cst.Name] | None:
    """The names a plain assignment target binds (``x``, ``a, (b, *c)``); None when it
    also stores into an attribute or subscript."""
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, cst.Tuple | cst.List):
        out: list[cst.Name] = []
        for element in target.elements:
            inner = target_names(element.value)
            if inner is None:
                return None
            out.extend(inner)
        return out
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return None


def has_comment(node: cst.CSTNode, *, skip: Iterable[cst.CSTNode] = ()) -> bool:
    """Whether a comment sits anywhere in ``node`` (outside the subtrees in ``skip``)."""
    skipped = {id(s) for s in skip}
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in skipped:
            continue
        if isinstance(current, cst.Comment):
            return True
        stack.extend(current.children)
    return False


# -- scopes ---------------------------------------------------------------------------


def binds_here(scope, name: cst.Name) -> bool:
    """The store at ``name`` binds in ``scope`` (not a global/nonlocal declared name)."""
    return any(a.node is name for a in scope.assignments[name.value])


def reads_of(scope, name: str) -> list[cst.Name]:
    """Every read (from ``scope`` or a scope nested in it) that resolves to ``scope``'s
    binding of ``name``. Flow-insensitive: a read of any binding of the name counts."""
    seen: dict[int, cst.Name] = {}
    for assignment in scope.assignments[name]:
        for access in assignment.references:
            if isinstance(access.node, cst.Name):
                seen[id(access.node)] = access.node
    return list(seen.values())


def local_reads(scope) -> dict[int, str]:
    """id(Name node) -> name, for every read that resolves to a binding in ``scope``."""
    out: dict[int, str] = {}
    for assignment in scope.assignments:
        for access in assignment.references:
            if isinstance(access.node, cst.Name):
                out[id(access.node)] = access.node.value
    return out


def declared_outside(function: cst.FunctionDef, name: str) -> bool:
    """``name`` is declared ``global`` or ``nonlocal`` in ``function``'s own body."""
    for node in walk(function.body, into_scopes=False):
        if isinstance(node, cst.Global | cst.Nonlocal) and any(
            n.name.value == name for n in node.names
        ):
            return True
    return False


# -- what is bound when a statement starts --------------------------------------------


def _param_names(params: cst.Parameters) -> set[str]:
    out = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            out.add(star.name.value)
    return out


def _bound_by_simple(statement: cst.BaseStatement) -> set[str]:
    """Names a statement surely binds once it has run (simple statements and defs only)."""
    out: set[str] = set()
    if isinstance(statement, cst.FunctionDef | cst.ClassDef):
        out.add(statement.name.value)
    if not isinstance(statement, cst.SimpleStatementLine):
        return out
    for small in statement.body:
        targets: list[cst.BaseExpression] = []
        if isinstance(small, cst.Assign):
            targets = [t.target for t in small.targets]
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            targets = [small.target]
        elif isinstance(small, cst.AugAssign):
            targets = [small.target]
        elif isinstance(small, cst.Import):
            for alias in small.names:
                if alias.asname is not None:
                    targets.append(alias.asname.name)
                else:
                    out.add(_first_component(alias.name))
        elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
            for alias in small.names:
                targets.append(alias.asname.name if alias.asname is not None else alias.name)
        for target in targets:
            for name in target_names(target) or ():  # type: ignore[arg-type]
                out.add(name.value)
    return out


def _first_component(node: cst.BaseExpression) -> str:
    while isinstance(node, cst.Attribute):
        node = node.value
    return node.value if isinstance(node, cst.Name) else ""


def bound_before(ctx: RefactorContext, statement: cst.CSTNode, function: cst.FunctionDef) -> set[str]:
    """Locals of ``function`` that are certainly bound when ``statement`` starts.

    Parameters; names bound by the simple statements (and defs) before it in its block
    and in every enclosing block; targets of the loops, ``with`` items and ``except``
    clauses it sits in. Anything ``del``-eted anywhere in the function is left out.
    """
    names = _param_names(function.params)
    node: cst.CSTNode = statement
    for parent in ctx.ancestors(statement):
        if isinstance(parent, cst.IndentedBlock | cst.Module):
            for sibling in parent.body:
                if sibling is node:
                    break
                names |= _bound_by_simple(sibling)
        elif isinstance(parent, cst.For) and node is parent.body:
            names |= {n.value for n in target_names(parent.target) or ()}
        elif isinstance(parent, cst.With) and node is parent.body:
            for item in parent.items:
                if item.asname is not None:
                    names |= {n.value for n in target_names(item.asname.name) or ()}
        elif isinstance(parent, cst.ExceptHandler) and node is parent.body:
            if parent.name is not None and isinstance(parent.name.name, cst.Name):
                names.add(parent.name.name.value)
        if parent is function:
            break
        node = parent
    for inner in walk(function.body, into_scopes=False):
        if isinstance(inner, cst.Del):
            names -= {n.value for n in names_in(inner.target)}
    return names


def unbound_risk(
    ctx: RefactorContext,
    moved: Iterable[cst.CSTNode],
    statement: cst.CSTNode,
    function: cst.FunctionDef,
    exclude: set[str],
) -> str | None:
    """A local of ``function`` read in ``moved`` (code about to run in a comprehension's
    scope) that may be unbound when ``statement`` starts, or None. Reads of names in
    ``exclude`` (the comprehension's own variables) do not count."""
    scope = ctx.scopes.get(function.body)
    if scope is None:
        return "cannot tell which names are local here"
    reads = local_reads(scope)
    bound: set[str] | None = None
    for node in moved:
        for name in names_in(node):
            local = reads.get(id(name))
            if local is None or local in exclude:
                continue
            if bound is None:
                bound = bound_before(ctx, statement, function)
            if local not in bound:
                return local
    return None


# -- builtins a file may shadow -------------------------------------------------------

_FILE_BINDINGS: WeakKeyDictionary[SourceDocument, frozenset[str] | None] = WeakKeyDictionary()


def file_bindings(document: SourceDocument) -> frozenset[str] | None:
    """Every name the file binds anywhere (any scope); None when a star import could
    bind anything."""
    if document in _FILE_BINDINGS:
        return _FILE_BINDINGS[document]
    tree = document.tree
    names: set[str] = set()
    star = False
    if isinstance(tree, ast.Module):
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                names.add(node.id)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.alias):
                if node.name == "*":
                    star = True
                names.add((node.asname or node.name).split(".")[0])
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                names.add(node.name)
            elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
                names.add(node.name)
            elif isinstance(node, ast.MatchMapping) and node.rest:
                names.add(node.rest)
    result = None if star else frozenset(names)
    _FILE_BINDINGS[document] = result
    return result


def shadowed_builtin(document: SourceDocument, names: Iterable[str]) -> str | None:
    """Why one of the builtins ``names`` may not mean the builtin in this file, or None."""
    bound = file_bindings(document)
    for name in names:
        if bound is None:
            return f"a star import in this file could redefine `{name}`"
        if name in bound:
            return f"`{name}` is redefined in this file"
    return None
