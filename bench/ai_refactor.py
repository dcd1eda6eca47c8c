"""Benchmark the AI-refactoring pipeline apart from the model (not a test).

For a method of about 20, 100 and 400 lines in a synthetic project (a 30-module package,
three modules calling the method), each step's time, p50/p99 over ``--runs`` rounds, warm:

- ``build_request``: target, class header, imports, analysis, and call sites with jedi;
  ``call sites`` is that search alone (its share of ``build_request``);
- ``render_messages``;
- ``validate`` of the original code answered back (dedented, as models answer; refused
  early as unchanged), and of a simplified version (accepted: every check, metrics, edit);
- ``pipeline``: build + render + extract_code + validate of the simplified answer.

The first ``build_request`` of the process (jedi cold) is reported apart.

    python bench/ai_refactor.py              # a table
    python bench/ai_refactor.py --json       # machine-readable
    python bench/ai_refactor.py --runs 200   # steadier percentiles
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchex_ls.assist import (  # noqa: E402
    InvalidAnswer,
    RefactorRequest,
    ValidAnswer,
    build_request,
    extract_code,
    render_messages,
    validate,
)
from orchex_ls.assist.callsites import Needle, find_call_sites  # noqa: E402
from orchex_ls.refactor.models import Selection  # noqa: E402

SIZES = (20, 100, 400)
BLOCK_LINES = 5


def block(i: int, simple: bool) -> str:
    if simple:
        return (f'            if options.get("k{i}"):\n'
                f"                total += value * {i} if value > {i} else -{i}\n")
    return (f'            if options.get("k{i}"):\n'
            f"                if value > {i}:\n"
            f"                    total += value * {i}\n"
            f"                else:\n"
            f"                    total -= {i}\n")


def method(lines: int, simple: bool = False) -> str:
    blocks = max(1, (lines - 8) // BLOCK_LINES)
    body = "".join(block(i, simple) for i in range(blocks))
    return (
        f"    def render_{lines}(self, rows, options=None):\n"
        f'        """Sum the rows the options select."""\n'
        f"        options = options or {{}}\n"
        f"        total = 0\n"
        f"        for value in rows:\n"
        f"            if value is None:\n"
        f"                continue\n"
        f"{body}"
        f"        return total\n"
    )


MODULE_HEAD = '''\
"""Reports."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


@dataclass
class Report:
    """A report over rows."""

    title: str = ""
    tags: list = field(default_factory=list)

    def header(self):
        return f"# {self.title}"

'''

MODULE_TAIL = '''
    def footer(self):
        return os.linesep.join(self.tags)


def group(rows):
    out = defaultdict(list)
    for row in rows:
        out[row["kind"]].append(row)
    return out
'''

FILLER = '''\
"""Module {i}."""

import math


def area_{i}(radius):
    return math.pi * radius ** 2


def scale_{i}(values, factor):
    out = []
    for value in values:
        if value > 0:
            out.append(value * factor)
    return out


class Shape{i}:
    def __init__(self, size):
        self.size = size

    def grow(self, by):
        self.size += by
        return self.size
'''

CALLER = '''\
from pkg.report import Report


def summary_{i}(rows):
    report = Report(title="summary {i}")
    return report.render_{n}(rows, {{"k1": True}})
