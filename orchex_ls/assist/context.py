"""Build what an agent gets for "refactor this with AI": the target and its context.

The target is the outermost function around the selection (through classes: a method is
its own target), as the refactoring engine picks its root; when no single function holds
the selection, the whole statements it touches (see ``Target``). Around it go the headers
of its enclosing classes (not their bodies), the module's imports, the analyzer's metrics
and findings for the span, a bounded list of call sites (``callsites``) and the
instruction. The request records the span and a hash of the source, so ``validate`` can
splice the answer back and refuse it if the file has changed since.
"""

from __future__ import annotations

import ast
import hashlib
import re
import textwrap
from pathlib import Path

from ..analysis.file_analysis import analyze_text
from ..analysis.models import FileReport
from ..config import Thresholds
from ..refactor.document import SourceDocument
from ..refactor.models import Selection
from . import syntax as S
from .callsites import Needle, find_call_sites
from .models import DEFAULT_INSTRUCTION, ClassHeader, RefactorRequest, RequestProblem, Target

# An instruction asks for an interface change when one of its clauses pairs a changing verb
# with an interface word ("add a `timeout` parameter", "change the signature"), or renames a
# function, method, class, parameter or the target itself, and says no "without", "keep"...
# With it the signature and public-name checks are off; callers are not updated.
_CLAUSES = re.compile(r"[.;,:!?\n]|\b(?:and|but|then)\b")
_CHANGE = re.compile(
    r"\b(chang\w*|add\w*|remov\w*|drop\w*|reorder\w*|mak\w*|introduc\w*|delet\w*|split\w*|merg\w*|"
    r"convert\w*|turn\w*|replac\w*|extend\w*|simplif\w*)\b.*\b(signatures?|parameters?|params?|arguments?|"
    r"args|kwargs|keyword-only|positional-only|interface|api|public names?)\b",
    re.IGNORECASE,
)
_RENAME = re.compile(r"\brenam\w*\b", re.IGNORECASE)
_RENAMED_THINGS = re.compile(r"\b(functions?|methods?|class(es)?|parameters?|params?|arguments?|public|api|interface)\b",
                             re.IGNORECASE)
_NEGATION = re.compile(r"\b(without|not|never|don'?t|keep\w*|preserv\w*|unchanged|same|intact)\b", re.IGNORECASE)
MAX_NEEDLES = 4  # definitions whose call sites are searched, for a span of several


def asks_interface_change(instruction: str, names: tuple[str, ...] = ()) -> bool:
    """Whether the instruction asks to change a signature or a public name (a heuristic,
    see above; ``names``: the target's function names, whose renaming counts too)."""
    for clause in _CLAUSES.split(instruction):
        if not clause or _NEGATION.search(clause):
            continue
        if _CHANGE.search(clause):
            return True
        if _RENAME.search(clause) and (
            _RENAMED_THINGS.search(clause) or any(re.search(rf"\b{re.escape(n)}\b", clause) for n in names)
        ):
            return True
    return False


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()


def build_request(
    source: str, path: str, selection: Selection, instruction: str | None = None, *,
    project_root: Path | None = None, max_call_sites: int = 8, call_site_budget_ms: float = 200,
    thresholds: Thresholds | None = None, report: FileReport | None = None,
) -> RefactorRequest | RequestProblem:
    """The request for refactoring the code at ``selection`` of ``source`` (the file at
    ``path``). ``report``: the analyzer's report of this very text, if the caller has it
    (else the file is analysed here, with ``thresholds`` or the defaults)."""
    document = SourceDocument(source, path)
    tree = document.tree
    if isinstance(tree, SyntaxError):
        return RequestProblem(reason=f"{path} does not parse (line {tree.lineno}): {tree.msg}")
    if selection.start_line >= len(document.lines) or not source.strip():
        return RequestProblem(reason=f"the selection (line {selection.start_line + 1}) is past the end of {path}")
    found = _target(document, tree, selection)
    if isinstance(found, str):
        return RequestProblem(reason=found)
    target, located = found
    instruction = (instruction or "").strip() or DEFAULT_INSTRUCTION
    lines = document.lines
    thresholds = thresholds or Thresholds()
    if report is None:
        report = analyze_text(source, path, thresholds, project_data=False).report
    in_span = range(target.start_line + 1, target.end_line + 1)  # 1-based lines of the span
    metrics = tuple(f for f in report.functions if f.line in in_span) if report else ()
    findings = tuple(f for f in report.findings if f.line in in_span) if report else ()
    imports = tuple(
        textwrap.dedent(S.span_text(lines, S.first_line(s), S.last_line(s))).rstrip()
        for s in S.module_imports(tree.body)
    )
    needles = _needles(located, lines)
    sites, note = find_call_sites(source, path, needles, project_root, limit=max_call_sites,
                                  budget_ms=call_site_budget_ms)
    return RefactorRequest(
        path=path, source_sha256=source_hash(source), selection=selection, instruction=instruction,
        allow_interface_change=asks_interface_change(instruction, tuple(q.rsplit('.', 1)[-1] for q in target.functions)),
        target=target,
        enclosing_classes=tuple(_header(c, lines, located.chain) for c in located.classes),
        imports=imports, metrics=metrics, findings=findings, call_sites=tuple(sites), call_sites_note=note,
        thresholds=thresholds,
    )


# -- the target ------------------------------------------------------------------------------


def _selected_lines(selection: Selection, count: int) -> tuple[int, int]:
    """0-based first and last line the selection covers (a selection ending at column 0 of
    a later line does not cover that line)."""
    last = selection.end_line
    if not selection.whole_lines and selection.end_col == 0 and last > selection.start_line:
        last -= 1
    return selection.start_line, min(last, count - 1)


