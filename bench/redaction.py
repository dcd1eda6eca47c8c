"""Benchmark secret detection for redaction (not a test): orchex's own detector against
detect-secrets, on real code.

(a) stdlib modules of about 100, 1,000 and 5,000 lines, each with 12 secrets of 12 kinds
    planted at top-level statement boundaries: milliseconds per file (median of repeats) and
    planted secrets found. A secret counts as found only if what the detector reports covers
    all of it (redacting a part, e.g. ``ghp`` of a GitHub token, still leaks the rest);
(b) false positives: findings on unmodified stdlib modules (tests excluded), every
    ``--stride``-th module (``--stride 1``: all of them).

detect-secrets runs as its ``scan_file`` does (``_process_line_based_plugins`` over the lines,
default plugins and filters), minus the file reading.

    python bench/redaction.py              # needs: pip install detect-secrets
    python bench/redaction.py --json
    python bench/redaction.py --stride 1   # false positives over the whole stdlib
"""

from __future__ import annotations

import argparse
import ast
import base64
import json
import random
import statistics
import string
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import python_files, stdlib  # noqa: E402

from orchex_ls.governance.detectors import find_secrets  # noqa: E402
from orchex_ls.governance.redact import redact, restore  # noqa: E402

SIZES = (100, 1000, 5000)
B64 = string.ascii_letters + string.digits + "+/"
ALNUM = string.ascii_letters + string.digits


def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def planted_secrets(rng: random.Random) -> list[tuple[str, str, str]]:
    """(kind, secret, line of code holding it) for one file; neutral names where the kind is
    recognisable by its shape, so that only the detector's own rule finds it."""
    aws = "AKIA" + _rand(rng, string.ascii_uppercase + string.digits, 16)
    gh = "ghp_" + _rand(rng, ALNUM, 36)
    slack = "xoxb-" + "-".join(_rand(rng, string.digits, 12) for _ in range(2)) + "-" + _rand(rng, ALNUM, 24)
    stripe = "sk_live_" + _rand(rng, ALNUM, 24)
    openai = "sk-proj-" + _rand(rng, ALNUM, 40) + "T3BlbkFJ" + _rand(rng, ALNUM, 40)  # as issued
    anthropic = "sk-ant-api03-" + _rand(rng, ALNUM + "-_", 93) + "AA"
    google = "AIza" + _rand(rng, ALNUM + "-_", 35)
    claims = json.dumps({"sub": _rand(rng, string.digits, 10), "name": "Ada", "iat": rng.randrange(10**9, 2 * 10**9)})
    jwt = ".".join([_b64url('{"alg":"HS256","typ":"JWT"}'), _b64url(claims), _rand(rng, ALNUM + "-_", 43)])
    body = "\\n".join(_rand(rng, B64, 64) for _ in range(4))
    pem = f"-----BEGIN RSA PRIVATE KEY-----\\n{body}\\n-----END RSA PRIVATE KEY-----"
    password = "Tr0ub4dor&" + _rand(rng, ALNUM, 6)
    url_pw = "pw" + _rand(rng, ALNUM, 10)
    entropy = _rand(rng, B64, 37) + rng.choice(string.digits) + rng.choice(string.ascii_uppercase) + "x"
    return [
        ("aws-access-key", aws, f"CLOUD_ID = {aws!r}"),
        ("github-token", gh, f"ci_settings = {{'token_for_ci': {gh!r}}}"),
        ("slack-token", slack, f"NOTIFY = ({slack!r}, '#builds')"),
        ("stripe-key", stripe, f"billing_client = connect({stripe!r})"),
        ("openai-key", openai, f"LLM = dict(model='gpt', k={openai!r})"),
        ("anthropic-key", anthropic, f"other_llm = [{anthropic!r}]"),
        ("google-api-key", google, f"MAPS = 'https://maps.example.com/api?k={google}'"),
        ("jwt", jwt, f"HEADERS = {{'Authorization': 'Bearer {jwt}'}}"),
        ("private-key", pem.replace("\\n", "\n"), f'SIGNER = "{pem}"'),
        ("password", password, f"db_password = {password!r}"),
        ("url-password", url_pw, f"DSN = 'postgresql://admin:{url_pw}@db.internal:5432/app'"),
        ("high-entropy", entropy, f"SIGNATURE_SEED = {entropy!r}"),
    ]


