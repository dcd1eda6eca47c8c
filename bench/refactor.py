"""Benchmark the refactoring engine (not a test).

(a) code actions listed at random positions of ~1,000-line stdlib modules: p50/p99 with the
    document's parse cached (the server keeps one per version) and cold (first request after
    an edit);
(b) resolve: computing, verifying and measuring each offered refactoring, p50/p99;
(c) a stdlib sweep: refactorings offered, applied, refused at apply, invalid outputs (must be
    0) and internal errors (must be 0), with the time per refactoring;
(d) side by side on the same ranges where extract-function applied: rope's extract method.

    python bench/refactor.py                 # default sample
    python bench/refactor.py --per-file 400  # more selections per stdlib module
    python bench/refactor.py --json
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import python_files, stdlib  # noqa: E402

from orchex_ls.refactor.document import SourceDocument  # noqa: E402
from orchex_ls.refactor.engine import apply, offers  # noqa: E402
from orchex_ls.refactor.models import Applied, Selection  # noqa: E402
from orchex_ls.refactor.sweep import SweepResult, sweep_source  # noqa: E402


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def thousand_line_files(count: int) -> list[Path]:
    root = stdlib()
    sized = []
    for rel in python_files(root):
        if "test" in rel or "/" in rel and rel.split("/")[0] in ("idlelib", "lib2to3", "turtledemo"):
            continue
        try:
            n = (root / rel).read_text(encoding="utf-8").count("\n")
        except (UnicodeDecodeError, OSError):
            continue
        sized.append((abs(n - 1000), rel))
    return [root / rel for _, rel in sorted(sized)[:count]]


def random_selection(doc: SourceDocument, rng: random.Random) -> Selection:
    lines = doc.lines
    line = rng.randrange(len(lines))
    text = lines[line].rstrip("\r\n")
    col = len(text) - len(text.lstrip())
    if rng.random() < 0.7:
        return Selection.cursor(line, col)
    last = min(len(lines) - 1, line + rng.randrange(1, 6))
    return Selection.lines(line, last)


def listing(files: list[Path], positions: int, seed: int) -> dict:
    rng = random.Random(seed)
    warm, cold, resolve = [], [], []
    offered = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        doc = SourceDocument(text, path.name)
        for _ in range(positions):
            sel = random_selection(doc, rng)
            started = time.perf_counter()
            offers(SourceDocument(text, path.name), sel)
            cold.append(time.perf_counter() - started)
            started = time.perf_counter()
            found = offers(doc, sel)
            warm.append(time.perf_counter() - started)
            for offer in found:
                offered += 1
                started = time.perf_counter()
                apply(doc, sel, offer.rule)
                resolve.append(time.perf_counter() - started)
    return {
        "files": [p.name for p in files], "requests": len(warm), "offered": offered,
        "list_warm_ms": (pct(warm, 0.5), pct(warm, 0.99)),
        "list_cold_ms": (pct(cold, 0.5), pct(cold, 0.99)),
        "resolve_ms": (pct(resolve, 0.5), pct(resolve, 0.99)),
    }


def sweep(per_file: int, limit_files: int | None) -> tuple[SweepResult, float, int]:
    root = stdlib()
    files = [rel for rel in python_files(root) if "/test" not in rel and not rel.startswith("test")]
    if limit_files:
        files = files[:limit_files]
    total = SweepResult()
    started = time.perf_counter()
    for rel in files:
        try:
            text = (root / rel).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            total.merge(sweep_source(text, rel, limit=per_file))
    return total, time.perf_counter() - started, len(files)


def rope_side_by_side(ranges: list[tuple[str, str, Selection]], cap: int) -> dict:
    """rope's ExtractMethod on the ranges where our extract-function applied."""
    try:
        from rope.base.project import Project
        from rope.refactor.extract import ExtractMethod
    except ImportError:
        return {"skipped": "rope is not installed (pip install -e '.[bench]')"}
    root = stdlib()
    ours_t, rope_t = [], []
    rope_ok = rope_failed = rope_invalid = 0
    chosen = [r for r in ranges if r[1] == "extract-function"][:cap]
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(tmp, ropefolder=None)
        for rel, _, sel in chosen:
            text = (root / rel).read_text(encoding="utf-8")
            doc = SourceDocument(text, rel)
            started = time.perf_counter()
            outcome = apply(doc, sel, "extract-function")
            ours_t.append(time.perf_counter() - started)
            if not isinstance(outcome, Applied):
                continue
            lines = doc.lines
            start = sum(len(x) for x in lines[: sel.start_line])
            start += len(lines[sel.start_line]) - len(lines[sel.start_line].lstrip())
            end = sum(len(x) for x in lines[: sel.end_line + 1]) - 1
            path = Path(tmp) / "mod.py"
            path.write_text(text, encoding="utf-8")
            resource = project.get_resource("mod.py")
            project.validate(resource)
            started = time.perf_counter()
            try:
                changes = ExtractMethod(project, resource, start, end).get_changes("extracted")
                new = changes.changes[0].new_contents if changes.changes else text
                rope_t.append(time.perf_counter() - started)
                try:
                    compile(new, rel, "exec", dont_inherit=True)
                    rope_ok += 1
                except SyntaxError:
                    rope_invalid += 1
            except Exception:  # noqa: BLE001 - rope refuses with its own exceptions
                rope_t.append(time.perf_counter() - started)
                rope_failed += 1
        project.close()
    return {
        "ranges": len(chosen),
        "orchex_ms": (pct(ours_t, 0.5), pct(ours_t, 0.99)),
        "rope_ms": (pct(rope_t, 0.5), pct(rope_t, 0.99)),
        "rope_applied": rope_ok, "rope_refused": rope_failed, "rope_invalid": rope_invalid,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=5, help="~1,000-line modules for (a)/(b)")
    parser.add_argument("--positions", type=int, default=200, help="random positions per file")
    parser.add_argument("--per-file", type=int, default=60, help="selections per module in the sweep")
    parser.add_argument("--limit-files", type=int, help="sweep only the first N stdlib modules")
    parser.add_argument("--rope", type=int, default=150, help="ranges for the rope comparison")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    result: dict = {"listing": listing(thousand_line_files(args.files), args.positions, args.seed)}
    total, seconds, files = sweep(args.per_file, args.limit_files)
    applied_times = {rule: times for rule, times in total.apply_seconds.items()}
    result["sweep"] = {
        "modules": files, "selections": total.selections, "seconds": round(seconds, 1),
        "offered": dict(total.offered), "applied": dict(total.applied), "refused": dict(total.refused),
        "invalid": len(total.invalid), "internal_errors": len(total.crashed),
        "invalid_examples": total.invalid[:5], "internal_error_examples": total.crashed[:5],
        "apply_ms_p50": {rule: round(pct(t, 0.5), 1) for rule, t in applied_times.items()},
    }
    result["rope"] = rope_side_by_side(total.applied_ranges, args.rope)
    if args.json:
        print(json.dumps(result, indent=2))
        return

    lst = result["listing"]
    print(f"(a)/(b) {lst['requests']} requests on {', '.join(lst['files'])}; {lst['offered']} offers")
    print(f"{'':<28}{'p50 ms':>10}{'p99 ms':>10}")
    for key, label in (("list_warm_ms", "list (parse cached)"), ("list_cold_ms", "list (after an edit)"),
                       ("resolve_ms", "resolve (apply+verify)")):
        p50, p99 = lst[key]
        print(f"{label:<28}{p50:>10.1f}{p99:>10.1f}")
    sw = result["sweep"]
    print(f"\n(c) stdlib sweep: {sw['modules']} modules, {sw['selections']} selections, {sw['seconds']} s")
    print(f"{'rule':<26}{'offered':>9}{'applied':>9}{'refused':>9}{'p50 ms':>9}")
    for rule in sorted(sw["offered"]):
        print(f"{rule:<26}{sw['offered'][rule]:>9}{sw['applied'].get(rule, 0):>9}"
              f"{sw['refused'].get(rule, 0):>9}{sw['apply_ms_p50'].get(rule, float('nan')):>9.1f}")
    print(f"invalid outputs: {sw['invalid']}   internal errors: {sw['internal_errors']}")
    for example in sw["invalid_examples"] + sw["internal_error_examples"]:
        print("  ", example)
    rope = result["rope"]
    if "skipped" in rope:
        print(f"\n(d) rope: {rope['skipped']}")
    else:
        print(f"\n(d) extract method on the same {rope['ranges']} ranges")
        print(f"{'':<12}{'p50 ms':>10}{'p99 ms':>10}")
        print(f"{'orchex':<12}{rope['orchex_ms'][0]:>10.1f}{rope['orchex_ms'][1]:>10.1f}")
        print(f"{'rope':<12}{rope['rope_ms'][0]:>10.1f}{rope['rope_ms'][1]:>10.1f}"
              f"   applied {rope['rope_applied']}, refused {rope['rope_refused']}, invalid {rope['rope_invalid']}")


if __name__ == "__main__":
    main()
