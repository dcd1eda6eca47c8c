"""extract-duplicate: copies of the same code in one function become one function, called from each.

Before::

    def totals(orders, refunds):
        paid = 0
        for order in orders:
            if order.done:
                paid += order.amount * order.rate
                log("order", order.id)
        print(paid)
        back = 0
        for refund in refunds:
            if refund.done:
                back += refund.amount * refund.rate
                log("refund", refund.id)
        print(back)

After::

    def _extracted(orders, _value):
        paid = 0
        for order in orders:
            if order.done:
                paid += order.amount * order.rate
                log(_value, order.id)
        print(paid)


    def totals(orders, refunds):
        _extracted(orders, "order")
        _extracted(refunds, "refund")

The copies are the clone group (finding OCX107, see ``analysis/clones.py``) the cursor is
in. The new function is written from the copy under the cursor. Its parameters are the
locals a copy reads before assigning them (each call passes its own: ``orders`` and
``refunds``) and one per literal that differs between the copies; it returns the locals
some copy assigns that may be read after that copy (a later read that certainly follows a
new assignment does not count). It goes where extract-function puts a function: before a
module-level function, or after a method as a new method (static unless it uses ``self``).

Limits: only the copies inside the function under the cursor are replaced, as an edit
is verified one function at a time (copies elsewhere stay, and the rule needs two in the
function); module-level code is not handled. Copies have at least 4 lines and 25 tokens
(less than OCX107's default) and must match statement for statement: names may differ
only where they are locals of the function, renamed consistently; literals (numbers,
plain strings) may differ except in bare string statements, ``match`` patterns,
annotations and implicitly concatenated strings. Not offered when a copy has a
``return``, ``yield``, ``await``, ``nonlocal``/``global`` statement, an escaping
``break``/``continue``, a nested ``def``/``class``, a closure that captures a local, or
code that inspects its frame; when a local the copies assign is shared with a closure
elsewhere; when a parameter may be unbound where a copy starts; when a value to return
may be unassigned on some path through a copy, or a copy deletes a parameter or result;
when a local a copy assigns is read where an exception half-way through the copy can
lead (a handler, a ``finally``, after a ``try``/``with``); when the copies have different
comments (one copy's comments move into the function, the others' would be lost); or in
a static method.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import libcst as cst

from ..context import RefactorContext
from ..dataflow import shadowed_builtin
from ..models import Refused
from ..rule import Change, Refactoring
from ._duplicates import (
    SCOPES,
    align,
    clone_groups,
    comments_in,
    literal_problem,
    literal_value,
    names_in,
    statements_at,
    syntax_problem,
)
from ._name_flow import CONSUMERS, Facts, param_names, walk_function, walk_statements

# -- the plan ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Copy:
    statements: list[cst.BaseStatement]
    names: dict[str, str]  # template name -> this copy's name
    literals: list[cst.BaseExpression]  # this copy's value for each literal parameter


@dataclass(frozen=True, slots=True)
class _Plan:
    function: cst.FunctionDef
    template: list[cst.BaseStatement]
    copies: list[_Copy]  # every copy, the template's included
    params: list[str]  # data-flow inputs, template names
    results: list[str]
    literal_params: list[tuple[str, list[cst.BaseExpression]]]  # name, template nodes it replaces
    receiver: str | None
    method_kind: str  # "", "method", "staticmethod", "classmethod"
    globals_: list[str]
    name: str


class ExtractDuplicate(Refactoring[_Plan]):
    id = "extract-duplicate"
    title = "Extract duplicated code"
    kind = "refactor.extract"
    answers = ("OCX107",)
    description = (
        "Copies of the same code in one function (a clone group) become one new function, "
        "called from each copy; what differs between them becomes parameters."
    )

    def match(self, ctx: RefactorContext) -> _Plan | Refused:
        function = ctx.root.node
        if not isinstance(function, cst.FunctionDef):
            return self.refuse("duplicated code is extracted only inside a function")
        sel = ctx.selection
        first, last = sel.start_line + 1, sel.end_line + 1  # clone locations are 1-based
        fn_start = ctx.file_range(function)[0][0] + 1
        fn_end = ctx.file_range(function)[1][0] + 1
        reason = None
        for group in clone_groups(ctx.document):
            inside = [loc for loc in group.locations if fn_start <= loc.line and loc.end_line <= fn_end]
            here = [loc for loc in inside if loc.line <= first and last <= loc.end_line]
            if not here:
                continue
            if len(inside) < 2:
                reason = reason or "the other copies of this code are outside this function"
                continue
            plan = self._plan(ctx, function, inside, inside.index(here[0]))
            if not isinstance(plan, str):
                return plan
            reason = reason or plan
        return self.refuse(reason or "the selection is not in duplicated code")

    # -- proving it ---------------------------------------------------------------------
    def _plan(self, ctx: RefactorContext, function: cst.FunctionDef, locations, chosen: int) -> _Plan | str:
        runs = [statements_at(ctx, function, loc.line, loc.end_line) for loc in locations]
        if any(run is None for run in runs):
            return "a copy is not whole statements of one block of this function"
        runs = [list(r) for r in runs]  # type: ignore[arg-type]
        for run in runs:
            scope = next((a for a in ctx.ancestors(run[0]) if isinstance(a, SCOPES)), None)
            if scope is not function:
                return "a copy is in a nested function or class"
            problem = syntax_problem(ctx, run)
            if problem:
                return problem
        comments = [comments_in(run) for run in runs]
        if any(c != comments[0] for c in comments):
            with_comments = [i for i, c in enumerate(comments) if c]
            if len(with_comments) > 1:
                return "the copies have different comments (all but one copy's would be lost)"
            chosen = with_comments[0]
        runs.insert(0, runs.pop(chosen))  # the template first

        builtins_ok = shadowed_builtin(ctx.document, [*CONSUMERS, "open"]) is None
        facts = walk_function(function, builtins_ok=builtins_ok, watch=[run[0] for run in runs])
        if facts.unsupported:
            return f"the function uses syntax this refactoring does not analyse: `{ctx.code(facts.unsupported[0]).strip()}`"
        if facts.comprehension_walrus:
            return "the function binds a name with `:=` inside a comprehension"
        variables = {id(n) for n in facts.reads} | {id(n) for n in facts.writes if isinstance(n, cst.Name)}
        params = param_names(function.params)
        local = facts.bound_names() | set(params)

        copies: list[_Copy] = []
        literal_pairs: list[list[tuple[cst.BaseExpression, cst.BaseExpression]]] = []
        for run in runs:
            aligned = align(runs[0], run, variables)
            if isinstance(aligned, str):
                return aligned
            for a, b in aligned.names.items():
                if a != b and not (a in local and b in local):
                    return f"the copies use different names `{a}`/`{b}` that are not locals of the function"
            problem = literal_problem(ctx, aligned.literals)
            if problem:
                return problem
            copies.append(_Copy(run, aligned.names, []))
            literal_pairs.append(aligned.literals)
        literal_params, copies = self._literal_params(ctx, runs[0], copies, literal_pairs)

        flow = _Flow(ctx, function, facts, local, builtins_ok)
        own, own_out = walk_statements(runs[0], builtins_ok=builtins_ok)
        captured = next((d.name for d in own.deferred if d.name in local), None)
        if captured is not None:
            return f"a closure in a copy captures `{captured}` (in a new function it would see a copy)"
        inputs: list[str] = []
        for _node, (name, assigned) in sorted(own.reads.items(), key=lambda item: ctx.range(item[0])[0]):
            if name in local and not assigned and name not in inputs:
                inputs.append(name)
        written = [n for n in _ordered(ctx, own.writes) if n in local]
        for copy in copies:
            entry = facts.at.get(copy.statements[0]) or frozenset()
            for name in inputs:
                if copy.names.get(name, name) not in entry:
                    line = ctx.file_range(copy.statements[0])[0][0] + 1
                    return f"`{copy.names.get(name, name)}` may be unbound where the copy at line {line} starts"
        killed = {n for n in own.kills.values() if n in local}
        shared = flow.shared_with_closure(written, copies)
        if shared:
            return shared
        results: list[str] = []
        if own_out is not None:
            for name in dict.fromkeys(written):
                if any(flow.live_after(copy, copy.names.get(name, name)) for copy in copies):
                    results.append(name)
        for name in results:
            if name not in own_out and name not in inputs:  # type: ignore[operator]
                return f"`{name}` is assigned on some paths through the copies only and is read after one"
        deleted = sorted(killed & (set(inputs) | set(results)))
        if deleted:
            return f"a copy deletes `{deleted[0]}`, which would only delete the new function's copy"
        guarded = flow.exception_problem(copies, written)
        if guarded:
            return guarded

        receiver, kind = None, ""
        if ctx.root.path is not None and len(ctx.root.path.steps) > 1:
            method = _method_form(function, facts, own)
            if isinstance(method, str):
                return method
            receiver, kind = method
            if any(copy.names.get(receiver, receiver) != receiver for copy in copies):
                return f"the copies use `{receiver}` differently"
            inputs = [n for n in inputs if n != receiver]
        carried = sorted(facts.declared_global & set(own.writes.values()))
        name = _fresh(ctx, method=receiver is not None)
        return _Plan(function, runs[0], copies, inputs, results, literal_params, receiver, kind, carried, name)

    def _literal_params(self, ctx, template, copies, literal_pairs):
        """One parameter per distinct tuple of differing literal values."""
        groups: dict[tuple, tuple[list[cst.BaseExpression], list[cst.BaseExpression]]] = {}
        by_template: dict[int, list[cst.BaseExpression]] = {}
        for index, pairs in enumerate(literal_pairs):
            for a, b in pairs:
                by_template.setdefault(id(a), [a] + [a] * len(copies))[index + 1] = b
        for values in by_template.values():
            template_node = values[0]
            per_copy = values[1:]
            key = tuple(literal_value(v) for v in per_copy)
            nodes, args = groups.setdefault(key, ([], per_copy))
            nodes.append(template_node)
        taken = set(ctx.document.global_names)
        out, n = [], 0
        for nodes, _ in groups.values():
            name = "_value"
            while name in taken:
                n += 1
                name = f"_value_{n + 1}"
            taken.add(name)
            out.append((name, nodes))
        new_copies = [
            _Copy(copy.statements, copy.names, [args[i] for _, args in groups.values()])
            for i, copy in enumerate(copies)
        ]
        return out, new_copies

    # -- building it --------------------------------------------------------------------
    def build(self, ctx: RefactorContext, plan: _Plan) -> Change:
        replace = {id(node): name for name, nodes in plan.literal_params for node in nodes}
        body: list[cst.BaseStatement] = []
        if plan.globals_:
            body.append(_line(cst.Global(names=[cst.NameItem(cst.Name(n)) for n in plan.globals_])))
        for index, statement in enumerate(plan.template):
            if index == 0:
                statement = statement.with_changes(leading_lines=())
            body.append(statement.visit(_Substitute(replace)))  # type: ignore[arg-type]
        if plan.results:
            body.append(_line(cst.Return(value=_names_value(plan.results))))
        params = [cst.Param(cst.Name(n)) for n in [*plan.params, *(n for n, _ in plan.literal_params)]]
        decorators = []
        if plan.receiver is not None and plan.method_kind != "staticmethod":
            params.insert(0, cst.Param(cst.Name(plan.receiver)))
        if plan.method_kind in ("staticmethod", "classmethod"):
            decorators.append(cst.Decorator(cst.Name(plan.method_kind)))
        new = cst.FunctionDef(
            name=cst.Name(plan.name), params=cst.Parameters(params=params),
            body=cst.IndentedBlock(body=body), decorators=decorators,
        )

        replacements: dict = {}
        for copy in plan.copies:
            func: cst.BaseExpression = cst.Name(plan.name)
            if plan.receiver is not None:
                func = cst.Attribute(cst.Name(plan.receiver), cst.Name(plan.name))
            args = [cst.Arg(cst.Name(copy.names.get(n, n))) for n in plan.params]
            args += [cst.Arg(value.deep_clone()) for value in copy.literals]
            call = cst.Call(func, args=args)
            small: cst.BaseSmallStatement = cst.Expr(call)
            if plan.results:
                targets = [copy.names.get(n, n) for n in plan.results]
                small = cst.Assign([cst.AssignTarget(_names_value(targets))], call)
            first, *rest = copy.statements
            replacements[first] = cst.SimpleStatementLine(body=[small], leading_lines=first.leading_lines)
            for statement in rest:
                replacements[statement] = cst.RemoveFromParent()

        old = f"def:{plan.function.name.value}"
        literal_names = frozenset(n for n, _ in plan.literal_params)
        if plan.receiver is not None:  # a sibling method, right after this one
            new = new.with_changes(leading_lines=_blank(1))
            qual = ".".join(n for n, _ in ctx.root.path.steps[:-1]) + f".{plan.name}"  # type: ignore[union-attr]
            replacements[plan.function] = lambda updated: cst.FlattenSentinel([updated, new])
            return Change(replacements, new_names=frozenset({plan.name}) | literal_names,
                          scope_map={f"def:{plan.name}": old}, new_functions=(qual,))
        leading = list(plan.function.leading_lines)
        blanks = 0
        while blanks < len(leading) and leading[blanks].comment is None:
            blanks += 1
        before = new.with_changes(leading_lines=leading[:blanks])
        own_leading = _blank(2) + leading[blanks:]
        replacements[plan.function] = lambda updated: cst.FlattenSentinel(
            [before, updated.with_changes(leading_lines=own_leading)]
        )
        return Change(replacements, new_names=literal_names, new_globals=frozenset({plan.name}),
                      scope_map={f"def:{plan.name}": old}, new_functions=(plan.name,))


# -- data flow across the copies --------------------------------------------------------


class _Flow:
    def __init__(self, ctx: RefactorContext, function: cst.FunctionDef, facts: Facts, local: set[str], builtins_ok: bool):
        self.ctx = ctx
        self.function = function
        self.facts = facts
        self.local = local
        self.builtins_ok = builtins_ok
        self.reads: dict[str, list[cst.CSTNode]] = {}
        for node, (name, _) in facts.reads.items():
            self.reads.setdefault(name, []).append(node)
        self._walks: dict[tuple, Facts] = {}  # the same statements are asked about per name

    def _span(self, node: cst.CSTNode):
        return self.ctx.range(node)

    def _inside(self, node: cst.CSTNode, statements: Sequence[cst.CSTNode]) -> bool:
        (s, e), start, end = self._span(node), self._span(statements[0])[0], self._span(statements[-1])[1]
        return start <= s and e <= end

    def _loops(self, statement: cst.CSTNode) -> list[cst.CSTNode]:
        out = []
        for a in self.ctx.ancestors(statement):
            if a is self.function:
                break
            if isinstance(a, cst.For | cst.While):
                out.append(a)
        return out

    def live_after(self, copy: _Copy, name: str) -> bool:
        """Whether ``name`` as a copy leaves it may be read later (conservative): a read
        after the copy in its block that no assignment certainly precedes; in a loop
        around it, a read that no assignment certainly precedes since the iteration
        began (it may see this iteration's value); a closure's; any other read that is
        not before the copy."""
        statements = copy.statements
        block = self.ctx.block_of(statements[0])
        if block is None or any(d.name == name for d in self.facts.deferred):
            return True
        siblings = list(block.statements)
        checked: set[int] = set()
        after = siblings[siblings.index(statements[-1]) + 1 :]
        if after and self._read_unassigned(after, name, (), checked):
            return True
        for loop in self._loops(statements[0]):
            if isinstance(loop, cst.While) and any(n.value == name for n in names_in(loop.test)):
                return True
            bound = [n.value for n in names_in(loop.target)] if isinstance(loop, cst.For) else []
            if self._read_unassigned(list(loop.body.body), name, bound, checked):
                return True
        start = self._span(statements[0])[0]
        for node in self.reads.get(name, ()):
            if id(node) in checked or self._inside(node, statements):
                continue
            if self._span(node)[0] >= start:
                return True
        return False

    def _read_unassigned(self, statements, name: str, bound, checked: set[int]) -> bool:
        key = (id(statements[0]), id(statements[-1]), tuple(bound))
        facts = self._walks.get(key)
        if facts is None:
            facts = self._walks[key] = walk_statements(statements, builtins_ok=self.builtins_ok, bound=bound)[0]
        checked |= {id(node) for node in facts.reads}
        return any(n == name and not assigned for n, assigned in facts.reads.values()) or any(
            d.name == name for d in facts.deferred
        )

    def shared_with_closure(self, written: list[str], copies: list[_Copy]) -> str | None:
        for copy in copies:
            names = {copy.names.get(n, n) for n in written}
            for d in self.facts.deferred:
                if d.name in names:
                    return f"`{d.name}` is shared with a nested function or lambda, and a copy assigns it"
        return None

    def exception_problem(self, copies: list[_Copy], written: list[str]) -> str | None:
        """A local a copy assigns must not be read where an exception half-way through
        the copy can lead (a handler, a ``finally``, after a ``try``/``with``): there the
        original saw it half-updated, the new function's locals are gone."""
        for copy in copies:
            names = {copy.names.get(n, n) for n in written}
            start = self._span(copy.statements[0])[0]
            for guard in _until(self.ctx.ancestors(copy.statements[0]), self.function):
                if not isinstance(guard, cst.Try | cst.TryStar | cst.With):
                    continue
                if not self._inside(copy.statements[0], [guard.body]):
                    continue  # in a handler or `finally`: the exception leaves the guard
                loops = [loop for loop in self._loops(guard) if self._inside(guard, [loop])]
                for n in sorted(names):
                    for node in self.reads.get(n, ()):
                        if self._inside(node, [guard.body]):
                            continue
                        if self._span(node)[0] >= start or any(self._inside(node, [loop]) for loop in loops):
                            word = "with" if isinstance(guard, cst.With) else "try"
                            return f"`{n}` is read where an exception in a copy inside `{word}` can lead"
        return None


def _until(nodes: Iterator[cst.CSTNode], stop: cst.CSTNode) -> Iterator[cst.CSTNode]:
    for node in nodes:
        if node is stop:
            return
        yield node


def _method_form(function: cst.FunctionDef, facts: Facts, own: Facts) -> tuple[str, str] | str:
    decorators = set()
    for decorator in function.decorators:
        node = decorator.decorator
        node = node.func if isinstance(node, cst.Call) else node
        if isinstance(node, cst.Attribute):
            decorators.add(node.attr.value)
        elif isinstance(node, cst.Name):
            decorators.add(node.value)
    if "staticmethod" in decorators:
        return "the copies are in a static method"
    positional = [*function.params.posonly_params, *function.params.params]
    if not positional:
        return "the method has no `self` parameter to call the new method on"
    receiver = positional[0].name.value
    if any(n == receiver and node is not positional[0].name for node, n in facts.writes.items()):
        return f"the method rebinds `{receiver}`"
    used = {n for n, _ in own.reads.values()}
    if "classmethod" in decorators:
        return receiver, "classmethod"
    if receiver in used or used & {"super", "__class__"}:
        return receiver, "method"
    return receiver, "staticmethod"


class _Substitute(cst.CSTTransformer):
    def __init__(self, replace: dict[int, str]) -> None:
        self.replace = replace

    def on_leave(self, original_node, updated_node):
        name = self.replace.get(id(original_node))
        if name is None:
            return updated_node
        return cst.Name(name, lpar=updated_node.lpar, rpar=updated_node.rpar)


def _fresh(ctx: RefactorContext, *, method: bool) -> str:
    taken = set(ctx.document.global_names)
    if method:
        tree = ctx.document.tree
        if isinstance(tree, ast.Module):
            taken |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    name, n = "_extracted", 1
    while name in taken:
        n += 1
        name = f"_extracted_{n}"
    return name


def _ordered(ctx: RefactorContext, nodes: dict[cst.CSTNode, str]) -> list[str]:
    return [name for _, name in sorted((ctx.range(n)[0], name) for n, name in nodes.items())]


def _names_value(names: list[str]) -> cst.BaseExpression:
    if len(names) == 1:
        return cst.Name(names[0])
    return cst.Tuple([cst.Element(cst.Name(n)) for n in names], lpar=[], rpar=[])


def _line(small: cst.BaseSmallStatement) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=[small])


def _blank(n: int) -> list[cst.EmptyLine]:
    return [cst.EmptyLine(indent=False) for _ in range(n)]
