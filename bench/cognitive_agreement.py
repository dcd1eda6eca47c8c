"""Agreement of orchex_ls.analysis.cognitive with complexipy, function by function.

    python bench/cognitive_agreement.py [PATH ...] [--json] [--examples N] [--repeat N]

PATH defaults to the running Python's stdlib (``sysconfig.get_paths()["stdlib"]``,
``site-packages`` excluded).  Functions are the units complexipy lists: every ``def`` at
module level or in a class body, at any depth of ``if``/``try``/``with``/loops, named
``Outer::Inner::method`` for methods; nested functions are part of their enclosing
function.  A unit is matched by (name, first line incl. decorators).

Every disagreement is labelled with the known kinds of difference it contains (see
docs/cognitive-complexity.md); a disagreement with none of them is "unexplained".
Timing is the CPU time of our scorer alone (files are parsed beforehand), best of
``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
import sysconfig
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchex_ls.analysis.cognitive import cognitive_complexity, cognitive_increments

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
SCORED = (ast.BoolOp, ast.IfExp, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
COMPS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)

# Kinds, in the order the table lists them; the keys are what --json reports.
KINDS = {
    "loop_else": "else of a for/while loop (+1 here, 0 in complexipy)",
    "unread_expression": (
        "boolean operator, ternary, lambda or comprehension where complexipy does not look"
    ),
    "operator_runs": "mixed and/or counted as runs in source order",
    "def_in_block": "nested def inside if/for/try/with (complexipy adds no nesting)",
    "nested_recursion": "recursion of a nested function or method",
    "decorator_return": "expression in a decorator's return",
    "class_in_function": "class body statements inside a function",
    "unexplained": "none of the known kinds",
}


# -- units --------------------------------------------------------------------------


def iter_units(body: list[ast.stmt], prefix: str = "") -> Iterator[tuple[str, int, FunctionNode]]:
    """The functions complexipy reports, with its naming and first line."""
    for stmt in body:
        if isinstance(stmt, DEFS):
            start = min([stmt.lineno] + [d.lineno for d in stmt.decorator_list])
            yield prefix + stmt.name, start, stmt
        elif isinstance(stmt, ast.ClassDef):
            yield from iter_units(stmt.body, f"{prefix}{stmt.name}::")
        else:
            for block in _blocks(stmt):
                yield from iter_units(block, prefix)


def _blocks(stmt: ast.stmt) -> Iterator[list[ast.stmt]]:
    for field in ("body", "orelse", "finalbody"):
        block = getattr(stmt, field, None)
        if block and isinstance(block, list) and isinstance(block[0], ast.stmt):
            yield block
    for handler in getattr(stmt, "handlers", ()):
        yield handler.body
    for case in getattr(stmt, "cases", ()):
        yield case.body


def python_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        found = [path] if path.is_file() else sorted(path.rglob("*.py"))
        files += [p for p in found if "site-packages" not in p.parts]
    return files


# -- what complexipy reads ------------------------------------------------------------


def _reach_chain(node: ast.expr, seen: set[int]) -> None:
    # complexipy follows a boolean chain only through BoolOp and `not`.
    if isinstance(node, ast.BoolOp):
        seen.add(id(node))
        for value in node.values:
            _reach_chain(value, seen)
    elif isinstance(node, ast.UnaryOp):
        _reach_chain(node.operand, seen)


def _reach(node: ast.expr | None, seen: set[int]) -> None:
    """Mark the scored expressions complexipy's expression walk reaches from ``node``."""
    if node is None:
        return
    if isinstance(node, (ast.BoolOp, ast.UnaryOp)):
        _reach_chain(node, seen)
    elif isinstance(node, ast.Compare):
        for part in [node.left, *node.comparators]:
            _reach(part, seen)
    elif isinstance(node, ast.IfExp):
        seen.add(id(node))
        for part in (node.test, node.body, node.orelse):
            _reach(part, seen)
    elif isinstance(node, ast.Lambda):
        _reach(node.body, seen)
    elif isinstance(node, COMPS):
        seen.add(id(node))
        for gen in node.generators:
            _reach(gen.iter, seen)
            for cond in gen.ifs:
                _reach(cond, seen)
        parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for part in parts:
            _reach(part, seen)
    elif isinstance(node, ast.Call):
        for arg in node.args:
            _reach(arg, seen)
    elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        for elt in node.elts:
            _reach(elt, seen)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            _reach(value, seen)


_STMT_EXPRS = {
    ast.Assign: ("value",),
    ast.AnnAssign: ("value",),
    ast.AugAssign: ("value",),
    ast.Return: ("value",),
    ast.Expr: ("value",),
    ast.Raise: ("exc", "cause"),
    ast.Assert: ("test", "msg"),
    ast.If: ("test",),
    ast.While: ("test",),
    ast.For: ("iter",),
    ast.AsyncFor: ("iter",),
}


