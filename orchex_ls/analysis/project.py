"""Project-wide stages over the per-file results: clones, coupling, hotspots, the findings
they raise, file and project scores, and ranked refactoring opportunities."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TypeVar

from ..config import OrchexConfig, Thresholds
from . import findings as F
from .clones import find_clones
from .coupling import CouplingResult, build_coupling
from .file_analysis import FileAnalysis
from .hotspots import rank_hotspots, read_churn
from .models import (
    CloneGroup,
    FileReport,
    Finding,
    Hotspot,
    Opportunity,
    RelatedLocation,
    Report,
    Skipped,
    Summary,
)
from .score import (
    CYCLE_PENALTY,
    DUPLICATION_WEIGHT,
    file_score,
    function_score,
    grade,
    weighted_mean,
)

HOTSPOT_FINDING_SCORE = 50.0  # hotspot score (0-100) from which a file gets OCX110
# ...and only with real churn: in a young repository the "most changed" file may have
# changed twice, which says nothing about its risk.
HOTSPOT_MIN_COMMITS = 5
_RISK_DISCOUNT = {"low": 1.0, "medium": 0.6, "high": 0.3}


T = TypeVar("T")
Memo = Callable[[str, Callable[[], T]], T]


def _no_memo(name: str, compute: Callable[[], T]) -> T:
    return compute()


def is_test_path(path: str) -> bool:
    p = PurePosixPath(path)
    return (
        any(part in ("test", "tests", "testing") for part in p.parts[:-1])
        or p.name.startswith("test_") or p.name.endswith("_test.py") or p.name == "conftest.py"
    )


def assemble(
    root: Path, analyses: list[FileAnalysis], skipped: list[Skipped], config: OrchexConfig,
    *, with_history: bool = True, stages: Memo | None = None,
) -> Report:
    t = config.thresholds
    parsed = [a for a in analyses if a.report is not None]
    skipped = skipped + [Skipped(path=a.path, reason=a.skipped) for a in analyses if a.skipped]
    extra: dict[str, list[Finding]] = defaultdict(list)

    memo = stages or _no_memo
    groups = memo("clones", lambda: find_clones(
        {a.path: a.fingerprint for a in parsed if a.fingerprint is not None}, min_lines=t.duplicate_lines
    ))
    duplicated = _clone_findings(groups, t, extra)

    coupling = memo("coupling", lambda: build_coupling({a.path: (a.module, a.is_package, a.imports) for a in analyses}))
    in_cycle = _coupling_findings(coupling, t, extra)

    churn = read_churn(root, t.hotspot_days) if with_history else None
    hotspots: list[Hotspot] = []
    if churn:
        complexity = {a.path: a.report.metrics.cyclomatic for a in parsed}
        hotspots = rank_hotspots(churn, complexity)
        for h in hotspots:
            if h.score >= HOTSPOT_FINDING_SCORE and h.commits >= HOTSPOT_MIN_COMMITS:
                extra[h.path].append(F.hotspot(h.path, h.commits, t.hotspot_days, h.complexity, h.score))

    files: list[FileReport] = []
    for a in parsed:
        rep = a.report
        assert rep is not None
        fan_out = len(coupling.modules[a.path].imports) if a.path in coupling.modules else 0
        measured = rep.metrics.lloc > 0 or rep.functions
        score = rep.score if not measured and rep.findings else file_score(
            functions=[(f.score, a.weights.get(f.qualname, 1)) for f in rep.functions],
            maintainability=rep.metrics.maintainability,
            duplicated_fraction=len(duplicated.get(a.path, ())) / max(1, rep.metrics.lines),
            fan_out=fan_out, in_cycle=a.path in in_cycle, thresholds=t,
        )
        kept = tuple(f for f in (*rep.findings, *extra.get(a.path, ())) if config.reports(f.code))
        files.append(rep.model_copy(update={"score": score, "grade": grade(score), "findings": kept}))

    weights = {f.path: max(1, f.metrics.lloc) for f in files}
    project = round(weighted_mean((f.score, weights[f.path]) for f in files), 1)
    counts = Counter(f.code for file in files for f in file.findings)
    summary = Summary(
        files=len(files), lines=sum(f.metrics.lines for f in files),
        functions=sum(len(f.functions) for f in files), score=project, grade=grade(project),
        findings=dict(sorted(counts.items())),
    )
    opportunities = _opportunities(parsed, files, groups, coupling, churn or {}, weights, t)
    return Report(
        root=str(root), summary=summary, files=tuple(files), duplicates=tuple(groups),
        coupling=coupling.coupling, hotspots=tuple(hotspots), opportunities=tuple(opportunities),
        skipped=tuple(sorted(skipped, key=lambda s: s.path)),
    )


def _clone_findings(groups: list[CloneGroup], t: Thresholds, extra: dict[str, list[Finding]]) -> dict[str, set[int]]:
    duplicated: dict[str, set[int]] = defaultdict(set)
    for group in groups:
        for loc in group.locations:
            others = [
                RelatedLocation(path=o.path, line=o.line, end_line=o.end_line, message="other copy")
                for o in group.locations if o is not loc
            ]
            extra[loc.path].append(
                F.duplicate_code(loc.path, loc.line, loc.end_line, group.lines, others, t.duplicate_lines, group.kind)
            )
            duplicated[loc.path].update(range(loc.line, loc.end_line + 1))
    return duplicated


def _coupling_findings(coupling: CouplingResult, t: Thresholds, extra: dict[str, list[Finding]]) -> set[str]:
    for path, deps in coupling.modules.items():
        if len(deps.imports) > t.fan_out:
            extra[path].append(F.high_coupling(path, deps.module, len(deps.imports), t.fan_out))
    in_cycle: set[str] = set()
    for cycle in coupling.cycles:
        if cycle.local_only:
            continue  # function-local imports are how cycles are deliberately broken
        in_cycle.update(cycle.paths)
        for edge in cycle.edges:
            related = [
                RelatedLocation(
                    path=o.path, line=o.line, column=o.column, end_line=o.end_line, end_column=o.end_column,
                    message=f"{o.source} imports {o.target}",
                )
                for o in cycle.edges if o is not edge
            ]
            span = (edge.line, edge.column, edge.end_line, edge.end_column)
            extra[edge.path].append(F.import_cycle(edge.path, span, cycle.modules, related))
    return in_cycle


def _opportunities(
    parsed: list[FileAnalysis], files: list[FileReport], groups: list[CloneGroup], coupling: CouplingResult,
    churn: dict, weights: dict[str, int], t: Thresholds,
) -> list[Opportunity]:
    total_weight = sum(weights.values()) or 1
    tested = {
        target for path, deps in coupling.modules.items() if is_test_path(path) for target in deps.imports
    }
    reports = {f.path: f for f in files}
    out: list[Opportunity] = []

    def risk(path: str, size: int, module: str | None) -> tuple[str, tuple[str, ...]]:
        factors = []
        if size > 30:
            factors.append(f"large change ({size} statements)")
        commits = getattr(churn.get(path), "commits", 0)
        if commits >= 10:
            factors.append(f"changed often ({commits} commits)")
        if module is not None and module not in tested and not is_test_path(path):
            factors.append("no test imports this module")
        return ("low", "medium", "high")[min(2, len(factors))], tuple(factors)

    def add(kind, path, line, end_line, symbol, description, gain, size, module):
        level, factors = risk(path, size, module)
        gain = round(max(0.0, gain), 3)
        out.append(Opportunity(
            kind=kind, path=path, line=line, end_line=end_line, symbol=symbol, description=description,
            gain=gain, risk=level, risk_factors=factors, priority=round(gain * _RISK_DISCOUNT[level], 4),
        ))

    for a in parsed:
        rep = reports[a.path]
        by_name = {f.qualname: f for f in rep.functions}
        fn_weight = sum(a.weights.values()) or 1
        share = weights[a.path] / total_weight
        for c in a.candidates:
            fn = by_name.get(c.symbol)
            if fn is None:
                continue
            cyc, cog, nest, lines, params = c.after
            after = function_score(
                cyclomatic=cyc, cognitive=cog, nesting=nest, lines=lines, parameters=params, thresholds=t
            )
            gain = (after - fn.score) * a.weights.get(c.symbol, 1) / fn_weight * share
            add(c.kind, a.path, c.line, c.end_line, c.symbol, c.description, gain, c.size, a.module)

    modules = {a.path: a.module for a in parsed}
    for group in groups:
        gain = sum(
            DUPLICATION_WEIGHT * (loc.end_line - loc.line + 1) / max(1, reports[loc.path].metrics.lines)
            * weights[loc.path] / total_weight
            for loc in group.locations[1:] if loc.path in reports
        )
        first = group.locations[0]
        where = ", ".join(f"{loc.path}:{loc.line}" for loc in group.locations)
        add("remove-duplicate", first.path, first.line, first.end_line, None,
            f"{len(group.locations)} copies of {group.lines} lines ({where}): extract one function",
            gain, group.lines * len(group.locations) // 2, modules.get(first.path))

    for cycle in coupling.cycles:
        if cycle.local_only or not cycle.edges:
            continue
        gain = sum(CYCLE_PENALTY * weights.get(p, 0) / total_weight for p in cycle.paths)
        edge = cycle.edges[0]
        add("break-cycle", edge.path, edge.line, edge.end_line, edge.source,
            f"break the import cycle {' → '.join((*cycle.modules, cycle.modules[0]))} "
            f"(e.g. move the import of {edge.target} into the function that uses it, or move shared code out)",
            gain, len(cycle.modules), edge.source)

    out.sort(key=lambda o: (-o.priority, -o.gain, o.path, o.line))
    return out