def plant(source: str, rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
    """``source`` with the secrets inserted before random top-level statements."""
    lines = source.splitlines(keepends=True)
    starts = sorted({min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))]) - 1
                     for node in ast.parse(source).body})
    secrets = planted_secrets(rng)
    chosen = sorted(rng.sample(starts, min(len(secrets), len(starts))) if len(starts) >= len(secrets)
                    else [rng.choice(starts) for _ in secrets])
    planted = []
    for offset, (at, (kind, secret, line)) in enumerate(zip(chosen, secrets)):
        lines.insert(at + offset, line + "\n")
        planted.append((kind, secret))
    return "".join(lines), planted


# -- the two detectors -------------------------------------------------------------------------


def orchex_values(text: str) -> list[str]:
    return [text[s:e] for s, e, _ in find_secrets(text)]


class DetectSecrets:
    def __init__(self) -> None:
        from detect_secrets.core.scan import _process_line_based_plugins
        from detect_secrets.settings import default_settings

        self._scan = _process_line_based_plugins
        self._settings = default_settings()
        self._settings.__enter__()
        import detect_secrets

        self.version = getattr(detect_secrets, "__version__", None) or _version("detect-secrets")

    def values(self, text: str) -> list[str]:
        lines = list(enumerate(text.splitlines(keepends=True), start=1))
        return [s.secret_value or "" for s in self._scan(lines, filename="module.py")]


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def _coverage(secret: str, values: list[str]) -> float:
    """Share of ``secret``'s characters inside reported values (1.0: a value holds it all)."""
    if any(secret in v for v in values):
        return 1.0
    covered = [False] * len(secret)
    for v in values:
        if len(v) >= 4:
            at = secret.find(v)
            while at != -1:
                covered[at:at + len(v)] = [True] * len(v)
                at = secret.find(v, at + 1)
    return sum(covered) / len(secret)


def missed(planted: list[tuple[str, str]], values: list[str], redacted: str | None) -> list[str]:
    """``kind`` of each planted secret left whole, ``kind (partly)`` of each partly hidden:
    judged on the redacted text (ours: which 8-character pieces of it are still there), or on
    the reported values (detect-secrets reports values only: a secret counts as hidden if the
    values cover all its characters)."""
    out = []
    for kind, secret in planted:
        escaped = secret.replace("\n", "\\n")  # planted inside one-line literals
        if redacted is not None:
            pieces = [escaped[i:i + 8] for i in range(0, len(escaped) - 7, 8)]
            share = 1 - sum(p in redacted for p in pieces) / len(pieces)
        else:
            share = _coverage(escaped, values)
        if share < 1:
            out.append(kind if share == 0 else f"{kind} (partly)")
    return out


# -- inputs ------------------------------------------------------------------------------------


def stdlib_modules() -> list[tuple[str, str]]:
    root = stdlib()
    out = []
    for rel in python_files(root):
        if "test" in rel or rel.startswith(("idlelib/", "lib2to3/", "turtledemo/", "ensurepip/")):
            continue
        try:
            text = (root / rel).read_text(encoding="utf-8")
            ast.parse(text)
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            continue
        out.append((rel, text))
    return out


def closest(modules: list[tuple[str, str]], size: int, count: int) -> list[tuple[str, str]]:
    ranked = sorted(modules, key=lambda m: (abs(m[1].count("\n") - size), m[0]))
    return [m for m in ranked if len(ast.parse(m[1]).body) >= 12][:count]


def time_ms(fn, text: str, repeats: int) -> tuple[float, float]:
    """Median CPU and wall milliseconds of ``fn(text)``. CPU time is the figure to compare on
    a shared machine: wall time there includes waiting for a core."""
    cpu, wall = [], []
    for _ in range(repeats):
        start_cpu, start = time.process_time(), time.perf_counter()
        fn(text)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return statistics.median(cpu), statistics.median(wall)