'''


def make_project(root: Path) -> dict[int, tuple[Path, str]]:
    pkg = root / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for i in range(30):
        (pkg / f"mod{i:02d}.py").write_text(FILLER.format(i=i))
    out = {}
    for n in SIZES:
        sub = root / f"pkg{n}"
        sub.mkdir()
        (sub / "__init__.py").write_text("")
        source = MODULE_HEAD + method(n) + MODULE_TAIL
        path = sub / "report.py"
        path.write_text(source)
        for i in range(3):
            (sub / f"use{i}.py").write_text(CALLER.format(i=i, n=n).replace("pkg.report", f"pkg{n}.report"))
        out[n] = (path, source)
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def timed(fn, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each run. CPU is the process's (the call-site search runs in a
    thread): what to compare on a busy machine."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return wall, cpu


def bench_size(n: int, path: Path, source: str, root: Path, runs: int) -> dict:
    line = source.splitlines().index("        for value in rows:")
    selection = Selection.cursor(line, 8)

    def build() -> RefactorRequest:
        req = build_request(source, str(path), selection, None, project_root=root, call_site_budget_ms=2000)
        assert isinstance(req, RefactorRequest), req
        return req

    request = build()
    code_lines = request.target.end_line - request.target.start_line
    echo = textwrap.dedent(request.target.code)
    simple = textwrap.dedent(method(n, simple=True))
    answer = f"Here it is:\n\n```python\n{simple}```\n"
    checked = validate(request, source, simple)
    if not isinstance(checked, ValidAnswer):
        sys.exit(f"the simplified {n}-line method was refused: {checked.reason}")
    if not isinstance(validate(request, source, echo), InvalidAnswer):
        sys.exit("the echoed code was not refused as unchanged")
    needle = Needle(f"render_{n}", request.target.start_line + 1, 8, f"Report.render_{n}", ("Report",))

    def pipeline():
        req = build()
        render_messages(req)
        code = extract_code(answer)
        return validate(req, source, code)

    steps = {
        "build_request": timed(build, runs),
        "call sites": timed(lambda: find_call_sites(source, str(path), [needle], root, budget_ms=2000), runs),
        "render_messages": timed(lambda: render_messages(request), runs),
        "validate (echo)": timed(lambda: validate(request, source, echo), runs),
        "validate (simplified)": timed(lambda: validate(request, source, simple), runs),
        "pipeline": timed(pipeline, runs),
    }
    return {
        "lines": code_lines,
        "file_lines": source.count("\n"),
        "call_sites": len(request.call_sites),
        "call_sites_note": request.call_sites_note,
        "metrics": [m.model_dump() for m in checked.metrics],
        "steps": {
            k: {"p50_ms": round(pct(wall, 0.5), 2), "p99_ms": round(pct(wall, 0.99), 2),
                "cpu_p50_ms": round(pct(cpu, 0.5), 2), "cpu_p99_ms": round(pct(cpu, 0.99), 2)}
            for k, (wall, cpu) in steps.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = make_project(root)
        path, source = files[SIZES[0]]
        start = time.perf_counter()
        build_request(source, str(path), Selection.cursor(source.splitlines().index("        for value in rows:"), 8),
                      None, project_root=root, call_site_budget_ms=10_000)
        cold_ms = (time.perf_counter() - start) * 1000
        report = {"runs": args.runs, "cold_build_request_ms": round(cold_ms, 1),
                  "sizes": {n: bench_size(n, *files[n], root, args.runs) for n in SIZES}}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"AI refactoring pipeline without the model, over {args.runs} runs: wall p50 / p99 ms, then CPU p50 / p99 ms "
          f"(first build_request of the process, jedi cold: {report['cold_build_request_ms']:.0f} ms wall)")
    sizes = report["sizes"]
    head = f"{'step':<22}" + "".join(f"{str(sizes[n]['lines']) + ' lines (wall | CPU)':>34}" for n in SIZES)
    print(head)
    for step in sizes[SIZES[0]]["steps"]:
        cells = ""
        for n in SIZES:
            v = sizes[n]["steps"][step]
            cells += f"{v['p50_ms']:>8.1f} /{v['p99_ms']:>6.0f} | {v['cpu_p50_ms']:>7.1f} /{v['cpu_p99_ms']:>6.0f}"
        print(f"{step:<22}{cells}")
    for n in SIZES:
        s = sizes[n]
        change = s["metrics"][0]
        print(f"{s['lines']}-line method in a {s['file_lines']}-line file: {s['call_sites']} call sites "
              f"({s['call_sites_note'] or 'all found'}); simplified: cognitive {change['cognitive'][0]} → "
              f"{change['cognitive'][1]}, nesting {change['nesting'][0]} → {change['nesting'][1]}")


if __name__ == "__main__":
    main()
