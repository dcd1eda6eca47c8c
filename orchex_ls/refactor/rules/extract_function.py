"""extract-function: selected whole statements become a function of their own.

Before::

    def report(rows, limit):
        total = 0
        for row in rows:
            if row > limit:
                total += row
        print(total)

After::

    def report(rows, limit):
        total = _extracted(rows, limit)
        print(total)


    def _extracted(rows, limit):
        total = 0
        for row in rows:
            if row > limit:
                total += row
        return total

Parameters and results come from data flow: a local the range reads while it may still
hold a value from before the range is a parameter; a local the range assigns and the
function reads later (after the range, or anywhere in a loop around it) is returned, as a
tuple when there are several. The new function is named ``_extracted`` (``_extracted_2``...
when taken). It goes right after a module-level function (right before it, above its
decorators, when it has some: a decorator may call the function at once); for a method, it
is a new method right after it, called as ``self._extracted(...)`` and taking ``self`` even
when the range does not use it (a ``@classmethod`` called on ``cls`` in a classmethod); for
code at module level, a function inserted right before the first selected statement, which
declares ``global`` the names it assigns (module globals are visible to everyone, so they
stay globals).

Limits: refused when the range has a ``return``, ``yield``, ``await`` (or ``async for``/
``async with``), a ``break``/``continue`` for a loop outside it, a ``global``/``nonlocal``
statement, a nested ``def``/``class`` inside a function (its qualified name would change),
``del`` of a parameter or result, or code that inspects its frame (``locals()``, ``vars()``,
``eval``, ``sys._getframe``...); when the selection is not whole statements of one block,
or sits in a nested function, a class body or a static method; when a parameter may be
unbound where the range starts, or a result is assigned on some paths only and may be
unbound before the range; when a closure shares a variable with the range in a way a copy
would break; when a result could be seen half-assigned after an exception (the range sits
in a ``try``/``with`` whose handlers or later code read it without assigning it first);
when the function binds a name with ``:=`` inside a comprehension. At module level: a
star import, a ``from __future__`` import, the docstring or an annotated assignment in the
range. A lambda moved into the new function gets a new ``__qualname__``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from weakref import WeakKeyDictionary

import libcst as cst

from ..context import RefactorContext
from ..dataflow import shadowed_builtin
from ..document import SourceDocument
from ..models import Refused
from ..rule import Change, Refactoring
from ._evaluation import in_class_body
from ._extract_range import RangeFlow
from ._name_flow import CONSUMERS, Facts, param_names, walk_function, walk_statements

Pos = tuple[int, int]
_FRAME_NAMES = frozenset({"locals", "eval", "exec"})
_FRAME_ATTRS = frozenset({"_getframe", "currentframe", "f_locals", "f_back"})
_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


@dataclass(frozen=True, slots=True)
class _Plan:
    statements: list[cst.BaseStatement]
    function: cst.FunctionDef | None  # None: module level
    params: list[str]
    results: list[str]
    receiver: str | None  # `self`/`cls` of a method: the new method is called on it
    method_kind: str  # "", "method", "classmethod"
    globals_: list[str]  # names the new function declares `global`
    name: str


def _walk(node: cst.CSTNode):
    """``node`` and what runs with it: not the insides of defs, classes or lambdas."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if not isinstance(current, _SCOPES):
            stack.extend(current.children)