def run(args: argparse.Namespace) -> dict:
    rng = random.Random(args.seed)
    modules = stdlib_modules()
    detectors = {"orchex": orchex_values}
    ds = None
    try:
        ds = DetectSecrets()
        detectors["detect-secrets"] = ds.values
    except ImportError:
        print("detect-secrets is not installed: measuring orchex only (pip install detect-secrets)", file=sys.stderr)
    results: dict = {"sizes": [], "false_positives": {}, "detect_secrets_version": ds.version if ds else None}
    for size in SIZES:
        files = closest(modules, size, args.files)
        row: dict = {"target_lines": size, "files": [rel for rel, _ in files],
                     "lines": round(statistics.mean(t.count("\n") for _, t in files))}
        for name, fn in detectors.items():
            cpu, wall, whole, misses, total = [], [], [], Counter(), 0
            for _, text in files:
                planted_text, planted = plant(text, rng)
                cpu_ms, wall_ms = time_ms(fn, planted_text, args.repeats)
                cpu.append(cpu_ms)
                wall.append(wall_ms)
                if name == "orchex":  # detection plus placeholders: what a request pays
                    whole.append(time_ms(redact, planted_text, args.repeats)[0])
                redacted = redact(planted_text) if name == "orchex" else None
                if redacted is not None:
                    assert restore(redacted.text, redacted) == planted_text, "restore is not exact"
                misses.update(missed(planted, fn(planted_text), redacted.text if redacted else None))
                total += len(planted)
            row[name] = {"cpu_ms_per_file": round(statistics.mean(cpu), 2), "wall_ms_per_file": round(statistics.mean(wall), 2),
                         "found": total - sum(misses.values()), "planted": total,
                         "missed": dict(sorted(misses.items()))}
            if whole:
                row[name]["redact_cpu_ms_per_file"] = round(statistics.mean(whole), 2)
        results["sizes"].append(row)
    sample = modules[:: args.stride]
    lines = sum(t.count("\n") for _, t in sample)
    for name, fn in detectors.items():
        start = time.process_time()
        kinds: Counter[str] = Counter()
        examples: list[str] = []
        count = 0
        for rel, text in sample:
            if name == "orchex":
                found_here = find_secrets(text)
                kinds.update(k for _, _, k in found_here)
                values = [f"{k}: {text[s:e]}" for s, e, k in found_here]
            else:
                values = fn(text)
            count += len(values)
            examples += [f"{rel}: {v[:60]}" for v in values]
        results["false_positives"][name] = {
            "modules": len(sample), "lines": lines, "findings": count, "kinds": dict(kinds) or None,
            "examples": examples[:20],
            "cpu_seconds": round(time.process_time() - start, 2),
        }
    return results


def print_table(results: dict) -> None:
    names = [n for n in ("orchex", "detect-secrets") if n in results["sizes"][0]]
    print("secret detection for redaction: CPU ms per file (median of repeats; wall in brackets), "
          "planted secrets found")
    print(f"{'lines':>6}  " + "  ".join(f"{n + ' ms':>24} {'found':>6}" for n in names))
    for row in results["sizes"]:
        cells = []
        for n in names:
            r = row[n]
            timing = f"{r['cpu_ms_per_file']:.1f} ({r['wall_ms_per_file']:.1f})"
            cells.append(f"{timing:>24} {str(r['found']) + '/' + str(r['planted']):>6}")
        print(f"{row['lines']:>6}  " + "  ".join(cells))
    print("  orchex redact() (detection + placeholders), CPU ms: "
          + ", ".join(f"{row['lines']} lines {row['orchex']['redact_cpu_ms_per_file']:.1f}" for row in results["sizes"]))
    for n in names:
        missed_kinds = Counter()
        for row in results["sizes"]:
            missed_kinds.update(row[n]["missed"])
        print(f"  {n} missed: {dict(sorted(missed_kinds.items())) or 'nothing'}")
    print("\nfalse positives on unmodified stdlib modules (tests excluded)")
    for n in names:
        fp = results["false_positives"][n]
        kinds = f"  {fp['kinds']}" if fp.get("kinds") else ""
        print(f"  {n:<15} {fp['findings']:>5} findings in {fp['modules']} modules ({fp['lines']} lines), "
              f"{fp['cpu_seconds']:.1f} s CPU{kinds}")
        for example in fp["examples"][:8]:
            print(f"      {example}")
    if results.get("detect_secrets_version"):
        print(f"\ndetect-secrets {results['detect_secrets_version']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--files", type=int, default=3, help="modules per size")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--stride", type=int, default=5, help="false positives: every n-th stdlib module")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    results = run(args)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results)


if __name__ == "__main__":
    main()
