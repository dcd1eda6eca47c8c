"""CPU seconds per stage of the per-file analysis, in one process (GC paused, as in the
analyzer's workers). Shows where a cold run's time goes.

    python bench/stages.py            # the running Python's stdlib
    python bench/stages.py PATH --json
"""

from __future__ import annotations

import argparse
import ast
import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, python_files, stdlib  # noqa: E402

sys.path.insert(0, str(REPO))
from orchex_ls.analysis import coupling, metrics, opportunities, raw  # noqa: E402
from orchex_ls.analysis.clones import fingerprint  # noqa: E402
from orchex_ls.analysis.file_analysis import analyze_bytes  # noqa: E402
from orchex_ls.config import Thresholds  # noqa: E402


def run(root: Path) -> dict:
    blobs = [(root / f).read_bytes() for f in python_files(root)]
    thresholds = Thresholds()
    clock = time.process_time
    spent: dict[str, float] = dict.fromkeys(
        ("parse", "metrics walk", "clone fingerprint", "raw counts", "imports", "candidates"), 0.0
    )
    gc.disable()
    for data in blobs:
        try:
            text = data.decode("utf-8")
            start = clock()
            tree = ast.parse(text)
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        marks = [start, clock()]
        walk = metrics.walk_module(tree)
        marks.append(clock())
        fingerprint(text, tree)
        marks.append(clock())
        raw.raw_counts(text, text.splitlines())
        marks.append(clock())
        coupling.extract_imports(tree, "pkg.mod", False)
        marks.append(clock())
        for r in walk.functions:
            opportunities.function_candidates(
                r.node, r.qualname, (r.cyclomatic, r.cognitive, r.nesting, r.lines, r.parameters),
                thresholds, r.increments,
            )
        marks.append(clock())
        for name, (a, b) in zip(spent, zip(marks, marks[1:])):
            spent[name] += b - a
    start = clock()
    for data in blobs:
        analyze_bytes(data, "pkg/mod.py", thresholds)
    total = clock() - start
    gc.enable()
    return {"root": str(root), "files": len(blobs), "stages_cpu_s": spent, "per_file_total_cpu_s": total}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=stdlib())
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = run(args.path.resolve())
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{report['root']}: {report['files']} files")
    for name, seconds in report["stages_cpu_s"].items():
        print(f"{name:<20} {seconds:7.2f}")
    print(f"{'per-file total':<20} {report['per_file_total_cpu_s']:7.2f}  (analyze_bytes: all of the above + findings and models)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
