"""The expression half of the name-flow walker (see ``_name_flow``): reads and binds in
evaluation order, conditional evaluation (short-circuits, conditional expressions, chained
comparisons, comprehension bodies), and the names nested lambdas and lazy generator
expressions take from the walked scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst

DA = frozenset[str] | None  # None: unreachable (the identity of `meet`)
_CONSTANTS = frozenset({"True", "False", "None"})
# Builtins that consume an iterable argument at once: a generator expression passed as
# their only argument is not lazy. (Callers check the file rebinds neither these nor
# `open`, and say so with ``builtins_ok``.)
CONSUMERS = frozenset(
    {"sum", "any", "all", "min", "max", "sorted", "list", "tuple", "set", "frozenset", "dict"}
)


def meet(a: DA, b: DA) -> DA:
    if a is None:
        return b
    if b is None:
        return a
    return a & b


def param_names(params: cst.Parameters) -> list[str]:
    out = [p.name.value for p in (*params.posonly_params, *params.params)]
    if isinstance(params.star_arg, cst.Param):
        out.append(params.star_arg.name.value)
    out += [p.name.value for p in params.kwonly_params]
    if params.star_kwarg is not None:
        out.append(params.star_kwarg.name.value)
    return out


@dataclass
class Deferred:
    """A name a nested scope (``scope``: the def, class, lambda or generator) takes from
    the walked scope."""

    name: str
    scope: cst.CSTNode
    writes: bool  # through `nonlocal`


@dataclass
class Facts:
    """What one walk found. Nodes are the original libcst nodes."""

    reads: dict[cst.CSTNode, tuple[str, bool]] = field(default_factory=dict)  # Name -> (name, definitely assigned)
    writes: dict[cst.CSTNode, str] = field(default_factory=dict)  # binding node -> name
    kills: dict[cst.CSTNode, str] = field(default_factory=dict)  # `del x`, end of `except as x`
    deferred: list[Deferred] = field(default_factory=list)
    declared_global: set[str] = field(default_factory=set)
    declared_nonlocal: set[str] = field(default_factory=set)
    comprehension_walrus: list[cst.NamedExpr] = field(default_factory=list)
    unsupported: list[cst.CSTNode] = field(default_factory=list)
    # DA when the walk reaches a watched statement (met over every visit).
    at: dict[cst.CSTNode, DA] = field(default_factory=dict)

    def bound_names(self) -> set[str]:
        names = set(self.writes.values()) | set(self.kills.values())
        return names - self.declared_global - self.declared_nonlocal



class ExpressionWalker:
    """Expressions, assignment targets and match patterns; ``Walker`` adds statements."""

    facts: Facts
    builtins_ok: bool
    _shadow: frozenset[str]
    _in_comprehension: int
    _consumed: set[int]

    # -- nested scopes ----------------------------------------------------------------------
    def _defer(self, scope: cst.CSTNode, inner: Facts, bound: set[str], *, is_class: bool) -> None:
        """Record the names ``scope`` takes from this one."""
        own = {name for name, _ in inner.reads.values()}
        own |= set(inner.writes.values()) | set(inner.kills.values())
        glob = inner.declared_global
        for name in sorted(own - bound - glob - inner.declared_nonlocal):
            self.facts.deferred.append(Deferred(name, scope, False))
        for name in sorted(inner.declared_nonlocal):
            self.facts.deferred.append(Deferred(name, scope, True))
        for d in inner.deferred:
            # A class body's bindings are invisible to the functions inside it.
            if is_class or d.name not in bound:
                self.facts.deferred.append(Deferred(d.name, scope, d.writes))

    def _lazy_expr(self, scope: cst.CSTNode, parts: Iterable[cst.CSTNode], bound: set[str]) -> None:
        inner = type(self)(builtins_ok=self.builtins_ok)
        inner._shadow = frozenset(bound)
        inner._in_comprehension = int(isinstance(scope, cst.GeneratorExp))
        for part in parts:
            inner.expr(part, frozenset())
        self.facts.comprehension_walrus += inner.facts.comprehension_walrus
        self.facts.unsupported += inner.facts.unsupported
        self._defer(scope, inner.facts, set(bound), is_class=False)

    # -- expressions ----------------------------------------------------------------------
    def read(self, node: cst.Name, da: frozenset[str]) -> frozenset[str]:
        name = node.value
        if name in _CONSTANTS or name in self._shadow:
            return da
        assigned = name in da
        if node in self.facts.reads:
            assigned = assigned and self.facts.reads[node][1]
        self.facts.reads[node] = (name, assigned)
        return da

    def write(self, node: cst.CSTNode, name: str, da: frozenset[str]) -> frozenset[str]:
        self.facts.writes[node] = name
        return da | {name}

    def expr(self, node: cst.CSTNode, da: frozenset[str]) -> frozenset[str]:
        if isinstance(node, cst.Name):
            return self.read(node, da)
        handler = getattr(self, f"_e_{type(node).__name__}", None)
        if handler is not None:
            return handler(node, da)
        for child in node.children:
            da = self.expr(child, da)
        return da

    def _conditional(self, node: cst.CSTNode | None, da: frozenset[str]) -> None:
        """Code that may not run: its reads count, its bindings are not certain."""
        if node is not None:
            self.expr(node, da)

    def _e_Attribute(self, node: cst.Attribute, da: frozenset[str]) -> frozenset[str]:
        return self.expr(node.value, da)

    def _e_Arg(self, node: cst.Arg, da: frozenset[str]) -> frozenset[str]:
        return self.expr(node.value, da)

    def _e_BooleanOperation(self, node: cst.BooleanOperation, da: frozenset[str]) -> frozenset[str]:
        da = self.expr(node.left, da)
        self._conditional(node.right, da)
        return da

    def _e_IfExp(self, node: cst.IfExp, da: frozenset[str]) -> frozenset[str]:
        da = self.expr(node.test, da)
        self._conditional(node.body, da)
        self._conditional(node.orelse, da)
        return da

    def _e_Comparison(self, node: cst.Comparison, da: frozenset[str]) -> frozenset[str]:
        da = self.expr(node.left, da)
        for i, target in enumerate(node.comparisons):
            if i == 0:
                da = self.expr(target.comparator, da)
            else:
                self._conditional(target.comparator, da)
        return da

    def _e_NamedExpr(self, node: cst.NamedExpr, da: frozenset[str]) -> frozenset[str]:
        da = self.expr(node.value, da)
        if self._in_comprehension:
            self.facts.comprehension_walrus.append(node)
        if isinstance(node.target, cst.Name):
            return self.write(node.target, node.target.value, da)
        return da

    def _e_Lambda(self, node: cst.Lambda, da: frozenset[str]) -> frozenset[str]:
        da = self._param_defaults(node.params, da)
        self._lazy_expr(node, [node.body], set(param_names(node.params)))
        return da

    def _comprehension(self, node, parts: list[cst.CSTNode], da: frozenset[str]) -> frozenset[str]:
        first: cst.CompFor = node.for_in
        da = self.expr(first.iter, da)  # evaluated in the enclosing scope, at once
        bound: set[str] = set()
        clause: cst.CompFor | None = first
        while clause is not None:
            bound |= {n.value for n in target_names(clause.target)}
            clause = clause.inner_for_in
        rest = _comprehension_rest(first, parts)
        if isinstance(node, cst.GeneratorExp) and not self._consumed_at_once(node):
            self._lazy_expr(node, rest, bound)
            return da
        saved = self._shadow
        self._shadow = saved | bound
        self._in_comprehension += 1
        try:
            for part in rest:
                self._conditional(part, da)
        finally:
            self._shadow = saved
            self._in_comprehension -= 1
        return da

    def _e_ListComp(self, node, da):
        return self._comprehension(node, [node.elt], da)

    _e_SetComp = _e_ListComp
    _e_GeneratorExp = _e_ListComp

    def _e_DictComp(self, node: cst.DictComp, da: frozenset[str]) -> frozenset[str]:
        return self._comprehension(node, [node.key, node.value], da)

    def _consumed_at_once(self, node: cst.GeneratorExp) -> bool:
        return self.builtins_ok and id(node) in self._consumed

    def _e_Call(self, node: cst.Call, da: frozenset[str]) -> frozenset[str]:
        da = self.expr(node.func, da)
        if (
            isinstance(node.func, cst.Name) and node.func.value in CONSUMERS
            and len(node.args) == 1 and node.args[0].keyword is None and not node.args[0].star
            and isinstance(node.args[0].value, cst.GeneratorExp)
        ):
            self._consumed.add(id(node.args[0].value))
        for arg in node.args:
            da = self.expr(arg.value, da)
        return da

    def _param_defaults(self, params: cst.Parameters, da: frozenset[str]) -> frozenset[str]:
        for param in all_params(params):
            if param.default is not None:
                da = self.expr(param.default, da)
        return da

    # -- binding targets ------------------------------------------------------------------
    def target(self, node: cst.CSTNode, da: frozenset[str], *, reads_only: bool = False) -> frozenset[str]:
        if isinstance(node, cst.Name):
            return da if reads_only else self.write(node, node.value, da)
        if isinstance(node, cst.Attribute):
            return self.expr(node.value, da)
        if isinstance(node, cst.Subscript):
            da = self.expr(node.value, da)
            for element in node.slice:
                da = self.expr(element.slice, da)
            return da
        if isinstance(node, cst.Tuple | cst.List):
            for element in node.elements:
                da = self.target(element.value, da, reads_only=reads_only)
            return da
        if isinstance(node, cst.StarredElement):
            return self.target(node.value, da, reads_only=reads_only)
        self.facts.unsupported.append(node)
        return da

    def delete(self, node: cst.CSTNode, da: frozenset[str]) -> frozenset[str]:
        if isinstance(node, cst.Name):
            self.read(node, da)  # `del x` fails like a read when x is unbound
            self.facts.kills[node] = node.value
            return da - {node.value}
        if isinstance(node, cst.Tuple | cst.List):
            for element in node.elements:
                da = self.delete(element.value, da)
            return da
        return self.target(node, da, reads_only=True)

    def pattern(self, node: cst.CSTNode, da: frozenset[str]) -> frozenset[str]:
        if isinstance(node, cst.MatchAs):
            if node.pattern is not None:
                da = self.pattern(node.pattern, da)
            return self.write(node.name, node.name.value, da) if node.name else da
        if isinstance(node, cst.MatchStar):
            return self.write(node.name, node.name.value, da) if node.name else da
        if isinstance(node, cst.MatchValue):
            return self.expr(node.value, da)
        if isinstance(node, cst.MatchSingleton):
            return da
        if isinstance(node, cst.MatchSequence | cst.MatchList | cst.MatchTuple):
            for element in node.patterns:
                da = self.pattern(element.value if isinstance(element, cst.MatchSequenceElement) else element, da)
            return da
        if isinstance(node, cst.MatchMapping):
            for element in node.elements:
                da = self.expr(element.key, da)
                da = self.pattern(element.pattern, da)
            return self.write(node.rest, node.rest.value, da) if node.rest else da
        if isinstance(node, cst.MatchClass):
            da = self.expr(node.cls, da)
            for element in node.patterns:
                da = self.pattern(element.value, da)
            for keyword in node.kwds:
                da = self.pattern(keyword.pattern, da)
            return da
        if isinstance(node, cst.MatchOr):
            # Every alternative binds the same names; which one ran is unknown.
            outs = [self.pattern(element.pattern, da) for element in node.patterns]
            result = outs[0]
            for o in outs[1:]:
                result = result & o
            return result
        self.facts.unsupported.append(node)
        return da


# -- small helpers ------------------------------------------------------------------------


def statements_of(suite: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    return suite.body


def leftmost(name: cst.BaseExpression) -> cst.BaseExpression:
    while isinstance(name, cst.Attribute):
        name = name.value
    return name


def all_params(params: cst.Parameters) -> list[cst.Param]:
    out = [*params.posonly_params, *params.params, *params.kwonly_params]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            out.append(star)
    return out


def target_names(node: cst.CSTNode) -> list[cst.Name]:
    """Names bound by a plain target (``a``, ``(a, *b)``)."""
    if isinstance(node, cst.Name):
        return [node]
    if isinstance(node, cst.Tuple | cst.List):
        return [n for e in node.elements for n in target_names(e.value)]
    if isinstance(node, cst.StarredElement):
        return target_names(node.value)
    return []


def is_call_to(node: cst.BaseExpression, name: str) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == name


def _comprehension_rest(first: cst.CompFor, parts: list[cst.CSTNode]) -> list[cst.CSTNode]:
    """Everything of a comprehension that runs in its own scope, in evaluation order."""
    rest: list[cst.CSTNode] = []
    clause: cst.CompFor | None = first
    while clause is not None:
        if clause is not first:
            rest.append(clause.iter)
        rest.extend(i.test for i in clause.ifs)
        clause = clause.inner_for_in
    return rest + parts


_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def walk_same_scope(node: cst.CSTNode):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if current is not node and isinstance(current, _SCOPES):
            continue
        stack.extend(current.children)


