"""The checks an answer passes once spliced in: each returns None or the reason it fails.

They compare the file before and after at the target's place (``old``/``new``: the span's
statements located in each tree), so they hold whatever shape the answer came in.
"""

from __future__ import annotations

import ast
import builtins
from collections import defaultdict

from ..analysis.metrics import walk_module
from ..analysis.models import FunctionMetrics
from ..refactor.models import MetricChange
from ..refactor.verify import Bindings, bindings
from . import syntax as S

_BUILTINS = frozenset(dir(builtins))
# Names every module (or class body) has without binding them.
_IMPLICIT = frozenset({"__file__", "__path__", "__builtins__", "__annotations__", "__cached__", "__module__",
                       "__qualname__", "__dict__", "__class__"})
STATEMENTS = "<statements>"  # the span's own code outside functions, measured as one unit
_METRICS = ("cyclomatic", "cognitive", "nesting")


def _by_qualname(located: S.Located) -> dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]]:
    out: dict[str, list] = defaultdict(list)
    for qualname, node in S.interface_functions(located.inside, S.qualname_prefix(located.chain)):
        out[qualname].append(node)
    return out


def signatures(old: S.Located, new: S.Located) -> str | None:
    """Every function of the span keeps its name and signature."""
    before, after = _by_qualname(old), _by_qualname(new)
    added = [q for q in after if q not in before]
    for qualname, nodes in before.items():
        found = after.get(qualname, [])
        if not found:
            guess = f" (renamed to `{added[0]}`?)" if len(added) == 1 else ""
            return f"the answer removes `{qualname}`{guess}; its name must stay"
        if len(found) != len(nodes):
            return f"the code defines `{qualname}` {len(nodes)} time(s), the answer {len(found)}"
        for old_node, new_node in zip(nodes, found):
            changes = S.signature_changes(old_node, new_node)
            if changes:
                return f"the answer changes the signature of `{qualname}`: {'; '.join(changes)}"
    return None


def public_names(old_tree: ast.Module, new_tree: ast.Module, old: S.Located, new: S.Located) -> str | None:
    """The module's public names, and those of the classes around the span, stay the same."""
    levels = [("the module", old_tree.body, new_tree.body)]
    for old_class, new_class in zip(old.classes, new.classes):
        levels.append((f"class `{old_class.name}`", old_class.body, new_class.body))
    for where, old_body, new_body in levels:
        before, after = S.public_names(old_body), S.public_names(new_body)
        removed = [n for n in before if n not in after]
        if removed:
            return f"the answer removes the public name `{removed[0]}` (line {before[removed[0]]}) from {where}"
        added = [n for n in after if n not in before]
        if added:
            return (f"the answer adds the public name `{added[0]}` to {where}; "
                    "name new helpers with a leading underscore")
    return None


def clashes(old: S.Located, new: S.Located, hoisted: list[ast.stmt], old_tree: ast.Module) -> str | None:
    """The answer's new names are new: a helper or an import must not replace something
    defined outside the span (which would also change the code using it)."""
    outside: dict[str, int] = {}
    for name, stmt in S.level_bindings(old.outside):
        outside.setdefault(name, stmt.lineno)
    had = {name for name, _ in S.level_bindings(old.inside)}
    for name, _ in S.level_bindings(new.inside):
        if name not in had and name in outside:
            return (f"the answer changes or redefines `{name}` (line {outside[name]}), which is outside the code to "
                    "refactor: only the target may change, and new helpers need new names")
    if hoisted:
        module: dict[str, int] = {}
        for name, stmt in S.level_bindings(old_tree.body):
            module.setdefault(name, stmt.lineno)
        for name, _ in S.level_bindings(hoisted):
            if name in module and name not in had:
                return f"the answer imports `{name}`, which the module already defines (line {module[name]})"
    return None


def _undefined(b: Bindings) -> set[str]:
    bound = {name for name, where in b.writes if where == "<global>"}
    return {
        name for name, where in b.reads
        if where == "<global>" and name not in bound and name not in _BUILTINS and name not in _IMPLICIT
    }


