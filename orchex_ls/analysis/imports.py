"""Phase 1 of the import graph, run per file (in worker processes): the module's name and
every import it makes, resolved to absolute names, as plain picklable tuples.

Function-local imports (and those under ``if __name__ == "__main__":``) are marked
``local``; those under ``if TYPE_CHECKING:`` are marked ``type_checking`` — phase 2
(:mod:`orchex_ls.analysis.coupling`) decides what each means for cycles.
"""

from __future__ import annotations

import ast
from typing import NamedTuple

__all__ = ["ImportRef", "extract_imports", "module_name"]


class ImportRef(NamedTuple):
    """One import as written in a module, resolved to an absolute name.

    ``names`` is empty for ``import target`` and holds the imported names for
    ``from target import names`` (``("*",)`` for a star import). Lines are 1-based;
    columns are 1-based and ``end_column`` is exclusive, as in SARIF. ``ast``
    measures columns in UTF-8 bytes, which equals characters for the ASCII
    indentation and names imports virtually always have.
    """

    target: str
    names: tuple[str, ...]
    line: int
    column: int
    end_line: int
    end_column: int
    local: bool  # in a function body or under ``if __name__ == "__main__":``: doesn't run on import
    type_checking: bool  # under ``if TYPE_CHECKING:``: never runs


def module_name(relpath: str) -> tuple[str, bool]:
    """Dotted module name of a workspace file and whether it is a package ``__init__``.

    ``pkg/sub/mod.py`` -> ``("pkg.sub.mod", False)``, ``pkg/__init__.py`` ->
    ``("pkg", True)``. ``.pyi`` stubs are named like their module. A *leading*
    ``src/`` directory is dropped (src-layout: ``src`` is an import root, not a
    package), so ``src/pkg/x.py`` -> ``pkg.x``; ``src/__init__.py`` stays the
    package ``src``. Other roots (e.g. ``libs/a/src/a`` in a monorepo) are not
    guessed: their files are named by full path.
    """
    parts = [p for p in relpath.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts:
        return "", False
    last = parts[-1]
    for suffix in (".pyi", ".py"):
        if last.endswith(suffix):
            parts[-1] = last[: -len(suffix)]
            break
    if parts[0] == "src" and len(parts) > 1 and parts[1:] != ["__init__"]:
        parts = parts[1:]
    is_package = len(parts) > 1 and parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def _compound_fields() -> dict[type, tuple[str, ...]]:
    """Compound statements (``if`` aside: it is special-cased) and their statement fields."""
    fields: dict[type, tuple[str, ...]] = {
        ast.FunctionDef: ("body",),
        ast.AsyncFunctionDef: ("body",),
        ast.ClassDef: ("body",),
        ast.For: ("body", "orelse"),
        ast.AsyncFor: ("body", "orelse"),
        ast.While: ("body", "orelse"),
        ast.With: ("body",),
        ast.AsyncWith: ("body",),
        ast.Try: ("body", "handlers", "orelse", "finalbody"),  # handlers: ExceptHandler.body
        ast.Match: ("cases",),  # match_case.body
    }
    if hasattr(ast, "TryStar"):  # 3.11+
        fields[ast.TryStar] = fields[ast.Try]
    return fields


_COMPOUND = _compound_fields()
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _is_type_checking(test: ast.expr) -> bool:
    # ``TYPE_CHECKING``, ``typing.TYPE_CHECKING``, ``t.TYPE_CHECKING`` and
    # ``TYPE_CHECKING and ...`` (the body still only runs under a type checker).
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    if isinstance(test, ast.Attribute):
        return test.attr == "TYPE_CHECKING"
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_is_type_checking(v) for v in test.values)
    return False


def _type_checking_branches(node: ast.If) -> tuple[bool, bool] | None:
    """(body is type-checking-only, orelse is) when ``node`` tests TYPE_CHECKING."""
    test = node.test
    if _is_type_checking(test):
        return True, False
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and _is_type_checking(test.operand):
        return False, True
    return None