def _problem(ctx: RefactorContext, node: cst.CSTNode, first: Pos, last: Pos, *, module_level: bool) -> str | None:
    """Why ``node``, inside the range, cannot move into a function (None: it can)."""
    if isinstance(node, cst.Await) or (
        not isinstance(node, cst.FunctionDef) and getattr(node, "asynchronous", None) is not None
    ):
        return "the range awaits (`await`, `async for` or `async with`); it cannot move into a plain function"
    if isinstance(node, cst.Return):
        return "the range has an escaping `return`"
    if isinstance(node, cst.Yield):
        return "the range has a `yield`"
    if isinstance(node, cst.Global | cst.Nonlocal):
        word = "global" if isinstance(node, cst.Global) else "nonlocal"
        return f"the range has a `{word}` statement, which applies to the whole function"
    if isinstance(node, cst.Break | cst.Continue):
        loop = ctx.enclosing_loop(node)
        word = "break" if isinstance(node, cst.Break) else "continue"
        if loop is None or not (first <= ctx.range(loop)[0] and ctx.range(loop)[1] <= last):
            return f"the range has an escaping `{word}`"
    if isinstance(node, cst.ImportStar):
        return "the range has a star import, which a function cannot hold"
    if isinstance(node, cst.Name) and node.value in _FRAME_NAMES:
        return f"the range uses `{node.value}`, which would see the new function's frame"
    if isinstance(node, cst.Call) and not node.args and isinstance(node.func, cst.Name) and node.func.value in ("dir", "vars"):
        return f"the range calls `{node.func.value}()`, which would see the new function's frame"
    if isinstance(node, cst.Attribute) and (
        node.attr.value in _FRAME_ATTRS
        or (isinstance(node.value, cst.Name) and node.value.value == "inspect" and node.attr.value in ("stack", "getouterframes"))
    ):
        return f"the range inspects a frame (`.{node.attr.value}`), which would be the new function's"
    if module_level:
        if isinstance(node, cst.AnnAssign):
            return "the range annotates a module-level name, which a function cannot do for a global"
        if isinstance(node, cst.ImportFrom) and _is_future(node):
            return "the range has a `from __future__` import"
    elif isinstance(node, cst.FunctionDef | cst.ClassDef):
        return f"the range defines `{node.name.value}`, whose qualified name would change"
    return None


_ATTRS: WeakKeyDictionary[SourceDocument, frozenset[str]] = WeakKeyDictionary()


def _attribute_names(document: SourceDocument) -> frozenset[str]:
    """Every attribute name the file mentions: a new method must not collide with one."""
    if document not in _ATTRS:
        tree = document.tree
        names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)} if isinstance(tree, ast.Module) else set()
        _ATTRS[document] = frozenset(names)
    return _ATTRS[document]


def _in_protocol(ctx: RefactorContext) -> bool:
    """The method's class derives from ``Protocol`` (found in the file's ``ast``: the
    root holds the method alone)."""
    tree, line = ctx.document.tree, ctx.root.path.line if ctx.root.path else -1
    if not isinstance(tree, ast.Module):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            isinstance(d, ast.FunctionDef | ast.AsyncFunctionDef) and d.lineno - 1 == line for d in node.body
        ):
            bases = [b.value if isinstance(b, ast.Subscript) else b for b in node.bases]
            return any(
                (isinstance(b, ast.Name) and b.id == "Protocol") or (isinstance(b, ast.Attribute) and b.attr == "Protocol")
                for b in bases
            )
    return False


def _decorator_names(function: cst.FunctionDef) -> set[str]:
    out = set()
    for decorator in function.decorators:
        node = decorator.decorator
        if isinstance(node, cst.Call):
            node = node.func
        if isinstance(node, cst.Attribute):
            out.add(node.attr.value)
        elif isinstance(node, cst.Name):
            out.add(node.value)
    return out