def _target(document: SourceDocument, tree: ast.Module, selection: Selection) -> tuple[Target, S.Located] | str:
    unit = document.unit_for(selection)
    path = document.def_path_for(unit, selection) if unit is not None else None
    if path is not None:
        node = next(
            (n for n in ast.walk(tree)
             if isinstance(n, S.FUNCS) and n.lineno - 1 == path.line and document.char_col(path.line, n.col_offset) == path.column),
            None,
        )
        located = S.locate(tree, S.first_line(node), S.last_line(node) + 1) if node is not None else None
        if located is None or located.inside != [node]:
            return f"cannot find the function `{path.qualname}` in the file's syntax tree"
    else:
        first, last = _selected_lines(selection, len(document.lines))
        located = _statements(tree, first, last)
        if located is None:
            return f"there is no code at the selection (line {first + 1})"
    return _make_target(document, located), located


def _statements(tree: ast.Module, first: int, last: int) -> S.Located | None:
    """The statements the lines ``first..last`` touch in the innermost list holding them
    all, widened to every statement sharing a line with them."""
    body: list[ast.stmt] = tree.body
    chain: list[ast.stmt] = []
    while True:
        touched = [s for s in body if S.first_line(s) <= last and first <= S.last_line(s)]
        if not touched:
            return None
        if len(touched) == 1 and not isinstance(touched[0], S.FUNCS):
            block = next(
                (b for b in S.blocks(touched[0]) if S.first_line(b[0]) <= first and last <= S.last_line(b[-1])
                 and S.first_line(b[0]) > touched[0].lineno - 1),
                None,
            )
            if block is not None:
                chain.append(touched[0])
                body = block
                continue
        lo, hi = S.first_line(touched[0]), S.last_line(touched[-1])
        inside = [s for s in body if S.first_line(s) <= hi and lo <= S.last_line(s)]
        while True:  # statements sharing a line (`a = 1; b = 2`) go together
            lo, hi = min(lo, *(S.first_line(s) for s in inside)), max(hi, *(S.last_line(s) for s in inside))
            wider = [s for s in body if S.first_line(s) <= hi and lo <= S.last_line(s)]
            if len(wider) == len(inside):
                break
            inside = wider
        ids = {id(s) for s in inside}
        return S.Located(chain, body, inside, [s for s in body if id(s) not in ids])


def _make_target(document: SourceDocument, located: S.Located) -> Target:
    lines = document.lines
    first = S.first_line(located.inside[0])
    end = S.last_line(located.inside[-1]) + 1
    head = lines[first]
    indent = head[: len(head) - len(head.lstrip(" \t"))]
    prefix = S.qualname_prefix(located.chain)
    functions = tuple(q for q, _ in S.interface_functions(located.inside, prefix))
    scope = tuple(c.name for c in located.classes)
    code = "".join(lines[first:end])
    only = located.inside[0] if len(located.inside) == 1 else None
    if isinstance(only, S.FUNCS):
        return Target(kind="function", qualname=prefix + only.name, name=only.name, start_line=first,
                      end_line=end, indent=indent, code=code, functions=functions, scope=scope)
    return Target(kind="statements", start_line=first, end_line=end, indent=indent, code=code,
                  functions=functions, scope=scope)


def _header(node: ast.ClassDef, lines: list[str], chain: list[ast.stmt]) -> ClassHeader:
    first = S.first_line(node)
    body_start = S.first_line(node.body[0])
    last = body_start - 1 if body_start > node.lineno - 1 else node.lineno - 1
    header = textwrap.dedent(S.span_text(lines, first, last)).rstrip()
    if body_start <= node.lineno - 1:  # `class A: x = 1` on one line: keep the header only
        header = header[: header.find(":", len(header) - len(header.lstrip())) + 1] or header
    index = chain.index(node)
    qualname = S.qualname_prefix(chain[:index]) + node.name
    bases = tuple(S.segment(lines, b) for b in [*node.bases, *node.keywords])
    decorators = tuple(S.segment(lines, d) for d in node.decorator_list)
    return ClassHeader(name=node.name, qualname=qualname, line=node.lineno, bases=bases,
                       decorators=decorators, header=_strip_comment_tail(header))


def _strip_comment_tail(header: str) -> str:
    """A header's last lines may be comments above the first body statement: drop them."""
    kept = header.splitlines()
    while len(kept) > 1 and kept[-1].lstrip().startswith("#"):
        kept.pop()
    return "\n".join(kept)


def _needles(located: S.Located, lines: list[str]) -> list[Needle]:
    """What to find call sites of: the span's top-level definitions; for ``__init__``
    and ``__new__``, their class (its calls are what use them)."""
    prefix = S.qualname_prefix(located.chain)
    classes = located.classes
    needles = []
    for stmt in located.inside:
        if not isinstance(stmt, S.DEFS):
            continue
        name, qualname, where = stmt.name, prefix + stmt.name, stmt
        also = (classes[-1].name,) if classes else ()
        if isinstance(stmt, S.FUNCS) and name in ("__init__", "__new__") and classes:
            where, name = classes[-1], classes[-1].name
            qualname = S.qualname_prefix(located.chain[: located.chain.index(where)]) + name
            also = ()
        elif name.startswith("__") and name.endswith("__"):
            continue  # other special methods are used through operators, not by name
        line = where.lineno
        match = re.search(rf"\b(?:def|class)\s+({re.escape(name)})\b", lines[line - 1])
        if match:
            needles.append(Needle(name, line, match.start(1), qualname, also))
    return needles[:MAX_NEEDLES]
