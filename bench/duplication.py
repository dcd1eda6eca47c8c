"""Benchmark duplicate-code detection: orchex_ls.analysis.clones vs pylint's symilar.

Both run on the same tree, each in a fresh child process so that its peak RSS is its
own (``os.wait4``).  Ours reads and parses every file (timed apart: the analyzer
parses once for all its checks), fingerprints it and drops the tree, with the cyclic
garbage collector paused as in the analyzer's workers, then runs the project-wide
phase.  symilar gets exactly the files that parsed, with
``--ignore-comments --ignore-docstrings --ignore-imports`` and a minimum of
6 lines, like ours (ours also needs 50 tokens).

    python bench/duplication.py                 # the running Python's stdlib
    python bench/duplication.py PATH --json     # any tree, machine-readable
    python bench/duplication.py --symilar-without-imports-flag   # a third column
"""

from __future__ import annotations

import argparse
import ast
import gc
import io
import json
import re
import sys
import sysconfig
import time
import tokenize
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, measure, python_files  # noqa: E402

# -d 6: the same minimum size as ours (6 lines), so both look for the same clones.
SYMILAR_FLAGS = ["--ignore-comments", "--ignore-docstrings", "--ignore-imports", "-d", "6"]


def ours(root: Path, min_lines: int, min_tokens: int) -> None:
    """Child: time read+parse, fingerprint and find; print JSON."""
    sys.path.insert(0, str(REPO))
    from orchex_ls.analysis.clones import find_clones, fingerprint

    clock = time.process_time  # CPU seconds: steady on a shared machine
    read_parse = fingerprinting = 0.0
    fingerprints, skipped, lines = {}, [], 0
    gc.disable()  # as the analyzer's workers do while they parse (acyclic trees)
    for path in python_files(root):
        start = clock()
        try:
            data = (root / path).read_bytes()
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            source = data.decode(encoding)
            tree = ast.parse(source)
        except (SyntaxError, UnicodeDecodeError, ValueError):
            skipped.append(path)
            continue
        parsed = clock()
        fingerprints[path] = fingerprint(source, tree)
        done = clock()
        read_parse += parsed - start
        fingerprinting += done - parsed
        lines += source.count("\n")
        del tree
    gc.enable()
    start = clock()
    groups = find_clones(fingerprints, min_lines=min_lines, min_tokens=min_tokens)
    finding = clock() - start
    print(
        json.dumps(
            {
                "files": sorted(fingerprints),
                "skipped": skipped,
                "lines": lines,
                "read_parse_s": read_parse,
                "fingerprint_s": fingerprinting,
                "find_s": finding,
                "groups": len(groups),
                "type1_groups": sum(g.kind == "type-1" for g in groups),
            }
        )
    )


def symilar(files: list[str], root: Path, flags: list[str]) -> dict:
    """Time pylint's symilar on ``files`` with ``flags`` (the last two: ``-d N``)."""
    cmd = [sys.executable, "-m", "pylint.checkers.symilar", *flags, *files]
    out, wall, cpu, rss = measure(cmd, root)
    return {
        "settings": f">= {flags[-1]} lines, " + " ".join(flags[:-2]) + ", exact lines",
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mb": rss,
        "groups": len(re.findall(r"^\d+ similar lines in \d+ files$", out, re.M)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    stdlib = sysconfig.get_paths()["stdlib"]
    parser.add_argument("path", nargs="?", default=stdlib, help="tree to scan (default: stdlib)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--min-lines", type=int, default=6)
    parser.add_argument("--min-tokens", type=int, default=50)
    parser.add_argument("--no-symilar", action="store_true", help="time ours only")
    parser.add_argument(
        "--symilar-without-imports-flag",
        action="store_true",
        help="also time symilar without --ignore-imports (the flag makes it parse with astroid)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    root = Path(args.path).resolve()
    if args.child:
        ours(root, args.min_lines, args.min_tokens)
        return

    limits = ["--min-lines", str(args.min_lines), "--min-tokens", str(args.min_tokens)]
    child = [sys.executable, __file__, str(root), "--child", *limits]
    out, wall, cpu, rss = measure(child, REPO)
    result = json.loads(out)
    files = result.pop("files")
    report = {
        "tree": str(root),
        "files": len(files),
        "skipped": result.pop("skipped"),
        "lines": result.pop("lines"),
        "orchex": {
            "settings": f">= {args.min_lines} code lines and >= {args.min_tokens} tokens, "
            "type-1 + type-2, imports and docstrings ignored",
            **result,
            "analysis_s": result["fingerprint_s"] + result["find_s"],
            "wall_s": wall,
            "cpu_s": cpu,
            "peak_rss_mb": rss,
        },
    }
    if not args.no_symilar:
        report["symilar"] = symilar(files, root, SYMILAR_FLAGS)
        if args.symilar_without_imports_flag:
            flags = [f for f in SYMILAR_FLAGS if f != "--ignore-imports"]
            report["symilar_no_ignore_imports"] = symilar(files, root, flags)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)


def print_table(report: dict) -> None:
    """The report as a Markdown table, and the ratios."""
    o = report["orchex"]
    others = [report[k] for k in ("symilar", "symilar_no_ignore_imports") if k in report]
    print(
        f"tree: {report['tree']}: {report['files']:,} files, {report['lines']:,} lines "
        f"({len(report['skipped'])} unparsable, left out of all runs)"
    )
    rows = [
        ("settings", o["settings"], [s["settings"] for s in others]),
        ("read + parse, CPU s", f"{o['read_parse_s']:.2f}", ["(in its run)"] * len(others)),
        ("fingerprint, CPU s", f"{o['fingerprint_s']:.2f}", [""] * len(others)),
        ("find, CPU s", f"{o['find_s']:.2f}", [""] * len(others)),
        ("fingerprint + find, CPU s", f"{o['analysis_s']:.2f}", [""] * len(others)),
        ("whole run, CPU s", f"{o['cpu_s']:.2f}", [f"{s['cpu_s']:.2f}" for s in others]),
        ("whole run, wall s", f"{o['wall_s']:.2f}", [f"{s['wall_s']:.2f}" for s in others]),
        ("peak RSS, MB", f"{o['peak_rss_mb']:.0f}", [f"{s['peak_rss_mb']:.0f}" for s in others]),
        ("clone groups", f"{o['groups']:,} ({o['type1_groups']:,} type-1)",
         [f"{s['groups']:,}" for s in others]),
    ]
    heads = ["orchex clones", "pylint symilar", "symilar, no --ignore-imports"][: 1 + len(others)]
    print("| | " + " | ".join(heads) + " |")
    print("|---" * (len(heads) + 1) + "|")
    for name, mine, theirs in rows:
        print("| " + " | ".join([name, mine, *(t or "-" for t in theirs)]) + " |")
    for s in others:
        print(
            f"{s['settings'].split(', ', 1)[1].rsplit(',', 1)[0]}: symilar takes "
            f"{s['cpu_s'] / o['cpu_s']:.1f}x the CPU time of our whole run, "
            f"{s['cpu_s'] / o['analysis_s']:.1f}x that of our fingerprint + find, "
            f"and {s['peak_rss_mb'] / o['peak_rss_mb']:.1f}x the memory"
        )


if __name__ == "__main__":
    main()