class ExtractFunction(Refactoring[_Plan]):
    id = "extract-function"
    title = "Extract function"
    kind = "refactor.extract"
    answers = ("OCX101", "OCX102", "OCX103", "OCX104")
    description = (
        "Selected statements become a new function; parameters and return values follow "
        "from which names the statements read and assign."
    )

    # -- match: everything is proven here, build only assembles nodes -------------------------
    def match(self, ctx: RefactorContext) -> _Plan | Refused:
        if ctx.is_cursor:
            return self.refuse("select the statements to extract")
        if in_class_body(ctx):
            return self.refuse("the statements are in a class body")
        covered = ctx.covered_statements()
        if covered is None:
            return self.refuse("the selection must cover whole statements of one block")
        _, statements = covered
        statements = list(statements)
        scope = next((a for a in ctx.ancestors(statements[0]) if isinstance(a, _SCOPES)), None)
        if isinstance(scope, cst.ClassDef):
            return self.refuse("the statements are in a class body")
        if scope is not None and ctx.root.path is None:
            return self.refuse("the selection reaches outside the function around the statements")
        if scope is not None and scope is not ctx.root.node:
            return self.refuse("the statements are in a nested function; extract from its outer function or move it out first")
        problem = self._syntax_problem(ctx, statements, module_level=scope is None)
        if problem:
            return self.refuse(problem)
        builtins_ok = shadowed_builtin(ctx.document, [*CONSUMERS, "open"]) is None
        if scope is None:
            return self._module_plan(ctx, statements, builtins_ok)
        return self._function_plan(ctx, statements, scope, builtins_ok)

    def _syntax_problem(self, ctx: RefactorContext, statements: list, *, module_level: bool) -> str | None:
        first, last = ctx.range(statements[0])[0], ctx.range(statements[-1])[1]
        for statement in statements:
            for node in _walk(statement):  # not into nested defs, classes or lambdas
                problem = _problem(ctx, node, first, last, module_level=module_level)
                if problem:
                    return problem
        if module_level and _is_docstring(ctx, statements[0]):
            return "the range holds the module docstring"
        return None

    # -- module level -----------------------------------------------------------------------
    def _module_plan(self, ctx: RefactorContext, statements: list, builtins_ok: bool) -> _Plan | Refused:
        facts, _ = walk_statements(statements, builtins_ok=builtins_ok)
        if facts.unsupported:
            return self.refuse(f"the range uses syntax this refactoring does not analyse: `{ctx.code(facts.unsupported[0]).strip()}`")
        if facts.comprehension_walrus:
            return self.refuse("the range binds a name with `:=` inside a comprehension")
        assigned = _ordered(ctx, facts.writes) + _ordered(ctx, facts.kills)
        return _Plan(statements, None, [], [], None, "", _unique(assigned), self._fresh(ctx, method=False))

    # -- inside a function ------------------------------------------------------------------
    def _function_plan(
        self, ctx: RefactorContext, statements: list, function: cst.FunctionDef, builtins_ok: bool
    ) -> _Plan | Refused:
        facts = walk_function(function, builtins_ok=builtins_ok, watch=[statements[0]])
        if facts.unsupported:
            return self.refuse(f"the function uses syntax this refactoring does not analyse: `{ctx.code(facts.unsupported[0]).strip()}`")
        if facts.comprehension_walrus:
            return self.refuse("the function binds a name with `:=` inside a comprehension")
        own, own_out = walk_statements(statements, builtins_ok=builtins_ok)
        entry = facts.at.get(statements[0]) or frozenset()
        flow = RangeFlow(ctx, function, statements, facts, builtins_ok)
        params = param_names(function.params)
        local = facts.bound_names() | set(params)

        # Inputs: locals the range may read before assigning them itself.
        live: list[str] = []
        for _node, (name, assigned) in sorted(own.reads.items(), key=lambda item: flow.pos(item[0])):
            if name in local and not assigned and name not in live:
                live.append(name)
        for deferred in own.deferred:
            if deferred.name in local and deferred.name not in live:
                live.append(deferred.name)
        written = {n for n in own.writes.values() if n in local}
        killed = {n for n in own.kills.values() if n in local}
        inputs: list[str] = []
        for name in live:
            if name in entry:
                inputs.append(name)
            elif flow.maybe_bound_before(name, params):
                return self.refuse(f"`{name}` may be unbound where the range starts, so it cannot be passed in")
            elif name not in written:
                return self.refuse(f"`{name}` is read before it is assigned")

        # Results: locals the range assigns that are read later.
        # In a loop, what the range reads before assigning comes round from its own last
        # iteration too: such a name is a result as well.
        results = [
            n for n in _ordered(ctx, own.writes)
            if n in local and (flow.read_later(n) or (flow.loops and n in live))
        ]
        results = _unique(results)
        for name in results:
            if own_out is not None and name not in own_out:
                if name not in entry:
                    return self.refuse(
                        f"`{name}` is assigned on some paths through the range only and may be unbound before it"
                    )
                if name not in inputs:
                    inputs.append(name)  # passed in, so it comes back unchanged when not assigned
        for name in sorted((written | killed) - set(results)):
            if flow.only_bound_in_range(name, params) and flow.read_outside(name):
                return self.refuse(
                    f"`{name}` is also read outside the range, where only the range assigns it; "
                    "without that assignment the function would look it up as a global"
                )
        for name in killed:
            if name in inputs or name in results:
                return self.refuse(f"the range deletes `{name}`, which would only delete the new function's copy")
        problem = flow.closure_problem(written | killed, local, own) or flow.exception_problem(results)
        if problem:
            return self.refuse(problem)
        if own_out is None:
            results = []  # the range never completes normally: nothing comes back

        receiver, kind = None, ""
        if ctx.root.path is not None and len(ctx.root.path.steps) > 1:
            if _in_protocol(ctx):
                return self.refuse("the class is a `Protocol`: a new method would become part of the protocol")
            method = self._method_form(function, facts)
            if isinstance(method, str):
                return self.refuse(method)
            receiver, kind = method
            inputs = [n for n in inputs if n != receiver]
        carried = sorted(facts.declared_global & (set(own.writes.values()) | set(own.kills.values())))
        name = self._fresh(ctx, method=receiver is not None)
        return _Plan(statements, function, inputs, results, receiver, kind, carried, name)

    def _method_form(self, function: cst.FunctionDef, facts: Facts) -> tuple[str, str] | str:
        decorators = _decorator_names(function)
        if "staticmethod" in decorators:
            return "the range is in a static method (extract it into a module-level function by hand)"
        positional = [*function.params.posonly_params, *function.params.params]
        if not positional:
            return "the method has no `self` parameter to call the new method on"
        receiver = positional[0].name.value
        rebinds = [n for node, n in facts.writes.items() if n == receiver and node is not positional[0].name]
        if rebinds or receiver in facts.kills.values() or receiver in facts.declared_global:
            return f"the method rebinds `{receiver}`, so the new method cannot be called on it"
        # The new method takes `self` even when the range does not use it: one calling
        # convention, exact for `super()` and `__class__` too.
        return receiver, "classmethod" if "classmethod" in decorators else "method"

    def _fresh(self, ctx: RefactorContext, *, method: bool) -> str:
        taken = ctx.document.global_names | (_attribute_names(ctx.document) if method else frozenset())
        name, n = "_extracted", 1
        while name in taken:
            n += 1
            name = f"_extracted_{n}"
        return name

    # -- build --------------------------------------------------------------------------------
    def build(self, ctx: RefactorContext, plan: _Plan) -> Change:
        first, rest = plan.statements[0], plan.statements[1:]
        keep, move = _split_leading(ctx, first)
        moved = [first.with_changes(leading_lines=move), *rest]
        body: list[cst.BaseStatement] = []
        if plan.globals_:
            body.append(_line(cst.Global(names=[cst.NameItem(cst.Name(n)) for n in plan.globals_])))
        body += moved
        if plan.results:
            body.append(_line(cst.Return(value=_names_value(plan.results))))
        params = [cst.Param(cst.Name(n)) for n in plan.params]
        decorators = []
        if plan.receiver is not None:
            params.insert(0, cst.Param(cst.Name(plan.receiver)))
        if plan.method_kind == "classmethod":
            decorators.append(cst.Decorator(cst.Name("classmethod")))
        new = cst.FunctionDef(
            name=cst.Name(plan.name), params=cst.Parameters(params=params),
            body=cst.IndentedBlock(body=body), decorators=decorators,
        )
        func: cst.BaseExpression = cst.Name(plan.name)
        if plan.receiver is not None:
            func = cst.Attribute(cst.Name(plan.receiver), cst.Name(plan.name))
        call = cst.Call(func, args=[cst.Arg(cst.Name(n)) for n in plan.params])
        small: cst.BaseSmallStatement = cst.Expr(call)
        if plan.results:
            small = cst.Assign([cst.AssignTarget(_names_value(plan.results))], call)
        call_line = cst.SimpleStatementLine(body=[small], leading_lines=keep)
        replacements: dict = {node: cst.RemoveFromParent() for node in rest}

        if plan.function is None:  # module level: the function goes right before the call
            top = _top_level(ctx, first)
            above = keep
            if top and (ctx.unit.module.body[0] is not first or ctx.unit.first_line > 0):
                above = _blank(max(0, 2 - _count_blank(keep))) + keep
            replacements[first] = cst.FlattenSentinel([
                new.with_changes(leading_lines=above),
                call_line.with_changes(leading_lines=_blank(2 if top else 1)),
            ])
            return Change(replacements, new_globals=frozenset({plan.name}),
                          scope_map=_module_scope_map(plan), new_functions=(plan.name,))
        replacements[first] = call_line
        old = f"def:{plan.function.name.value}"
        if plan.receiver is not None:  # a sibling method, right after this one
            new = new.with_changes(leading_lines=_blank(1))
            qual = ".".join(n for n, _ in ctx.root.path.steps[:-1]) + f".{plan.name}"
            replacements[plan.function] = lambda updated: cst.FlattenSentinel([updated, new])
            return Change(replacements, new_names=frozenset({plan.name}),
                          scope_map={f"def:{plan.name}": old}, new_functions=(qual,))
        if not plan.function.decorators:  # right after the function
            after = new.with_changes(leading_lines=_blank(2))
            replacements[plan.function] = lambda updated: cst.FlattenSentinel([updated, after])
            return Change(replacements, new_globals=frozenset({plan.name}),
                          scope_map={f"def:{plan.name}": old}, new_functions=(plan.name,))
        # A decorator may call the function as soon as it is defined: the new function
        # must exist by then, so it goes above the decorators.
        leading = list(plan.function.leading_lines)
        blanks = 0
        while blanks < len(leading) and leading[blanks].comment is None:
            blanks += 1
        before = new.with_changes(leading_lines=leading[:blanks])
        own_leading = _blank(2) + leading[blanks:]
        replacements[plan.function] = lambda updated: cst.FlattenSentinel(
            [before, updated.with_changes(leading_lines=own_leading)]
        )
        return Change(replacements, new_globals=frozenset({plan.name}),
                      scope_map={f"def:{plan.name}": old}, new_functions=(plan.name,))


