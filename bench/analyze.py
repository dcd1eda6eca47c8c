"""Benchmark `orchex analyze` (all metrics) against radon, complexipy, lizard and symilar.

Every tool runs on the same tree in one run, each in its own child process, so its wall
time, CPU time and peak RSS are its own. orchex runs cold (empty state dir) and then warm
(same state dir, nothing changed). Not a test: timings belong in docs/performance.md.

    python bench/analyze.py                    # the running Python's stdlib
    python bench/analyze.py PATH --json        # any tree, machine-readable
    python bench/analyze.py --skip symilar     # leave out a slow peer
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, measure, python_files, stdlib  # noqa: E402

PEERS = ("radon", "complexipy", "lizard", "symilar")


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def peer_commands(root: Path, files: list[str]) -> dict[str, tuple[str, list[str]]]:
    """(what it measures, command) for each installed peer."""
    commands = {}
    if tool := _tool("radon"):
        commands["radon"] = ("cyclomatic only", [tool, "cc", "-j", "-e", "*/site-packages/*", str(root)])
    if tool := _tool("complexipy"):
        commands["complexipy"] = ("cognitive only", [tool, "-q", "-e", "site-packages", str(root)])
    if tool := _tool("lizard"):
        commands["lizard"] = ("cyclomatic, length, params", [tool, "-l", "python", "-x", "*/site-packages/*", str(root)])
    if tool := _tool("symilar"):
        flags = ["--ignore-comments", "--ignore-docstrings", "--ignore-imports", "-d", "6"]
        commands["symilar"] = ("duplication only (min 6 lines)", [tool, *flags, *(str(root / f) for f in files)])
    return commands


def _parses(path: Path) -> bool:
    try:
        ast.parse(path.read_bytes())
        return True
    except (SyntaxError, ValueError, OSError):
        return False


def run(root: Path, skip: set[str], jobs: int | None) -> dict:
    files = python_files(root)
    lines = 0
    for f in files:
        try:
            lines += (root / f).read_bytes().count(b"\n")
        except OSError:
            pass
    # symilar aborts on the first file it cannot parse (the stdlib ships Python 2 test data),
    # so it gets the files that parse; the others are skipped by every tool anyway.
    parsed = [f for f in files if _parses(root / f)]
    rows = []
    # The default text report, as a user runs it (stdout to /dev/null via measure()).
    orchex = [sys.executable, "-m", "orchex_ls.cli.main", "analyze", str(root)]
    if jobs:
        orchex += ["--jobs", str(jobs)]
    with tempfile.TemporaryDirectory() as state:
        for label in ("cold", "warm"):
            _, wall, cpu, rss = measure([*orchex, "--state-dir", state], cwd=REPO)
            rows.append({"tool": f"orchex ({label})", "measures": "all metrics", "wall_s": wall, "cpu_s": cpu, "peak_rss_mb": rss})
    for name, (what, cmd) in peer_commands(root, parsed).items():
        if name in skip:
            continue
        # radon and lizard exit non-zero when they meet a file they cannot parse, after
        # having measured the rest: their time still counts, so don't stop on it.
        _, wall, cpu, rss = measure(cmd, check=name == "symilar")
        rows.append({"tool": name, "measures": what, "wall_s": wall, "cpu_s": cpu, "peak_rss_mb": rss})
    radon = next((r for r in rows if r["tool"] == "radon"), None)
    cold = rows[0]
    return {
        "root": str(root), "files": len(files), "lines": lines, "cores": os.cpu_count(),
        "python": sys.version.split()[0], "rows": rows,
        "targets": {
            "cold_vs_radon": round(cold["wall_s"] / radon["wall_s"], 3) if radon else None,
            "warm_s": round(rows[1]["wall_s"], 3),
        },
    }


def print_table(report: dict) -> None:
    print(f"{report['root']}: {report['files']} files, {report['lines']} lines, "
          f"Python {report['python']}, {report['cores']} cores")
    print(f"{'tool':<18} {'measures':<30} {'wall s':>8} {'cpu s':>8} {'peak MB':>8}")
    for r in report["rows"]:
        print(f"{r['tool']:<18} {r['measures']:<30} {r['wall_s']:>8.2f} {r['cpu_s']:>8.2f} {r['peak_rss_mb']:>8.0f}")
    t = report["targets"]
    if t["cold_vs_radon"] is not None:
        print(f"orchex cold / radon cc = {t['cold_vs_radon']:.2f} (target <= 0.5)")
    print(f"orchex warm = {t['warm_s']:.2f} s (target <= 1 s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=stdlib())
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--skip", action="append", default=[], choices=PEERS, help="leave out a peer")
    parser.add_argument("--jobs", type=int, help="orchex --jobs (default: all cores)")
    args = parser.parse_args(argv)
    report = run(args.path.resolve(), set(args.skip), args.jobs)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
