"""Benchmark the orchestrator: routing speed, a faulty workload end to end, and litellm.Router.

(a) routing decision p50/p99 with 5, 50 and 500 agents (``Orchestrator.route``, in process);
(b) 1,000 tasks at concurrency 50 through the fake provider (50 ms per answer), with 30 % of
    the calls failing in mixed ways (500, 503, 429 + Retry-After, reset, malformed JSON,
    answers past the timeout, answers the validator rejects): succeeded, escalated, lost,
    throughput; and the orchestrator's overhead per call on top of a bare
    ``litellm.acompletion`` to the same server (sequential, server answering at once, so its
    own time is as small and steady as it gets; checkpoints to an on-disk database included);
(c) the same workload, in the same run, through ``litellm.Router`` with equivalent retries,
    fallbacks and cooldowns. The Router cannot validate answers: an answer the validator
    rejects counts as escalated for it, as it would reach the user broken.

    python bench/orchestrator.py                 # a table
    python bench/orchestrator.py --json          # machine-readable
    python bench/orchestrator.py --tasks 300     # a quicker run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO  # noqa: E402

sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
import fake_provider  # noqa: E402

from orchex_ls.config import validate_config  # noqa: E402
from orchex_ls.orchestrator.models import Task  # noqa: E402
from orchex_ls.orchestrator.orchestrator import Orchestrator  # noqa: E402
from orchex_ls.orchestrator.providers import CompletionRequest, LiteLLMProvider, load_litellm  # noqa: E402
from orchex_ls.orchestrator.validators import one_python_block  # noqa: E402

# The fake provider writes headers and body in two sends; with Nagle's algorithm on, each
# keep-alive answer then waits ~40 ms for the client's delayed ACK. A real provider does not.
fake_provider._Handler.disable_nagle_algorithm = True

GOOD = "```python\ndef f(x):\n    return x + 1\n```"
# 30 % of calls fail: (fault, share of all calls).
FAULTS = [
    ("500", 0.06), ("503", 0.05), ("429:retry-after-ms=50", 0.05), ("reset", 0.04), ("malformed", 0.03),
    ("slow:delay=1.0", 0.02), ("ok:text=Sure! Here is the code: def f(x) return x+1", 0.05),
]
MODELS = ("tier1", "tier2", "tier3")
TIMEOUT_S = 0.5
RETRIES = 1
BACKOFF_MS = (10, 100)
CIRCUIT = (50, 10.0, 1.0)  # failures, window s, cooldown s (Router: allowed_fails, cooldown_time)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def script(server: fake_provider.FakeProvider, seed: int, calls: int) -> None:
    """The same pseudo-random fault sequence per model for each system under test (in the
    server's process)."""
    rng = random.Random(seed)
    for model in MODELS:
        steps = []
        for _ in range(calls):
            roll, fault = rng.random(), f"ok:text={GOOD}"
            for spec, share in FAULTS:
                if roll < share:
                    fault = spec
                    break
                roll -= share
            steps.append(fault)
        server.script(model, steps)
        server.default(model, f"ok:text={GOOD}")


class Server:
    """The fake provider in a child process. In this process its 50+ handler threads, each
    polling its socket every 5 ms, would take the GIL from the event loop under test (every
    SQLite or socket call releases it and waits up to the 5 ms switch interval to get it back):
    a cost no real provider puts on the client."""

    def __init__(self, latency_s: float) -> None:
        import subprocess

        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", str(latency_s)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.base_url = self._read()["base_url"]

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the fake provider's process ended")
        return json.loads(line)

    def ask(self, **command) -> dict:
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.stdin.close()
        self.proc.wait(30)


def serve(latency_s: float) -> int:
    """Child: run the fake provider, obey commands on stdin (one JSON object a line)."""
    with fake_provider.FakeProvider(latency_s=latency_s) as server:
        print(json.dumps({"base_url": server.base_url}), flush=True)
        for line in sys.stdin:
            command = json.loads(line)
            op = command.pop("op")
            if op == "script":
                script(server, **command)
            elif op == "reset":
                server.reset()
            elif op == "default":
                server.default("*", command["spec"])
            print(json.dumps({"requests": len(server.requests)}), flush=True)
    return 0


# -- (a) routing ------------------------------------------------------------------------------


def routing(sizes: tuple[int, ...]) -> list[dict]:
    rows = []
    for n in sizes:
        agents = [{
            "name": f"agent{i}", "model": f"openai/m{i}", "api-base": "http://127.0.0.1:9/v1", "tier": 1 + i % 3,
            "task-types": ["refactor", "explain"] if i % 4 else ["review"], "local": i % 5 == 0,
            "cost-per-1k-input": 0.001 * (1 + i % 7), "cost-per-1k-output": 0.002 * (1 + i % 5),
            "rpm": 600, "context-window": 8192 if i % 6 == 0 else 128000,
        } for i in range(n)]
        orch = Orchestrator(validate_config({"agents": agents}), state_dir=":memory:")
        rng = random.Random(n)
        for a in orch.agents:  # a history, so every part of the score has data
            stats = a.stats_for("refactor")
            for _ in range(20):
                stats.observe(rng.random() < 0.8, rng.uniform(200, 3000), 0.001, 500, 300)
        task = Task(task_type="refactor", prompt="Reduce the complexity of this function.", code="x = 1\n" * 40)
        for _ in range(200):
            orch.route(task)
        samples, cpu = [], []
        runs = 5000 if n <= 50 else 1000
        for _ in range(runs):
            start, cpu_start = time.perf_counter(), time.thread_time()
            decision = orch.route(task)
            cpu.append((time.thread_time() - cpu_start) * 1e3)
            samples.append((time.perf_counter() - start) * 1e3)
        rows.append({"agents": n, "eligible": len(decision.order), "p50_ms": pct(samples, 0.5), "p99_ms": pct(samples, 0.99),
                     "cpu_p50_ms": pct(cpu, 0.5), "cpu_p99_ms": pct(cpu, 0.99)})
        orch.store.close()
    return rows


# -- (b) the orchestrator under a faulty workload ---------------------------------------------


def orchestrator_config(base_url: str) -> dict:
    return {
        "agents": [{"name": m, "model": f"openai/{m}", "api-base": base_url, "tier": t, "timeout-s": TIMEOUT_S,
                    "max-concurrency": 64, "cost-per-1k-input": 0.001, "cost-per-1k-output": 0.002}
                   for t, m in enumerate(MODELS, 1)],
        "routing": {"retries-per-agent": RETRIES, "backoff-base-ms": BACKOFF_MS[0], "backoff-max-ms": BACKOFF_MS[1],
                    "max-attempts": 3 * (RETRIES + 1), "queue-max": 1000,
                    "circuit": {"failures": CIRCUIT[0], "window-s": CIRCUIT[1], "cooldown-s": CIRCUIT[2]}},
    }


async def drive(count: int, concurrency: int, one) -> tuple[list, float]:
    semaphore = asyncio.Semaphore(concurrency)

    async def guarded(i: int):
        async with semaphore:
            start = time.perf_counter()
            try:
                outcome = await one(i)
            except Exception as exc:  # noqa: BLE001 - counted, never lost
                outcome = exc
            return outcome, time.perf_counter() - start

    start = time.perf_counter()
    results = await asyncio.gather(*(guarded(i) for i in range(count)))
    return results, time.perf_counter() - start


async def workload_ours(server: Server, count: int, concurrency: int, state: Path) -> dict:
    orch = Orchestrator(validate_config(orchestrator_config(server.base_url)), state_dir=state)
    await orch.warm_up()

    async def one(i: int):
        return await orch.run(Task(task_type="refactor", prompt=f"Task {i}: make f shorter.", code="def f(x):\n    return x + 1\n"))

    results, wall = await drive(count, concurrency, one)
    counts = orch.store.counts()
    integrity = orch.store.integrity()
    await orch.aclose()
    statuses = [r.status if not isinstance(r, Exception) else "error" for r, _ in results]
    single = [(elapsed * 1e3 - r.attempts[0].latency_ms) for r, elapsed in results
              if not isinstance(r, Exception) and len(r.attempts) == 1 and r.status == "succeeded"]
    final = sum(v for k, v in counts.items() if k in ("succeeded", "escalated", "rejected", "cancelled", "failed"))
    return {
        "system": "orchex", "tasks": count, "succeeded": statuses.count("succeeded"),
        "escalated": statuses.count("escalated"), "other": len(statuses) - statuses.count("succeeded") - statuses.count("escalated"),
        "lost": count - final, "calls": server.ask(op="count")["requests"], "wall_s": wall, "throughput": count / wall,
        "task_p50_ms": pct([e * 1e3 for _, e in results], 0.5), "task_p99_ms": pct([e * 1e3 for _, e in results], 0.99),
        "overhead_under_load_p50_ms": pct(single, 0.5), "overhead_under_load_p99_ms": pct(single, 0.99),
        "db_integrity": integrity[0],
    }


async def workload_router(server: Server, count: int, concurrency: int) -> dict:
    litellm = load_litellm()
    model_list = [{"model_name": m, "litellm_params": {"model": f"openai/{m}", "api_base": server.base_url,
                                                       "api_key": "no-key", "timeout": TIMEOUT_S, "max_retries": 0}}
                  for m in MODELS]
    router = litellm.Router(
        model_list=model_list, num_retries=RETRIES, retry_after=BACKOFF_MS[0] / 1000, timeout=TIMEOUT_S,
        fallbacks=[{MODELS[0]: [MODELS[1], MODELS[2]]}], allowed_fails=CIRCUIT[0], cooldown_time=CIRCUIT[2],
        set_verbose=False,
    )
    messages = lambda i: [{"role": "system", "content": "You refactor Python code."},  # noqa: E731
                          {"role": "user", "content": f"Task {i}: make f shorter.\n\n```python\ndef f(x):\n    return x + 1\n```"}]

    async def one(i: int):
        response = await router.acompletion(model=MODELS[0], messages=messages(i))
        text = response.choices[0].message.content or ""
        return "succeeded" if one_python_block(text) is None else "invalid"

    results, wall = await drive(count, concurrency, one)
    statuses = [r if isinstance(r, str) else "escalated" for r, _ in results]
    return {
        "system": "litellm.Router", "tasks": count, "succeeded": statuses.count("succeeded"),
        "escalated": statuses.count("escalated") + statuses.count("invalid"),
        "invalid_delivered": statuses.count("invalid"), "other": 0, "lost": 0, "calls": server.ask(op="count")["requests"],
        "wall_s": wall, "throughput": count / wall,
        "task_p50_ms": pct([e * 1e3 for _, e in results], 0.5), "task_p99_ms": pct([e * 1e3 for _, e in results], 0.99),
    }


# -- overhead against a bare acompletion --------------------------------------------------------


async def overhead(calls: int, state: Path) -> dict:
    """Sequential calls, round robin: a bare ``litellm.acompletion``, the wire alone
    (``LiteLLMProvider.complete``), and ``Orchestrator.run`` with its database on disk and in
    memory. The overhead is the p50 (p99) of the per-round differences with the bare call,
    which a busy machine's drift hits alike; and the mean CPU per call of this process (the
    server runs in another)."""
    litellm = load_litellm()
    with Server(0.0) as server:
        server.ask(op="default", spec=f"ok:text={GOOD}")
        config = validate_config({"agents": [{"name": "a", "model": "openai/a", "api-base": server.base_url,
                                              "cost-per-1k-input": 0.001, "cost-per-1k-output": 0.002}]})
        disk = Orchestrator(config, state_dir=state)
        memory = Orchestrator(config, state_dir=":memory:")
        provider = LiteLLMProvider()
        code = "def f(x):\n    return x + 1\n"
        task = Task(task_type="refactor", prompt="make f shorter", code=code)
        from orchex_ls.orchestrator.prompts import build_messages

        messages = build_messages(task)

        async def bare() -> None:
            await litellm.acompletion(model="openai/a", messages=messages, api_base=server.base_url, api_key="no-key",
                                      max_retries=0, timeout=60)

        async def wire() -> None:
            await provider.complete(CompletionRequest(model="openai/a", messages=messages, api_base=server.base_url,
                                                      timeout_s=60, cost_per_1k_input=0.001, cost_per_1k_output=0.002))

        async def ours(orch: Orchestrator) -> None:
            result = await orch.run(Task(task_type="refactor", prompt="make f shorter", code=code))
            assert result.status == "succeeded", result.reason

        systems = {"bare": bare, "wire": wire, "disk": lambda: ours(disk), "memory": lambda: ours(memory)}
        names = list(systems)
        for _ in range(30):  # warm: connections, litellm's lazy imports, SQLite pages
            for call in systems.values():
                await call()
        wall: dict[str, list[float]] = {k: [] for k in systems}
        cpu: dict[str, list[float]] = {k: [] for k in systems}
        for i in range(calls):  # round robin, rotating who goes first: each round sees one machine state
            for name in names[i % 4:] + names[:i % 4]:
                cpu_start, start = time.process_time(), time.perf_counter()
                await systems[name]()
                wall[name].append((time.perf_counter() - start) * 1e3)
                cpu[name].append((time.process_time() - cpu_start) * 1e3)
        commit = []
        for i in range(500):  # one checkpoint alone: a state change committed to the file
            start = time.perf_counter()
            disk.store.transition("bench-commit", "running", detail={"i": i})
            commit.append((time.perf_counter() - start) * 1e3)
        await disk.aclose()
        await memory.aclose()

    def paired(a: str, b: str, series: dict[str, list[float]]) -> list[float]:
        return [x - y for x, y in zip(series[a], series[b])]

    n = calls
    p = {k: (pct(v, 0.5), pct(v, 0.99)) for k, v in wall.items()}
    c = {k: statistics.fmean(v) for k, v in cpu.items()}
    over = paired("disk", "bare", wall)
    return {
        "calls": n,
        "bare_acompletion_p50_ms": p["bare"][0], "bare_acompletion_p99_ms": p["bare"][1],
        "wire_p50_ms": p["wire"][0], "wire_p99_ms": p["wire"][1],
        "orchex_p50_ms": p["disk"][0], "orchex_p99_ms": p["disk"][1],
        "orchex_memory_db_p50_ms": p["memory"][0],
        "overhead_p50_ms": pct(over, 0.5), "overhead_p99_ms": pct(over, 0.99),
        "overhead_wire_p50_ms": pct(paired("wire", "bare", wall), 0.5),
        "overhead_memory_db_p50_ms": pct(paired("memory", "bare", wall), 0.5),
        "cpu_per_call_ms": c,
        "overhead_cpu_ms": c["disk"] - c["bare"], "orchestrator_cpu_ms": c["disk"] - c["wire"],
        "checkpoints_cpu_ms": c["disk"] - c["memory"],
        "one_commit_p50_ms": pct(commit, 0.5), "one_commit_p99_ms": pct(commit, 0.99),
    }


async def main_async(args: argparse.Namespace) -> dict:
    report: dict = {"routing": routing(tuple(args.agents))}
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        report["overhead"] = await overhead(args.overhead_calls, Path(tmp) / "overhead")
        with Server(0.05) as server:
            server.ask(op="script", seed=args.seed, calls=args.tasks * 3)
            report["ours"] = await workload_ours(server, args.tasks, args.concurrency, Path(tmp) / "workload")
            server.ask(op="reset")
            server.ask(op="script", seed=args.seed, calls=args.tasks * 3)
            report["router"] = await workload_router(server, args.tasks, args.concurrency)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--agents", type=int, nargs="+", default=[5, 50, 500])
    parser.add_argument("--overhead-calls", type=int, default=500)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--tmp", help="folder for the databases (default: the system's temp folder)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve", type=float, help=argparse.SUPPRESS)  # child: the fake provider
    args = parser.parse_args(argv)
    if args.serve is not None:
        return serve(args.serve)
    load_litellm()
    report = asyncio.run(main_async(args))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print("(a) routing decision (Orchestrator.route): wall, and CPU of the thread (no scheduling noise)")
    print(f"{'agents':>8} {'eligible':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU p50':>8} {'CPU p99':>8}")
    for r in report["routing"]:
        print(f"{r['agents']:>8} {r['eligible']:>9} {r['p50_ms']:>8.3f} {r['p99_ms']:>8.3f} "
              f"{r['cpu_p50_ms']:>8.3f} {r['cpu_p99_ms']:>8.3f}")
    o = report["overhead"]
    c = o["cpu_per_call_ms"]
    print(f"\noverhead on a bare litellm.acompletion ({o['calls']} sequential rounds, server answering at once)")
    print(f"  {'':<22} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/call (mean)':>19}")
    print(f"  {'bare acompletion':<22} {o['bare_acompletion_p50_ms']:>8.2f} {o['bare_acompletion_p99_ms']:>8.2f} {c['bare']:>12.2f}")
    print(f"  {'wire (LiteLLMProvider)':<22} {o['wire_p50_ms']:>8.2f} {o['wire_p99_ms']:>8.2f} {c['wire']:>12.2f}")
    print(f"  {'orchex run, db on disk':<22} {o['orchex_p50_ms']:>8.2f} {o['orchex_p99_ms']:>8.2f} {c['disk']:>12.2f}")
    print(f"  {'orchex run, db in RAM':<22} {o['orchex_memory_db_p50_ms']:>8.2f} {'':>8} {c['memory']:>12.2f}")
    print(f"  overhead (per-round differences with the bare call): p50 {o['overhead_p50_ms']:+.2f} ms, "
          f"p99 {o['overhead_p99_ms']:+.2f} ms; the wire alone p50 {o['overhead_wire_p50_ms']:+.2f} ms, "
          f"db in RAM p50 {o['overhead_memory_db_p50_ms']:+.2f} ms")
    print(f"  CPU: {o['overhead_cpu_ms']:+.2f} ms per call "
          f"(orchestrator alone {o['orchestrator_cpu_ms']:+.2f}, checkpoints {o['checkpoints_cpu_ms']:+.2f}; "
          f"one commit p50 {o['one_commit_p50_ms']:.3f} ms)")
    print(f"\n(b)/(c) {args.tasks} tasks, concurrency {args.concurrency}, 50 ms answers, 30 % of calls failing")
    head = f"{'system':<16} {'ok':>6} {'escal.':>6} {'lost':>5} {'calls':>6} {'tasks/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
    print(head)
    for r in (report["ours"], report["router"]):
        print(f"{r['system']:<16} {r['succeeded']:>6} {r['escalated']:>6} {r['lost']:>5} {r['calls']:>6} "
              f"{r['throughput']:>8.1f} {r['task_p50_ms']:>8.1f} {r['task_p99_ms']:>8.1f}")
    ours = report["ours"]
    print(f"orchex overhead under load (first-try successes, task time minus the call): "
          f"p50 {ours['overhead_under_load_p50_ms']:.2f} ms, p99 {ours['overhead_under_load_p99_ms']:.2f} ms; "
          f"database {ours['db_integrity']}")
    print(f"litellm.Router delivered {report['router']['invalid_delivered']} answers the validator rejects (counted escalated)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