# -- node helpers -------------------------------------------------------------------------


def _ordered(ctx: RefactorContext, nodes: dict[cst.CSTNode, str]) -> list[str]:
    return [name for _, name in sorted(((ctx.range(n)[0], name) for n, name in nodes.items()))]


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _names_value(names: list[str]) -> cst.BaseExpression:
    if len(names) == 1:
        return cst.Name(names[0])
    return cst.Tuple([cst.Element(cst.Name(n)) for n in names], lpar=[], rpar=[])


def _line(small: cst.BaseSmallStatement) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=[small])


def _count_blank(lines: list[cst.EmptyLine]) -> int:
    n = 0
    while n < len(lines) and lines[n].comment is None:
        n += 1
    return n


def _blank(n: int) -> list[cst.EmptyLine]:
    return [cst.EmptyLine(indent=False) for _ in range(n)]


def _module_scope_map(plan: _Plan) -> dict[str, str]:
    """Module code moved into ``def _extracted`` keeps its scopes: the function's own
    names are the module's, and a def, class or lambda in the range keeps its path (a
    plain prefix swap would read ``<global>/def:g``, so each gets its own entry, first)."""
    out: dict[str, str] = {}
    for statement in plan.statements:
        for node in _walk(statement):
            step = _scope_step(node)
            if step:
                out[f"def:{plan.name}/{step}"] = step
    out[f"def:{plan.name}"] = "<global>"
    return out


