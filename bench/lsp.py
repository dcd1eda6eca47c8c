"""Benchmark the language server over stdio, side by side with python-lsp-server (mccabe).

Measures, each against a fresh server process:
- process start → `initialize` reply (median of several starts);
- `didOpen` → diagnostics and `didChange` → diagnostics (orchex with debounce 0) p50/p99,
  on the stdlib modules closest to 100, 1,000 and 5,000 lines (real code);
- the server's RSS after indexing a workspace (default: the stdlib).
python-lsp-server lints through a fixed 500 ms debounce (`LINT_DEBOUNCE_S`), which its
latencies include; the table also shows them less that 500 ms.

    python bench/lsp.py                   # all of it
    python bench/lsp.py --json
    python bench/lsp.py --skip-index      # no stdlib indexing (faster)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCResponseMessage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import stdlib  # noqa: E402

PYLSP_DEBOUNCE_S = 0.5
SIZES = (100, 1_000, 5_000)

def real_file(lines: int) -> Path:
    """The stdlib module (top level, not a test) whose length is closest to ``lines``:
    real code, with its docstrings and comments, rather than a synthetic file."""
    candidates = []
    for path in sorted(stdlib().glob("*.py")):
        try:
            count = path.read_bytes().count(b"\n")
        except OSError:
            continue
        candidates.append((abs(count - lines), path.name, path))
    return min(candidates)[2]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class _LenientProtocol(LanguageServerProtocol):
    """pylsp's initialize result does not fit lsprotocol's types (its notebook options);
    a bench only needs the timing, so an undecodable response is taken as raw JSON."""

    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except Exception:  # noqa: BLE001
            if "id" in data and "result" in data:
                return JsonRPCResponseMessage(id=data["id"], jsonrpc=data.get("jsonrpc", "2.0"), result=data["result"])
            raise


class Client(LanguageClient):
    def __init__(self) -> None:
        super().__init__("orchex-bench", "1", protocol_cls=_LenientProtocol)
        self.published: dict[str, asyncio.Queue] = {}
        self.progress_done = asyncio.Event()

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published.setdefault(params.uri, asyncio.Queue()).put_nowait((time.perf_counter(), params))

        @self.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def on_create(params) -> None:
            return None

        @self.feature(types.PROGRESS)
        def on_progress(params: types.ProgressParams) -> None:
            value = params.value if isinstance(params.value, dict) else {}
            if value.get("kind") == "end":
                self.progress_done.set()

        @self.feature(types.WORKSPACE_CONFIGURATION)
        def on_configuration(params) -> list:
            return [None for _ in params.items]


CAPABILITIES = types.ClientCapabilities(
    window=types.WindowClientCapabilities(work_done_progress=True),
    text_document=types.TextDocumentClientCapabilities(
        publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True)
    ),
)


async def start(command: list[str], root: Path, settings: dict | None) -> tuple[Client, float]:
    client = Client()
    begin = time.perf_counter()
    await client.start_io(*command)
    await client.initialize_async(types.InitializeParams(
        process_id=os.getpid(), root_uri=root.as_uri(), capabilities=CAPABILITIES,
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        initialization_options={"settings": settings} if settings is not None else None,
    ))
    elapsed = time.perf_counter() - begin
    client.initialized(types.InitializedParams())
    return client, elapsed


async def stop(client: Client) -> None:
    try:
        await asyncio.wait_for(client.shutdown_async(None), 10)
        client.exit(None)
    except Exception:  # noqa: BLE001 - measuring, not testing
        pass
    await client.stop()


async def next_diagnostics(client: Client, uri: str, version: int | None, since: float) -> float:
    queue = client.published.setdefault(uri, asyncio.Queue())
    while True:
        stamp, params = await asyncio.wait_for(queue.get(), 30)
        # Diagnostics published before the edit (e.g. from indexing) don't answer it.
        if stamp >= since and (version is None or params.version in (None, version)):
            return stamp - since


async def latencies(command: list[str], root: Path, settings: dict | None, lines: int, changes: int) -> dict:
    original = real_file(lines)
    path = root / original.name
    text = original.read_text(encoding="utf-8")
    path.write_text(text)
    uri = path.as_uri()
    client, _ = await start(command, root, settings)
    try:
        await asyncio.sleep(1.0)  # let start-up work (indexing a tiny folder) settle
        began = time.perf_counter()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
        open_s = await next_diagnostics(client, uri, 1, began)
        samples = []
        for version in range(2, changes + 2):
            text = text + f"# edit {version}\n"
            began = time.perf_counter()
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            ))
            samples.append(await next_diagnostics(client, uri, version, began))
    finally:
        await stop(client)
        path.unlink(missing_ok=True)
    ms = [s * 1000 for s in samples]
    return {"lines": text.count("\n"), "file": original.name, "open_ms": open_s * 1000, "change_p50_ms": percentile(ms, 0.5),
            "change_p99_ms": percentile(ms, 0.99), "changes": len(ms)}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def index_rss(command: list[str], root: Path) -> dict:
    client, _ = await start(command, root, {"debounce-ms": 0})
    began = time.perf_counter()
    try:
        await asyncio.wait_for(client.progress_done.wait(), 600)
        seconds = time.perf_counter() - began
        pid = client._server.pid  # type: ignore[attr-defined]
        return {"root": str(root), "index_s": seconds, "rss_mb": rss_mb(pid)}
    finally:
        await stop(client)


async def startup(command: list[str], root: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        client, elapsed = await start(command, root, None)
        times.append(elapsed)
        await stop(client)
    return statistics.median(times)


async def run(args) -> dict:
    import tempfile

    orchex = [sys.executable, "-m", "orchex_ls"]
    pylsp = [sys.executable, "-m", "pylsp"]
    report: dict = {"python": sys.version.split()[0], "cores": os.cpu_count(), "servers": {}}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, command, settings in (
            ("orchex", orchex, {"debounce-ms": 0}),
            ("pylsp+mccabe", pylsp, None),
        ):
            if name.startswith("pylsp") and args.skip_pylsp:
                continue
            entry: dict = {"initialize_s": await startup(command, root, args.starts)}
            entry["files"] = [await latencies(command, root, settings, n, args.changes) for n in SIZES]
            report["servers"][name] = entry
    if not args.skip_index:
        report["index"] = await index_rss(orchex, args.workspace)
    return report


def print_table(report: dict) -> None:
    print(f"Python {report['python']}, {report['cores']} cores")
    print(f"{'server':<14} {'init s':>7} {'file':<16} {'lines':>6} {'open ms':>8} {'change p50':>11} {'change p99':>11}")
    for name, entry in report["servers"].items():
        for i, f in enumerate(entry["files"]):
            init = f"{entry['initialize_s']:.2f}" if i == 0 else ""
            print(f"{name if i == 0 else '':<14} {init:>7} {f['file']:<16} {f['lines']:>6} {f['open_ms']:>8.1f} "
                  f"{f['change_p50_ms']:>11.1f} {f['change_p99_ms']:>11.1f}")
    if "pylsp+mccabe" in report["servers"]:
        print(f"(pylsp's figures include its fixed {PYLSP_DEBOUNCE_S * 1000:.0f} ms lint debounce)")
    if "index" in report:
        i = report["index"]
        print(f"orchex indexed {i['root']} in {i['index_s']:.1f} s; server RSS after indexing {i['rss_mb']:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--changes", type=int, default=60, help="didChange samples per file size")
    parser.add_argument("--starts", type=int, default=5, help="server starts for the initialize median")
    parser.add_argument("--workspace", type=Path, default=stdlib(), help="folder to index for the RSS figure")
    parser.add_argument("--skip-index", action="store_true")
    parser.add_argument("--skip-pylsp", action="store_true")
    args = parser.parse_args(argv)
    report = asyncio.run(run(args))
    print(json.dumps(report, indent=2) if args.json else "", end="")
    if not args.json:
        print_table(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