def _is_main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round): the body only runs as a script."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(x, ast.Name) and x.id == "__name__" for x in sides) and any(
        isinstance(x, ast.Constant) and x.value == "__main__" for x in sides
    )


def _resolve_relative(module: str, is_package: bool, level: int, name: str | None) -> str | None:
    """Absolute name of ``from <level dots><name> import ...``; None if it escapes the top."""
    package = module if is_package else module.rpartition(".")[0]
    parts = package.split(".") if package else []
    if level > len(parts):
        return None  # "attempted relative import beyond top-level package"
    base = ".".join(parts[: len(parts) - level + 1])
    if name:
        return f"{base}.{name}" if base else name
    return base or None


def extract_imports(tree: ast.Module, module: str, is_package: bool) -> tuple[ImportRef, ...]:
    """Every import statement of ``tree``, anywhere in it, in source order.

    Relative imports are resolved against ``module``/``is_package``; ones that
    escape the top-level package are dropped (they fail at runtime). Dynamic
    imports (``importlib.import_module``, ``__import__``) are not followed.
    """
    refs: list[ImportRef] = []
    # Only statement lists are walked: imports are statements, so expressions
    # (most of the tree) never need visiting. Explicit stack: no recursion limit.
    stack: list[tuple[list[ast.stmt], bool, bool]] = [(tree.body, False, False)]
    while stack:
        body, local, tc = stack.pop()
        for node in body:
            kind = type(node)  # exact-type checks: the hot loop over every statement
            if kind is ast.Import:
                refs.extend(_plain_import(node, local, tc))
            elif kind is ast.ImportFrom:
                refs.extend(_from_import(node, module, is_package, local, tc))
            elif kind is ast.If:
                branches = None if tc else _type_checking_branches(node)
                if branches is not None:
                    stack.append((node.body, local, branches[0]))
                    stack.append((node.orelse, local, branches[1]))
                elif not local and _is_main_guard(node.test):
                    # runs when executed as a script, never on import: like a local import
                    stack.append((node.body, True, tc))
                    stack.append((node.orelse, local, tc))
                else:
                    stack.append((node.body, local, tc))
                    stack.append((node.orelse, local, tc))
            else:
                fields = _COMPOUND.get(kind)
                if fields is None:
                    continue  # a simple statement
                inner_local = local or isinstance(node, _FUNCTIONS)
                for field in fields:
                    for child in _as_bodies(getattr(node, field)):
                        stack.append((child, inner_local, tc))
    refs.sort(key=lambda r: (r.line, r.column))
    return tuple(refs)


def _as_bodies(children: list[ast.AST]) -> list[list[ast.stmt]]:
    """Statement lists in a field: the list itself, or the bodies of handlers / match cases."""
    if not children or isinstance(children[0], ast.stmt):
        return [children] if children else []  # type: ignore[list-item]
    return [c.body for c in children if isinstance(c, (ast.ExceptHandler, ast.match_case))]


def _plain_import(node: ast.Import, local: bool, tc: bool) -> list[ImportRef]:
    # aliases carry their own position (3.10+): point at the name imported
    return [
        ImportRef(
            alias.name, (), alias.lineno, alias.col_offset + 1,
            alias.end_lineno or alias.lineno, (alias.end_col_offset or 0) + 1, local, tc,
        )
        for alias in node.names
    ]


def _from_import(node: ast.ImportFrom, module: str, is_package: bool, local: bool, tc: bool) -> list[ImportRef]:
    if node.level:
        target = _resolve_relative(module, is_package, node.level, node.module)
    else:
        target = node.module
    if not target:
        return []
    return [
        ImportRef(
            target, tuple(a.name for a in node.names), node.lineno, node.col_offset + 1,
            node.end_lineno or node.lineno, (node.end_col_offset or 0) + 1, local, tc,
        )
    ]


# --- phase 2: the whole workspace ---------------------------------------------------