def _scope_step(node: cst.CSTNode) -> str:
    if isinstance(node, cst.FunctionDef):
        return f"def:{node.name.value}"
    if isinstance(node, cst.ClassDef):
        return f"class:{node.name.value}"
    if isinstance(node, cst.Lambda):
        return "def:lambda"
    return ""


def _is_future(node: cst.ImportFrom) -> bool:
    module = node.module
    return isinstance(module, cst.Name) and module.value == "__future__" and not node.relative


def _top_level(ctx: RefactorContext, statement: cst.CSTNode) -> bool:
    return isinstance(ctx.parents.get(statement), cst.Module)


def _is_docstring(ctx: RefactorContext, statement: cst.CSTNode) -> bool:
    if ctx.unit.first_line != 0 and not _only_comments_before(ctx):
        return False
    body = ctx.unit.module.body
    if not body or body[0] is not statement or not isinstance(statement, cst.SimpleStatementLine):
        return False
    small = statement.body[0]
    return isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString | cst.ConcatenatedString)


def _only_comments_before(ctx: RefactorContext) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") for line in ctx.document.lines[: ctx.unit.first_line])


def _split_leading(ctx: RefactorContext, first: cst.BaseStatement) -> tuple[list, list]:
    """The first statement's own comment lines: those the selection covers move with it,
    the rest stay above the call."""
    leading = list(getattr(first, "leading_lines", ()))
    if not leading or not ctx.selection.whole_lines:
        return leading, []
    start_line = ctx.root.to_file(*ctx.range(first)[0])[0] - len(leading)
    cut = max(0, min(len(leading), ctx.selection.start_line - start_line))
    move = leading[cut:]
    while move and move[0].comment is None:
        move = move[1:]
    return leading[: len(leading) - len(move)], move
