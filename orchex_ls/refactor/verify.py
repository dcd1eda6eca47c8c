"""Proof obligations every edit meets before anyone sees it.

1. The new unit parses with libcst (and prints back to the same text) and compiles.
2. Text outside the replaced nodes is byte-for-byte unchanged.
3. Bindings: every name read or assigned after the change binds in the same scope as some
   read or assignment of that name before (after mapping the rule's declared scope moves);
   names the change introduces are fresh, so nothing shadows or captures another name.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import (
    BuiltinAssignment,
    ClassScope,
    ComprehensionScope,
    GlobalScope,
    MetadataWrapper,
    ScopeProvider,
)

Binding = tuple[str, str]  # (name, scope path | "<global>")


@dataclass(frozen=True, slots=True)
class Bindings:
    reads: frozenset[Binding]
    writes: frozenset[Binding]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(n for n, _ in self.reads | self.writes)


def _scope_path(scope, cache: dict) -> str:
    key = id(scope)
    if key in cache:
        return cache[key]
    if isinstance(scope, GlobalScope) or scope is None:
        path = "<module>"
    elif isinstance(scope, ComprehensionScope):
        # Comprehension targets act as locals of the enclosing scope for our purposes:
        # turning a loop into a comprehension must not look like a rebinding.
        path = _scope_path(scope.parent, cache)
    else:
        name = getattr(scope, "name", None) or "<lambda>"
        parent = _scope_path(scope.parent, cache)
        kind = "class" if isinstance(scope, ClassScope) else "def"
        path = f"{kind}:{name}" if parent == "<module>" else f"{parent}/{kind}:{name}"
    cache[key] = path
    return path


def bindings(module: cst.Module) -> Bindings:
    """(name, binding scope) for every read and write of a plain name in ``module``."""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    scopes = {s for s in wrapper.resolve(ScopeProvider).values() if s is not None}
    cache: dict = {}
    reads: set[Binding] = set()
    writes: set[Binding] = set()
    for scope in scopes:
        for access in scope.accesses:
            if not isinstance(access.node, cst.Name):
                continue
            name = access.node.value
            real = [r for r in access.referents if not isinstance(r, BuiltinAssignment)]
            if not real:
                reads.add((name, "<global>"))
                continue
            for ref in real:
                reads.add((name, _scope_path(ref.scope, cache)))
        for assignment in scope.assignments:
            if isinstance(assignment, BuiltinAssignment):
                continue
            writes.add((assignment.name, _scope_path(assignment.scope, cache)))
    return Bindings(frozenset(reads), frozenset(writes))


def _remap(items: frozenset[Binding], scope_map: dict[str, str]) -> set[Binding]:
    out = set()
    for name, path in items:
        for new, old in scope_map.items():
            if path == new or path.startswith(new + "/"):
                path = old + path[len(new):]
                break
        out.add((name, path))
    return out


def binding_problems(
    before: Bindings, after: Bindings, new_names: frozenset[str], scope_map: dict[str, str]
) -> list[str]:
    problems = []
    clash = sorted(new_names & before.names)
    if clash:
        problems.append(f"the new name {clash[0]!r} is already used here")
    known = set(before.reads | before.writes)
    for kind, items in (("read", after.reads), ("assigned", after.writes)):
        for name, path in sorted(_remap(items, scope_map)):
            if name in new_names or (name, path) in known:
                continue
            if kind == "read" and path == "<global>":
                problems.append(f"{name!r} would be read before it is defined")
            else:
                problems.append(f"{name!r} would be {kind} in a different scope ({path})")
    return problems


def compile_problem(code: str, filename: str, flags: int) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(code, filename, "exec", flags=flags, dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        where = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
        return f"the result does not compile: {getattr(exc, 'msg', exc)}{where}"
    try:
        again = cst.parse_module(code)
    except cst.ParserSyntaxError as exc:
        return f"the result does not parse: {exc.message}"
    if again.code != code:
        return "the result does not print back to the same text"
    return None