def _reach_stmts(body: list[ast.stmt], seen: set[int]) -> None:
    for stmt in body:
        for field in _STMT_EXPRS.get(type(stmt), ()):
            _reach(getattr(stmt, field), seen)
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                _reach(item.context_expr, seen)
        if isinstance(stmt, ast.ClassDef):
            _reach_stmts([s for s in stmt.body if isinstance(s, DEFS)], seen)
        elif isinstance(stmt, DEFS):
            _reach_stmts(stmt.body[:1] if _is_decorator(stmt) else stmt.body, seen)
        else:
            for block in _blocks(stmt):
                _reach_stmts(block, seen)


def _is_decorator(func: FunctionNode) -> bool:
    body = func.body
    return len(body) == 2 and isinstance(body[0], DEFS) and isinstance(body[1], ast.Return)


def _scored_nodes(func: FunctionNode) -> Iterator[ast.AST]:
    """Scored expressions we read: everything in the body but annotations."""
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, SCORED):
            yield node
        for field, value in ast.iter_fields(node):
            if field in ("annotation", "returns"):
                continue
            if isinstance(value, ast.AST):
                stack.append(value)
            elif isinstance(value, list):
                stack.extend(v for v in value if isinstance(v, ast.AST))


# -- boolean chains -----------------------------------------------------------------------


def _complexipy_chain(expr: ast.expr) -> int:
    """complexipy's count for one boolean expression.

    Measured, not documented: a BoolOp node counts 1 when its operator differs from its
    parent BoolOp's (the root always counts); `not` starts afresh.
    """

    def count(node: ast.expr, parent_op: type | None) -> int:
        if isinstance(node, ast.BoolOp):
            op = type(node.op)
            return int(op is not parent_op) + sum(count(v, op) for v in node.values)
        if isinstance(node, ast.UnaryOp):
            return count(node.operand, None)
        return 0

    return count(expr, None)


def _our_chain(expr: ast.expr) -> int:
    """Our runs over the same region: the chain plus the chains under `not`."""
    runs = 0
    pending = [expr]
    while pending:
        ops: list[type] = []
        stack = [pending.pop()]
        while stack:  # source order: operands left to right, operators in between
            node = stack.pop()
            if isinstance(node, ast.BoolOp):
                for i, value in reversed(list(enumerate(node.values))):
                    stack.append(value)
                    if i:
                        stack.append(node.op)
            elif isinstance(node, ast.boolop):
                ops.append(type(node))
            elif isinstance(node, ast.UnaryOp):
                pending.append(node.operand)
        runs += sum(1 for i, op in enumerate(ops) if i == 0 or op is not ops[i - 1])
    return runs


# -- classification ---------------------------------------------------------------------


def _recursion_in_own_body(func: FunctionNode) -> bool:
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (*DEFS, ast.ClassDef, ast.Lambda)):
            continue
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == func.name
        ):
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False


def _has_structure(nodes: list[ast.stmt]) -> bool:
    flow = (
        ast.If,
        ast.For,
        ast.AsyncFor,
        ast.While,
        ast.ExceptHandler,
        ast.Match,
        ast.IfExp,
        *COMPS,
    )
    return any(isinstance(n, flow) for top in nodes for n in ast.walk(top))


def _has_scored(nodes: list[ast.AST]) -> bool:
    return _has_structure(nodes) or any(
        isinstance(n, SCORED) for top in nodes for n in ast.walk(top)
    )


def _defs_in_blocks(body: list[ast.stmt], direct: bool) -> Iterator[FunctionNode]:
    """Nested defs whose statement list is not a function or class body."""
    for stmt in body:
        if isinstance(stmt, DEFS):
            if not direct:
                yield stmt
            yield from _defs_in_blocks(stmt.body, True)
        elif isinstance(stmt, ast.ClassDef):
            yield from _defs_in_blocks(stmt.body, True)
        else:
            for block in _blocks(stmt):
                yield from _defs_in_blocks(block, False)


def classify(func: FunctionNode) -> list[str]:
    kinds: list[str] = []
    increments = cognitive_increments(func)
    if any(inc.reason == "loop else" for inc in increments):
        kinds.append("loop_else")
    seen: set[int] = set()
    _reach_stmts(func.body[:1] if _is_decorator(func) else func.body, seen)
    scored = list(_scored_nodes(func))
    if any(id(node) not in seen for node in scored):
        kinds.append("unread_expression")
    tops = [n for n in scored if isinstance(n, ast.BoolOp) and id(n) in seen]
    inner = {id(v) for n in tops for v in ast.walk(n) if v is not n}
    if any(_complexipy_chain(n) != _our_chain(n) for n in tops if id(n) not in inner):
        kinds.append("operator_runs")
    if any(_has_structure(d.body) for d in _defs_in_blocks(func.body, True)):
        kinds.append("def_in_block")
    ours = sum(1 for inc in increments if inc.reason == "recursion")
    if ours != int(_recursion_in_own_body(func)):
        kinds.append("nested_recursion")
    walk = list(ast.walk(func))
    decorators = [n for n in walk if isinstance(n, DEFS) and _is_decorator(n)]
    if any(_has_scored([d.body[1]]) for d in decorators):
        kinds.append("decorator_return")
    classes = [n for n in walk if isinstance(n, ast.ClassDef)]
    if any(_has_scored([s for s in c.body if not isinstance(s, DEFS)]) for c in classes):
        kinds.append("class_in_function")
    return kinds or ["unexplained"]


