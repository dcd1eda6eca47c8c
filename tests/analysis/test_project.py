"""Project-wide stages: clone, coupling and hotspot findings, scores and opportunities."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest
from samples import CLONE, COMPLEX

from orchex_ls import OrchexConfig, analyze_paths
from orchex_ls.analysis.score import function_score, grade, penalty


def analyze(root: Path):
    return analyze_paths([root], OrchexConfig(), use_cache=False, jobs=1)


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", *args],
        cwd=root, check=True, capture_output=True,
    )


def test_clone_findings_point_at_each_copy_and_relate_the_others(project):
    report = analyze(project)
    clones = {f.path: f for file in report.files for f in file.findings if f.code == "OCX107"}
    assert set(clones) == {"pkg/util.py", "pkg/other.py"}
    util = clones["pkg/util.py"]
    assert util.related[0].path == "pkg/other.py"
    assert util.value >= 6 and util.threshold == 6
    assert "2 copies" in util.message


def test_import_cycle_findings_sit_on_the_imports(project):
    report = analyze(project)
    cycles = [f for file in report.files for f in file.findings if f.code == "OCX109"]
    assert {(f.path, f.line) for f in cycles} == {("pkg/core.py", 1), ("pkg/util.py", 1)}
    assert all("pkg.core" in f.message and "pkg.util" in f.message for f in cycles)
    assert all(len(f.related) == 1 for f in cycles)


def test_duplication_and_cycles_lower_the_file_score(project):
    report = analyze(project)
    other = next(f for f in report.files if f.path == "pkg/other.py")
    # `stretch` is a healthy function on its own; the file loses points for the clone.
    assert other.functions[0].score == 100.0
    assert other.score < 100.0


def test_project_score_is_the_mean_weighted_by_function_count(project):
    report = analyze(project)
    weights = {f.path: max(1, len(f.functions)) for f in report.files}
    expected = sum(f.score * weights[f.path] for f in report.files) / sum(weights.values())
    assert report.summary.score == pytest.approx(expected, abs=0.05)
    assert report.summary.grade == grade(report.summary.score)


def test_opportunities_are_ranked_with_gain_and_risk(project):
    report = analyze(project)
    kinds = {o.kind for o in report.opportunities}
    assert {"remove-duplicate", "break-cycle"} <= kinds
    priorities = [o.priority for o in report.opportunities]
    assert priorities == sorted(priorities, reverse=True)
    assert all(o.gain >= 0 for o in report.opportunities)
    untested = next(o for o in report.opportunities if o.path == "pkg/core.py")
    assert "no test imports this module" in untested.risk_factors


def test_a_test_importing_the_module_lowers_the_risk(project):
    (project / "tests").mkdir()
    (project / "tests" / "test_core.py").write_text("from pkg import core\n")
    report = analyze(project)
    core = [o for o in report.opportunities if o.path == "pkg/core.py"]
    assert core and all("no test imports this module" not in o.risk_factors for o in core)


def test_extract_function_is_offered_for_a_complex_function(tmp_path):
    (tmp_path / "m.py").write_text(COMPLEX)
    report = analyze(tmp_path)
    extract = [o for o in report.opportunities if o.kind == "extract-function"]
    assert extract and extract[0].symbol == "tangled" and extract[0].gain > 0
    assert 3 <= extract[0].line < extract[0].end_line


def test_merge_nested_ifs_and_guard_clause_are_found(tmp_path):
    (tmp_path / "m.py").write_text(textwrap.dedent(
        """
        def f(a, b):
            if a:
                if b:
                    return 1
            return 0

        def g(items):
            for item in items:
                if item:
                    x = item * 2
                    if x > 3:
                        print(x)
                    print(item)
        """
    ))
    kinds = {(o.kind, o.symbol) for o in analyze(tmp_path).opportunities}
    assert ("merge-nested-ifs", "f") in kinds
    assert ("guard-clause", "g") in kinds


def test_hotspot_needs_churn_and_complexity(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "simple.py").write_text("def s():\n    return 1\n")
    for i in range(6):
        (root / "hot.py").write_text(COMPLEX + f"\nVERSION = {i}\n")
        git(root, "add", "-A")
        git(root, "commit", "-qm", f"change {i}")
    report = analyze(root)
    hot = [f for file in report.files for f in file.findings if f.code == "OCX110"]
    assert [f.path for f in hot] == ["hot.py"]
    assert "6 commits" in hot[0].message
    assert report.hotspots[0].path == "hot.py"


def test_not_a_git_repository_means_no_hotspots(tmp_path):
    (tmp_path / "m.py").write_text(CLONE.format(name="x"))
    report = analyze(tmp_path)
    assert report.hotspots == ()


@pytest.mark.parametrize("metric", ["cyclomatic", "cognitive", "nesting", "lines", "parameters"])
def test_function_score_is_monotone_in_every_metric(metric):
    base = {"cyclomatic": 1, "cognitive": 0, "nesting": 0, "lines": 1, "parameters": 0}
    t = OrchexConfig().thresholds
    previous = 101.0
    for value in range(0, 200, 3):
        score = function_score(**{**base, metric: value}, thresholds=t)
        assert score <= previous
        previous = score
    assert previous < 100.0


def test_penalty_shape():
    assert penalty(5, 10) == 0.0
    assert penalty(10, 10) == pytest.approx(0.5)
    assert penalty(20, 10) == pytest.approx(0.75)
    assert penalty(10_000, 10) < 1.0
