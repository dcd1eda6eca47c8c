"""Analyse one file: decode, parse once, and feed that one tree to every per-file metric.

This runs in worker processes and its result is cached per content hash, so it holds
everything the project-wide stages need later (imports, clone fingerprint, candidates)
without parsing again.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass

from ..config import Thresholds
from . import findings as F
from .clones import CloneFingerprint, fingerprint
from .imports import ImportRef, extract_imports, module_name
from .metrics import FunctionRecord, walk_module
from .models import ClassMetrics, FileReport, Finding, FunctionMetrics, Halstead, ModuleMetrics
from .opportunities import Candidate, function_candidates
from .raw import maintainability_index, raw_counts
from .score import file_score, function_score, grade
from .source import RECURSION_LIMIT, ParseError, SourceProblem, char_column, decode, parse


@dataclass(slots=True)
class FileAnalysis:
    path: str
    module: str
    is_package: bool
    report: FileReport | None = None  # None when the file was skipped
    skipped: str | None = None
    imports: tuple[ImportRef, ...] = ()
    fingerprint: CloneFingerprint | None = None
    candidates: tuple[Candidate, ...] = ()


def _name_span(rec: FunctionRecord, lines: list[str]) -> tuple[int, int, int, int]:
    node = rec.node
    line = node.lineno
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    start = char_column(lines, line, node.col_offset) - 1
    index = text.find(rec.name, start)
    if index < 0:
        return line, start + 1, line, start + 2
    return line, index + 1, line, index + 1 + len(rec.name)


def analyze_text(text: str, path: str, thresholds: Thresholds, *, project_data: bool = True) -> FileAnalysis:
    """``project_data=False`` skips what only the project-wide stages use (clone
    fingerprint, imports): an editor re-analysing a buffer per keystroke needs neither."""
    module, is_package = module_name(path)
    result = FileAnalysis(path, module, is_package)
    if not text.strip():
        result.skipped = "empty file"
        return result
    tree = parse(text, path)
    if isinstance(tree, ParseError):
        result.report = FileReport(path=path, score=0.0, grade="F", findings=(F.parse_error(path, tree),))
        return result
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
    try:
        return _measure(text, tree, result, thresholds, project_data)
    except RecursionError:
        error = ParseError("the code is nested too deeply to measure (Python's recursion limit)", 1, 1, 1, 2)
        result.report = FileReport(path=path, score=0.0, grade="F", findings=(F.parse_error(path, error),))
        return result
    finally:
        sys.setrecursionlimit(old_limit)


def _measure(text: str, tree: ast.Module, result: FileAnalysis, t: Thresholds, project_data: bool = True) -> FileAnalysis:
    path = result.path
    lines = text.splitlines()
    walk = walk_module(tree)
    functions: list[FunctionMetrics] = []
    found: list[Finding] = []
    candidates: list[Candidate] = []
    for rec in walk.functions:
        node = rec.node
        values = (rec.cyclomatic, rec.cognitive, rec.nesting, rec.lines, rec.parameters)
        score = function_score(
            cyclomatic=values[0], cognitive=values[1], nesting=values[2], lines=values[3],
            parameters=values[4], thresholds=t,
        )
        end_line = node.end_lineno or node.lineno
        fm = FunctionMetrics(
            name=rec.name, qualname=rec.qualname, line=node.lineno, end_line=end_line,
            column=char_column(lines, node.lineno, node.col_offset),
            end_column=char_column(lines, end_line, node.end_col_offset or 0),
            cyclomatic=values[0], cognitive=values[1], nesting=values[2], lines=values[3],
            parameters=values[4], returns=rec.returns, is_method=rec.is_method,
            score=score, grade=grade(score),
        )
        functions.append(fm)
        found.extend(F.function_findings(path, fm, _name_span(rec, lines), t))
        candidates.extend(function_candidates(node, rec.qualname, values, t, rec.increments))

    classes = tuple(
        ClassMetrics(
            name=c.node.name, qualname=c.qualname, line=c.node.lineno,
            end_line=c.node.end_lineno or c.node.lineno, methods=len(c.methods),
            cyclomatic=c.cyclomatic, cognitive=sum(m.cognitive for m in c.methods),
        )
        for c in walk.classes
    )
    raw = raw_counts(text, lines)
    halstead = Halstead(**walk.halstead.report())
    lloc = walk.statements
    sloc = max(0, raw.lines - raw.blank - raw.comment_only - walk.docstring_lines)
    comment_percent = (raw.comments + walk.docstring_lines) / sloc * 100 if sloc else 0.0
    mi = maintainability_index(halstead.volume, walk.total_cyclomatic, lloc, comment_percent)
    mi_finding = F.low_maintainability(path, mi, t.maintainability)
    if mi_finding:
        found.append(mi_finding)
    metrics = ModuleMetrics(
        lines=raw.lines, sloc=sloc, lloc=lloc, comments=raw.comments, multi=walk.docstring_lines,
        blank=raw.blank, functions=len(functions), classes=len(classes),
        cyclomatic=walk.total_cyclomatic, cognitive=sum(f.cognitive for f in functions if "<locals>" not in f.qualname),
        max_nesting=walk.max_nesting, maintainability=round(mi, 2), halstead=halstead,
    )
    # The file on its own: the project stage adds duplication and coupling to this.
    alone = file_score(
        functions=[(f.score, 1.0) for f in functions], maintainability=metrics.maintainability,
        duplicated_fraction=0.0, fan_out=0, in_cycle=False, thresholds=t,
    )
    result.report = FileReport(
        path=path, score=alone, grade=grade(alone), metrics=metrics, functions=tuple(functions),
        classes=classes, findings=tuple(found),
    )
    if project_data:
        result.imports = extract_imports(tree, result.module, result.is_package)
        result.fingerprint = fingerprint(text, tree)
    result.candidates = tuple(candidates)
    return result


def analyze_bytes(data: bytes, path: str, thresholds: Thresholds, max_bytes: int | None = None) -> FileAnalysis:
    """Decode and analyse; problems with the bytes themselves become ``skipped`` reasons."""
    if max_bytes is not None and len(data) > max_bytes:
        module, is_package = module_name(path)
        return FileAnalysis(
            path, module, is_package,
            skipped=f"file is {len(data) // 1024} KB, over max-file-size-kb ({max_bytes // 1024} KB)",
        )
    try:
        text = decode(data)
    except SourceProblem as exc:
        module, is_package = module_name(path)
        return FileAnalysis(path, module, is_package, skipped=str(exc))
    return analyze_text(text, path, thresholds)