# -- run ----------------------------------------------------------------------------------


def _score(func: FunctionNode) -> int | None:
    try:
        return cognitive_complexity(func)
    except RecursionError:  # pathological nesting: counted apart, like a skipped file
        return None


def run(paths: list[Path], examples: int, repeat: int = 3) -> dict:
    import complexipy  # imported here so --help works without it

    files = python_files(paths)
    parsed: list[tuple[Path, ast.Module]] = []
    skipped: list[str] = []
    theirs: dict[tuple[str, str, int], int] = {}
    for path in files:
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
            result = complexipy.file_complexity(str(path), no_ignore=True, with_plans=False)
        except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError) as exc:
            skipped.append(f"{path}: {type(exc).__name__}")
            continue
        parsed.append((path, tree))
        for fn in result.functions:
            theirs[(str(path), fn.name, fn.line_start)] = fn.complexity

    units = [
        (str(p), name, line, node)
        for p, tree in parsed
        for name, line, node in iter_units(tree.body)
    ]
    elapsed = float("inf")
    for _ in range(repeat):  # CPU time, best of `repeat`: other work shares the machine
        start = time.process_time()
        scores = [_score(node) for *_, node in units]
        elapsed = min(elapsed, time.process_time() - start)

    compared = agreed = 0
    kinds: Counter[str] = Counter()
    samples: dict[str, list[dict]] = {}
    ours_only = too_deep = 0
    for (path, name, line, node), score in zip(units, scores):
        reference = theirs.pop((path, name, line), None)
        if reference is None:
            ours_only += 1
            continue
        if score is None:
            too_deep += 1
            continue
        compared += 1
        if score == reference:
            agreed += 1
            continue
        label = " + ".join(classify(node))
        kinds[label] += 1
        if len(samples.setdefault(label, [])) < examples:
            samples[label].append(
                {
                    "path": path,
                    "line": line,
                    "function": name,
                    "ours": score,
                    "complexipy": reference,
                }
            )
    return {
        "paths": [str(p) for p in paths],
        "files": len(files),
        "files_skipped": skipped,
        "functions_compared": compared,
        "functions_agreeing": agreed,
        "agreement_percent": round(100.0 * agreed / compared, 3) if compared else 100.0,
        "only_ours": ours_only,
        "only_complexipy": len(theirs),
        "too_deep": too_deep,
        "scoring_seconds": round(elapsed, 3),
        "repeat": repeat,
        "functions_scored": len(units),
        "disagreements": [
            {"kind": kind, "count": count, "examples": samples[kind]}
            for kind, count in kinds.most_common()
        ],
    }


def print_report(report: dict) -> None:
    print(f"paths: {', '.join(report['paths'])}")
    print(
        f"files: {report['files']} "
        f"({len(report['files_skipped'])} skipped: unparsable by ast or complexipy)"
    )
    print(
        f"functions compared: {report['functions_compared']}  "
        f"(listed only by us: {report['only_ours']}, "
        f"only by complexipy: {report['only_complexipy']}, "
        f"too deep to score: {report['too_deep']})"
    )
    print(f"agreement: {report['agreement_percent']:.3f} % ({report['functions_agreeing']} agree)")
    print(
        f"our scoring time: {report['scoring_seconds']:.3f} s CPU "
        f"for {report['functions_scored']} functions (parse excluded, best of {report['repeat']})"
    )
    if not report["disagreements"]:
        return
    print("\ndisagreements by kind:")
    rows = [(d["kind"], d["count"], d["examples"][0]) for d in report["disagreements"]]
    width = max(len(kind) for kind, _, _ in rows)
    print(f"  {'kind':<{width}}  count  example (ours vs complexipy)")
    for kind, count, ex in rows:
        where = f"{ex['path']}:{ex['line']} {ex['function']}"
        print(f"  {kind:<{width}}  {count:>5}  {where} ({ex['ours']} vs {ex['complexipy']})")
    print("\nkinds:")
    for key, text in KINDS.items():
        print(f"  {key}: {text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "paths", nargs="*", type=Path, help="files or directories (default: the stdlib)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--repeat", type=int, default=3, help="timing runs, the best is reported (default 3)"
    )
    parser.add_argument(
        "--examples", type=int, default=1, help="examples kept per kind (default 1)"
    )
    args = parser.parse_args(argv)
    paths = args.paths or [Path(sysconfig.get_paths()["stdlib"])]
    report = run(paths, max(1, args.examples), max(1, args.repeat))
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
