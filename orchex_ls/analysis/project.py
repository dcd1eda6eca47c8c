"""Project-wide stages over the per-file results: clones, coupling and hotspots, the findings
they raise, and the file and project scores."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from ..config import OrchexConfig, Thresholds
from . import findings as F
from .clones import find_clones
from .coupling import CouplingResult, build_coupling
from .file_analysis import FileAnalysis
from .hotspots import Churn, rank_hotspots, read_churn
from .models import (
    CloneGroup,
    FileReport,
    Finding,
    Hotspot,
    RelatedLocation,
    Report,
    Skipped,
    Summary,
)
from .ranking import rank_opportunities
from .score import file_score, file_weight, grade, weighted_mean

T = TypeVar("T")
Memo = Callable[[str, Callable[[], T]], T]

HOTSPOT_FINDING_SCORE = 50.0  # hotspot score (0-100) from which a file gets OCX110
# ...and only with real churn: in a young repository the "most changed" file may have
# changed twice, which says nothing about its risk.
HOTSPOT_MIN_COMMITS = 5
RELATED_LIMIT = 20  # related locations per finding: a 50-copy clone must not make 2,500


def _no_memo(name: str, compute: Callable[[], T]) -> T:
    return compute()


@dataclass
class _Stages:
    groups: list[CloneGroup]
    coupling: CouplingResult
    churn: dict[str, Churn]
    hotspots: list[Hotspot]
    extra: dict[str, list[Finding]] = field(default_factory=lambda: defaultdict(list))
    duplicated: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    in_cycle: set[str] = field(default_factory=set)


def _run_stages(root: Path, analyses: list[FileAnalysis], parsed: list[FileAnalysis], t: Thresholds,
                memo: Memo, with_history: bool) -> _Stages:
    groups = memo("clones", lambda: find_clones(
        {a.path: a.fingerprint for a in parsed if a.fingerprint is not None}, min_lines=t.duplicate_lines
    ))
    coupling = memo("coupling", lambda: build_coupling({a.path: (a.module, a.is_package, a.imports) for a in analyses}))
    churn = (read_churn(root, t.hotspot_days) if with_history else None) or {}
    hotspots = rank_hotspots(churn, {a.path: a.report.metrics.cyclomatic for a in parsed}) if churn else []
    stages = _Stages(groups, coupling, churn, hotspots)
    _clone_findings(stages, t)
    _coupling_findings(stages, t)
    for h in hotspots:
        if h.score >= HOTSPOT_FINDING_SCORE and h.commits >= HOTSPOT_MIN_COMMITS:
            stages.extra[h.path].append(F.hotspot(h.path, h.commits, t.hotspot_days, h.complexity, h.score))
    return stages


def _clone_findings(stages: _Stages, t: Thresholds) -> None:
    for group in stages.groups:
        for loc in group.locations:
            others = [
                RelatedLocation(path=o.path, line=o.line, end_line=o.end_line, message="other copy")
                for o in group.locations if o is not loc
            ][:RELATED_LIMIT]
            stages.extra[loc.path].append(
                F.duplicate_code(loc.path, loc.line, loc.end_line, group.lines, others, t.duplicate_lines,
                                 group.kind, copies=len(group.locations))
            )
            stages.duplicated[loc.path].update(range(loc.line, loc.end_line + 1))


def _coupling_findings(stages: _Stages, t: Thresholds) -> None:
    for path, deps in stages.coupling.modules.items():
        if len(deps.imports) > t.fan_out:
            stages.extra[path].append(F.high_coupling(path, deps.module, len(deps.imports), t.fan_out))
    for cycle in stages.coupling.cycles:
        if cycle.local_only:
            continue  # function-local imports are how cycles are deliberately broken
        stages.in_cycle.update(cycle.paths)
        for edge in cycle.edges:
            related = [
                RelatedLocation(
                    path=o.path, line=o.line, column=o.column, end_line=o.end_line, end_column=o.end_column,
                    message=f"{o.source} imports {o.target}",
                )
                for o in cycle.edges if o is not edge
            ][:RELATED_LIMIT]
            span = (edge.line, edge.column, edge.end_line, edge.end_column)
            stages.extra[edge.path].append(F.import_cycle(edge.path, span, cycle.modules, related))


def _file_report(a: FileAnalysis, stages: _Stages, config: OrchexConfig) -> FileReport:
    rep = a.report
    assert rep is not None
    kept = tuple(f for f in (*rep.findings, *stages.extra.get(a.path, ())) if config.reports(f.code))
    if not (rep.metrics.lloc or rep.functions) and rep.findings:
        return rep.model_copy(update={"findings": kept})  # did not parse: its score stays 0
    deps = stages.coupling.modules.get(a.path)
    score = file_score(
        functions=[(f.score, 1.0) for f in rep.functions],
        maintainability=rep.metrics.maintainability,
        duplicated_fraction=len(stages.duplicated.get(a.path, ())) / max(1, rep.metrics.lines),
        fan_out=len(deps.imports) if deps else 0, in_cycle=a.path in stages.in_cycle,
        thresholds=config.thresholds,
    )
    return rep.model_copy(update={"score": score, "grade": grade(score), "findings": kept})


def _summary(files: list[FileReport], weights: dict[str, int]) -> Summary:
    project = round(weighted_mean((f.score, weights[f.path]) for f in files), 1)
    counts = Counter(f.code for file in files for f in file.findings)
    return Summary(
        files=len(files), lines=sum(f.metrics.lines for f in files),
        functions=sum(len(f.functions) for f in files), score=project, grade=grade(project),
        findings=dict(sorted(counts.items())),
    )


def assemble(
    root: Path, analyses: list[FileAnalysis], skipped: list[Skipped], config: OrchexConfig,
    *, with_history: bool = True, stages: Memo | None = None,
) -> Report:
    """Turn per-file analyses into the :class:`Report` (``stages`` memoises clones/coupling)."""
    parsed = [a for a in analyses if a.report is not None]
    skipped = skipped + [Skipped(path=a.path, reason=a.skipped) for a in analyses if a.skipped]
    found = _run_stages(root, analyses, parsed, config.thresholds, stages or _no_memo, with_history)
    files = [_file_report(a, found, config) for a in parsed]
    weights = {f.path: file_weight(f) for f in files}
    opportunities = rank_opportunities(
        parsed, files, found.groups, found.coupling, found.churn, weights, config.thresholds
    )
    return Report(
        root=str(root), summary=_summary(files, weights), files=tuple(files), duplicates=tuple(found.groups),
        coupling=found.coupling.coupling, hotspots=tuple(found.hotspots), opportunities=tuple(opportunities),
        skipped=tuple(sorted(skipped, key=lambda s: s.path)),
    )
