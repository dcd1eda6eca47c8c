"""Import graph of the workspace: fan-in, fan-out, instability and import cycles.

Two phases, so the expensive part parallelises and caches:

1. :func:`extract_imports` runs per file (in worker processes). It returns plain,
   picklable :class:`ImportRef` tuples with every import already resolved to an
   absolute module name.
2. :func:`build_coupling` runs once over all files and builds the graph.

Decisions (see ``docs/coupling-and-hotspots.md``):

* Only imports between workspace modules are edges. Everything else is
  *external* and is reported per module (distinct top-level names) but not in Ce.
* ``import a.b.c`` is one edge to the deepest workspace module among ``a.b.c``,
  ``a.b``, ``a``; the parent packages' ``__init__`` it also executes are not edges.
  ``from pkg import name`` is an edge to ``pkg.name`` when that is a workspace
  module, else to ``pkg``.
* Fan-in Ca / fan-out Ce count distinct other modules over *all* edges, including
  function-local and ``if TYPE_CHECKING:`` imports: both are design dependencies.
  Self-imports never count in Ca/Ce.
* Cycles ignore ``TYPE_CHECKING`` imports (they never execute). A cycle that only
  exists thanks to function-local imports (or ones under ``if __name__ ==
  "__main__":``, which don't run on import either) is kept but flagged
  ``local_only``: deferring an import is the usual way to break a cycle, so it is
  not an ``OCX109 import-cycle`` finding and is left out of ``Coupling.cycles``.
* A cycle lists its members from the alphabetically first one, following the
  imports, so a simple loop reads in import order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from orchex_ls.analysis.imports import ImportRef, extract_imports, module_name
from orchex_ls.analysis.models import Coupling, ModuleCoupling

__all__ = [
    "CouplingResult",
    "ImportCycle",
    "ImportEdge",
    "ImportRef",
    "ModuleDeps",
    "build_coupling",
    "extract_imports",
    "module_name",
    "strongly_connected",
]


class ImportEdge(NamedTuple):
    """A workspace import with its location: one ImportRef resolved to one module."""

    path: str  # importing file (relative path, as given to build_coupling)
    line: int
    column: int
    end_line: int
    end_column: int
    source: str  # importing module
    target: str  # imported workspace module
    local: bool
    type_checking: bool


class ModuleDeps(NamedTuple):
    """Dependencies of one workspace module."""

    module: str
    path: str
    imports: tuple[str, ...]  # workspace modules it depends on (Ce = len), sorted
    imported_by: tuple[str, ...]  # workspace modules depending on it (Ca = len), sorted
    external: tuple[str, ...]  # distinct top-level names of non-workspace imports, sorted
    edges: tuple[ImportEdge, ...]  # its workspace imports in source order


class ImportCycle(NamedTuple):
    """A strongly connected set of modules (or one module importing itself)."""

    modules: tuple[str, ...]  # from the alphabetically first, in import order (see _cycle_order)
    paths: tuple[str, ...]  # parallel to ``modules``
    edges: tuple[ImportEdge, ...]  # the imports between members that form it, by location
    local_only: bool  # needs a local import (function body / __main__ block) to close


@dataclass(frozen=True)
class CouplingResult:
    coupling: Coupling
    modules: Mapping[str, ModuleDeps]  # keyed by relative path
    cycles: tuple[ImportCycle, ...]  # module-level cycles first, then local-only ones
    shadowed: tuple[str, ...] = ()  # paths dropped because another file has the same module name

    @property
    def import_cycles(self) -> tuple[ImportCycle, ...]:
        """The cycles that are ``OCX109 import-cycle`` findings."""
        return tuple(c for c in self.cycles if not c.local_only)


# --- phase 1: per file ------------------------------------------------------------


def _deepest(name: str, known: Mapping[str, str]) -> str | None:
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def _resolve(ref: ImportRef, known: Mapping[str, str]) -> list[str]:
    """Workspace modules ``ref`` is an edge to (may be empty)."""
    if not ref.names:
        hit = _deepest(ref.target, known)
        return [hit] if hit else []
    targets: list[str] = []
    needs_package = False
    for name in ref.names:
        sub = f"{ref.target}.{name}"
        if name != "*" and sub in known:
            targets.append(sub)
        else:
            needs_package = True  # a name defined in the package (or a star import)
    if needs_package:
        hit = _deepest(ref.target, known)
        if hit:
            targets.append(hit)
    return targets


def _pick_files(
    modules: Mapping[str, tuple[str, bool, tuple[ImportRef, ...]]],
) -> tuple[dict[str, str], list[str]]:
    """module name -> path, choosing one file per name the way Python would.

    A package ``__init__`` beats a same-named ``.py`` (the import system prefers the
    directory), a ``.py`` beats its ``.pyi`` stub, then the path order decides.
    """
    ordered = sorted(
        (path for path, (name, _, _) in modules.items() if name),
        key=lambda p: (p.endswith(".pyi"), not modules[p][1], p),
    )
    chosen: dict[str, str] = {}
    shadowed: list[str] = []
    for path in ordered:
        name = modules[path][0]
        if name in chosen:
            shadowed.append(path)
        else:
            chosen[name] = path
    return chosen, sorted(shadowed)


def build_coupling(modules: Mapping[str, tuple[str, bool, tuple[ImportRef, ...]]]) -> CouplingResult:
    """Build the import graph from per-file results keyed by relative path."""
    path_of, shadowed = _pick_files(modules)
    top_names = {name.partition(".")[0] for name in path_of}

    names = sorted(path_of)
    index = {name: i for i, name in enumerate(names)}
    edges_of: list[list[ImportEdge]] = [[] for _ in names]
    external_of: list[set[str]] = [set() for _ in names]
    # per (source, target) pair: does any import run at module level / at all?
    pair_top: dict[tuple[int, int], bool] = {}
    pair_runtime: dict[tuple[int, int], bool] = {}

    for src_name in names:
        src = index[src_name]
        path = path_of[src_name]
        for ref in modules[path][2]:
            targets = _resolve(ref, path_of)
            if not targets:
                top = ref.target.partition(".")[0]
                # an unresolved import of a workspace package is a missing module, not external
                if top not in top_names and top != "__future__":
                    external_of[src].add(top)
                continue
            for target in targets:
                dst = index[target]
                edges_of[src].append(
                    ImportEdge(
                        path, ref.line, ref.column, ref.end_line, ref.end_column,
                        src_name, target, ref.local, ref.type_checking,
                    )
                )
                key = (src, dst)
                runs = not ref.type_checking
                pair_runtime[key] = pair_runtime.get(key, False) or runs
                pair_top[key] = pair_top.get(key, False) or (runs and not ref.local)

    out_sets: list[set[int]] = [set() for _ in names]
    in_sets: list[set[int]] = [set() for _ in names]
    for src, dst in pair_runtime:
        if src != dst:
            out_sets[src].add(dst)
            in_sets[dst].add(src)

    deps: dict[str, ModuleDeps] = {}
    rows: list[ModuleCoupling] = []
    for i, name in enumerate(names):
        ce, ca = len(out_sets[i]), len(in_sets[i])
        rows.append(
            ModuleCoupling(
                module=name, path=path_of[name], fan_in=ca, fan_out=ce,
                instability=round(ce / (ca + ce), 4) if ca + ce else 0.0,
            )
        )
        deps[path_of[name]] = ModuleDeps(
            module=name,
            path=path_of[name],
            imports=tuple(sorted(names[j] for j in out_sets[i])),
            imported_by=tuple(sorted(names[j] for j in in_sets[i])),
            external=tuple(sorted(external_of[i])),
            edges=tuple(edges_of[i]),
        )

    cycles = _find_cycles(names, path_of, edges_of, pair_top, pair_runtime)
    coupling = Coupling(
        modules=tuple(rows),
        cycles=tuple(c.modules for c in cycles if not c.local_only),
        edges=sum(len(s) for s in out_sets),
    )
    return CouplingResult(coupling=coupling, modules=deps, cycles=cycles, shadowed=tuple(shadowed))


def _find_cycles(
    names: list[str],
    path_of: Mapping[str, str],
    edges_of: list[list[ImportEdge]],
    pair_top: Mapping[tuple[int, int], bool],
    pair_runtime: Mapping[tuple[int, int], bool],
) -> tuple[ImportCycle, ...]:
    n = len(names)
    top_adj: list[list[int]] = [[] for _ in range(n)]
    run_adj: list[list[int]] = [[] for _ in range(n)]
    for (src, dst), runs in pair_runtime.items():
        if runs:
            run_adj[src].append(dst)
            if pair_top[(src, dst)]:
                top_adj[src].append(dst)
    for adj in (top_adj, run_adj):
        for succ in adj:
            succ.sort()  # deterministic traversal

    def cyclic(graph: list[list[int]]) -> list[frozenset[int]]:
        return [
            frozenset(c)
            for c in strongly_connected(graph)
            if len(c) > 1 or c[0] in graph[c[0]]  # a single module only if it imports itself
        ]

    top_cycles = cyclic(top_adj)
    seen = set(top_cycles)
    # a cycle of the runtime graph that isn't one of the module-level cycles needs a
    # function-local import to close it
    local_cycles = [c for c in cyclic(run_adj) if c not in seen]

    def make(members: frozenset[int], local_only: bool) -> ImportCycle:
        ordered = _cycle_order(members, top_adj if not local_only else run_adj, names)
        member_names = {names[i] for i in members}
        edges = sorted(
            (
                e
                for i in ordered
                for e in edges_of[i]
                if e.target in member_names
                and not e.type_checking
                and (local_only or not e.local)
            ),
            key=lambda e: (e.path, e.line, e.column, e.target),
        )
        return ImportCycle(
            modules=tuple(names[i] for i in ordered),
            paths=tuple(path_of[names[i]] for i in ordered),
            edges=tuple(edges),
            local_only=local_only,
        )

    result = sorted((make(c, False) for c in top_cycles), key=lambda c: c.modules)
    result += sorted((make(c, True) for c in local_cycles), key=lambda c: c.modules)
    return tuple(result)


def _cycle_order(members: frozenset[int], adj: list[list[int]], names: list[str]) -> list[int]:
    """Members starting at the alphabetically first, then following the imports.

    From each module go to the alphabetically first member it imports that isn't
    listed yet; a simple loop (the usual case) thus comes out in import order, so
    ``a → b → c → a`` reads true. Members the walk can't reach (an SCC that is
    not a single loop) follow alphabetically. Depends only on the graph, so it is
    stable across runs and input orders.
    """
    current = min(members, key=names.__getitem__)
    order = [current]
    seen = {current}
    while True:
        nxt = [w for w in adj[current] if w in members and w not in seen]
        if not nxt:
            break
        current = min(nxt, key=names.__getitem__)
        order.append(current)
        seen.add(current)
    order.extend(sorted(members - seen, key=names.__getitem__))
    return order


def strongly_connected(adj: list[list[int]]) -> list[list[int]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit).

    ``adj[v]`` lists the successors of node ``v``. Components come out in reverse
    topological order.
    """
    n = len(adj)
    index = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    stack: list[int] = []
    components: list[list[int]] = []
    counter = 0
    for root in range(n):
        if index[root] != -1:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        work = [(root, 0)]  # (node, next successor position) replaces the call stack
        while work:
            v, i = work[-1]
            succ = adj[v]
            if i < len(succ):
                work[-1] = (v, i + 1)
                w = succ[i]
                if index[w] == -1:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append((w, 0))
                elif on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                if low[v] < low[parent]:
                    low[parent] = low[v]
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    component.append(w)
                    if w == v:
                        break
                components.append(component)
    return components