def undefined_names(old_source: str, new_source: str, new_tree: ast.Module, new: S.Located, path: str) -> str | None:
    """No name is read that binds nowhere in the new module and is not a builtin, unless the
    old module read it too. The compiler's symbol tables answer this (see refactor.verify:
    80x faster than libcst's scope analysis); a star import makes any name possible, so a
    module with one is not checked."""
    if any(isinstance(s, ast.ImportFrom) and any(a.name == "*" for a in s.names) for s in ast.walk(new_tree)):
        return None
    before, after = bindings(old_source, path), bindings(new_source, path)
    new_names = sorted(_undefined(after) - _undefined(before))
    if not new_names:
        return None
    name = new_names[0]
    line = next((n.lineno for s in new.inside for n in ast.walk(s) if isinstance(n, ast.Name) and n.id == name), None)
    where = f" (line {line})" if line else ""
    hint = ""
    in_class = sorted(p for n, p in after.writes if n == name and p.startswith("class:"))
    if in_class:
        hint = (f"; it is defined in the body of `{in_class[0].split('/')[-1][6:]}`, where a method sees it only "
                "as `self.` or `ClassName.`")
    more = f" (and {len(new_names) - 1} more)" if len(new_names) > 1 else ""
    return f"`{name}` is not defined anywhere{where}{more}{hint}"


# -- metrics ----------------------------------------------------------------------------------


def _statements_unit(stmts: list[ast.stmt]) -> FunctionMetrics | None:
    """The span's code outside definitions, measured as the body of one function."""
    body = [s for s in stmts if not isinstance(s, S.DEFS) and not S.is_docstring(s)]
    if not body:
        return None
    func = ast.FunctionDef(name="_", args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
                           body=body, decorator_list=[], returns=None)
    ast.copy_location(func, body[0])
    func.end_lineno, func.end_col_offset = body[-1].end_lineno, body[-1].end_col_offset
    rec = walk_module(ast.Module(body=[func], type_ignores=[])).functions[0]
    return FunctionMetrics(name=STATEMENTS, qualname=STATEMENTS, line=body[0].lineno, end_line=func.end_lineno or 1,
                           cyclomatic=rec.cyclomatic, cognitive=rec.cognitive, nesting=rec.nesting,
                           lines=rec.lines, parameters=0, returns=0)


def measure(located: S.Located) -> dict[str, FunctionMetrics]:
    """Metrics of every function in the span (nested ones included), by qualname, and of
    its code outside functions (``<statements>``)."""
    prefix = S.qualname_prefix(located.chain)
    out: dict[str, FunctionMetrics] = {}
    for rec in walk_module(ast.Module(body=located.inside, type_ignores=[])).functions:
        node = rec.node
        out.setdefault(prefix + rec.qualname, FunctionMetrics(
            name=rec.name, qualname=prefix + rec.qualname, line=node.lineno, end_line=node.end_lineno or node.lineno,
            cyclomatic=rec.cyclomatic, cognitive=rec.cognitive, nesting=rec.nesting, lines=rec.lines,
            parameters=0, returns=rec.returns,
        ))
    statements = _statements_unit(located.inside)
    if statements is not None:
        out[STATEMENTS] = statements
    return out


def metrics(before: dict[str, FunctionMetrics], after: dict[str, FunctionMetrics]) -> tuple[list[MetricChange], str | None]:
    """Before → after for each function of the span that is still there, and the new ones;
    and why the answer is more complex, if it is. A function that stays may not get worse on
    any of cyclomatic, cognitive, nesting; a new function may not exceed the most the span's
    functions had before on each (splitting is fine, moving the complexity elsewhere is not)."""
    changes: list[MetricChange] = []
    worse: list[str] = []
    for qualname, old in before.items():
        new = after.get(qualname)
        if new is None:
            continue
        changes.append(_change(qualname, old, new))
        up = [f"{m} {getattr(old, m)} → {getattr(new, m)}" for m in _METRICS if getattr(new, m) > getattr(old, m)]
        if up:
            worse.append(f"`{qualname}`: {', '.join(up)}")
    ceiling = {m: max([getattr(f, m) for f in before.values()] + [1 if m == "cyclomatic" else 0]) for m in _METRICS}
    for qualname, new in after.items():
        if qualname in before:
            continue
        changes.append(_change(qualname, None, new))
        over = [f"{m} {getattr(new, m)} (the code had at most {ceiling[m]})" for m in _METRICS if getattr(new, m) > ceiling[m]]
        if over:
            worse.append(f"the new `{qualname}`: {', '.join(over)}")
    if not worse:
        return changes, None
    return changes, "the answer makes the code more complex: " + "; ".join(worse)


def _change(qualname: str, old: FunctionMetrics | None, new: FunctionMetrics) -> MetricChange:
    def pair(name: str) -> tuple[int, int]:
        return (getattr(old, name) if old else 0, getattr(new, name))

    return MetricChange(function=qualname, cyclomatic=pair("cyclomatic"), cognitive=pair("cognitive"),
                        nesting=pair("nesting"), lines=pair("lines"))
