"""``orchex agents | route | run | history | task | retry``: the orchestrator from the shell.

Exit codes: 0 succeeded (or fine), 2 usage or configuration error, 3 internal error (a task
that ended ``failed``), 4 escalated (every agent failed: needs a human), 5 rejected (queue
full), cancelled or interrupted. Nothing heavy is imported before a command runs.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

EXIT_OK, EXIT_USAGE, EXIT_INTERNAL, EXIT_ESCALATED, EXIT_NOT_DONE = 0, 2, 3, 4, 5
_EXIT_FOR = {"succeeded": EXIT_OK, "escalated": EXIT_ESCALATED, "failed": EXIT_INTERNAL}
STATUSES = ("queued", "routed", "running", "succeeded", "failed", "escalated", "cancelled", "interrupted", "rejected")

state_dir_option = click.option(
    "--state-dir", type=click.Path(file_okay=False, path_type=Path),
    help="Folder of orchex.db (overrides `state-dir`, which is relative to the project).")
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    click.echo(f"orchex: {message}", err=True)
    sys.exit(code)


def _open(state_dir: Path | None, **kwargs: Any):
    """The orchestrator of the current project (configuration found as `orchex analyze` does)."""
    from ..config import ConfigError
    from ..orchestrator.orchestrator import Orchestrator
    from ..storage.db import DatabaseError

    try:
        if state_dir is not None:
            kwargs["state_dir"] = state_dir
        return Orchestrator.from_config(Path.cwd(), **kwargs)
    except (ConfigError, DatabaseError) as exc:
        _fail(str(exc))


def _store(state_dir: Path | None):
    """The database alone (history, task): no agents, no litellm."""
    from ..config import ConfigError, load_config
    from ..storage.db import DatabaseError
    from ..storage.store import Store

    try:
        if state_dir is None:
            config, found = load_config(Path.cwd())
            state_dir = (found.parent if found else Path.cwd()) / config.state_dir
        return Store(state_dir)
    except (ConfigError, DatabaseError) as exc:
        _fail(str(exc))


def _logging(level: str | None) -> None:
    if not level:
        return
    import logging

    from ..orchestrator.logs import json_handler

    handler = json_handler(sys.stderr, level.upper())
    for name in ("orchex", "LiteLLM", "LiteLLM Router"):
        log = logging.getLogger(name)
        log.addHandler(handler)
        log.setLevel(level.upper())
        log.propagate = False


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


def _read_prompt(prompt: str | None, prompt_file: Path | None, required: bool) -> tuple[str | None, str | None]:
    if prompt is not None and prompt_file is not None:
        raise click.UsageError("give --prompt or --prompt-file, not both")
    if prompt_file is not None:
        try:
            return prompt_file.read_text(encoding="utf-8"), str(prompt_file.resolve())
        except (OSError, UnicodeDecodeError) as exc:
            raise click.UsageError(f"cannot read --prompt-file {prompt_file}: {exc}") from None
    if prompt is None and required:
        raise click.UsageError("give the task's text with --prompt TEXT or --prompt-file FILE")
    return prompt, None


def _lines(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    first, _, last = value.partition("-")
    try:
        start, end = int(first), int(last or first)
    except ValueError:
        raise click.UsageError(f"--lines wants START-END (1-based), got {value!r}") from None
    if start < 1 or end < start:
        raise click.UsageError(f"--lines wants 1 <= START <= END, got {value!r}")
    return start, end


def _task(task_type: str, prompt: str | None, file: Path | None, lines: str | None, rule: str | None,
          local_only: bool, max_tokens: int | None):
    from pydantic import ValidationError

    from ..orchestrator.models import Task, TaskSelection

    code = path = None
    if file is not None:
        try:
            code, path = file.read_text(encoding="utf-8"), str(file.resolve())
        except (OSError, UnicodeDecodeError) as exc:
            raise click.UsageError(f"cannot read --file {file}: {exc}") from None
    span = _lines(lines)
    selection = TaskSelection(start_line=span[0] - 1, end_line=span[1] - 1, whole_lines=True) if span else None
    try:
        return Task(task_type=task_type, prompt=prompt, code=code, path=path, selection=selection,
                    local_only=local_only, max_tokens=max_tokens, metadata={"rule": rule} if rule else {})
    except ValidationError as exc:
        raise click.UsageError("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None


@click.command()
@json_option
@state_dir_option
def agents(as_json: bool, state_dir: Path | None) -> None:
    """The agent registry: health, circuit state, statistics and budget left."""
    orch = _open(state_dir)
    try:
        status = orch.agents_status()
    finally:
        _close(orch)
    if as_json:
        _dump(status)
        return
    for a in status["agents"]:
        health = a["health"] if a["health"] == "ok" else f"UNHEALTHY ({a['unhealthy_reason']})"
        click.echo(f"{a['name']}  tier {a['tier']}  {a['model']}  {'local' if a['local'] else 'remote'}  "
                   f"health {health}  circuit {a['circuit']}  serves {', '.join(a['task_types'])}")
        for s in a["stats"]:
            latency = "-" if s["latency_ewma_ms"] is None else f"{s['latency_ewma_ms']:.0f} ms (p95 {s['latency_p95_ms']:.0f})"
            click.echo(f"    {s['task_type']}: {s['successes']} ok / {s['failures']} failed, quality {s['quality']:.2f}, "
                       f"latency {latency}")
    b = status["budget"]
    parts = [f"today {b['spent_today_usd']:.4f} USD", f"this month {b['spent_this_month_usd']:.4f} USD"]
    if b["daily_left_usd"] is not None:
        parts.append(f"daily left {b['daily_left_usd']:.4f}")
    if b["monthly_left_usd"] is not None:
        parts.append(f"monthly left {b['monthly_left_usd']:.4f}")
    click.echo("budget: " + ", ".join(parts))


@click.command()
@click.option("--task-type", required=True, help="refactor, explain, docstring, review, ...")
@click.option("--local-only", is_flag=True, help="Only agents that keep the code on this machine.")
@click.option("--prompt", help="The task's text (its size counts for context windows and cost).")
@click.option("--prompt-file", type=click.Path(dir_okay=False, path_type=Path), help="Read the task's text from FILE.")
@json_option
@state_dir_option
def route(task_type: str, local_only: bool, prompt: str | None, prompt_file: Path | None, as_json: bool,
          state_dir: Path | None) -> None:
    """Explain where a task would go: every agent's score and its parts, or why it is out."""
    text, _ = _read_prompt(prompt, prompt_file, required=False)
    task = _task(task_type, text or "(routing only)", None, None, None, local_only, None)
    orch = _open(state_dir)
    try:
        decision = orch.route(task)
    finally:
        _close(orch)
    if as_json:
        _dump(decision.model_dump(mode="json"))
        return
    click.echo(f"strategy {decision.strategy}; order: {' → '.join(decision.order) or '(none)'}")
    for c in decision.candidates:
        if c.filtered:
            click.echo(f"  {c.agent:<16} tier {c.tier}  out: {c.filtered}")
        else:
            click.echo(f"  {c.agent:<16} tier {c.tier}  score {c.score:.3f} = quality {c.quality:.2f}, cost {c.cost:.2f}, "
                       f"latency {c.latency:.2f}, load {c.load:.2f}  (~{c.expected_cost_usd:.5f} USD, "
                       f"~{c.expected_latency_ms:.0f} ms)")
    if decision.reason:
        click.echo(f"no agent: {decision.reason}")


def _report(result, as_json: bool, elapsed: float) -> None:
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    elif result.status == "succeeded":
        click.echo(result.output)
    if not as_json:
        calls = len([a for a in result.attempts if a.status != "skipped"])
        head = (f"orchex: task {result.task_id} {result.status}" + (f" by {result.agent}" if result.agent else "")
                + f" in {elapsed:.1f} s, {calls} call(s), {result.cost_usd:.5f} USD")
        click.echo(head, err=True)
        if result.status != "succeeded":
            click.echo(f"orchex: {result.reason}", err=True)
            for i, a in enumerate(result.attempts, 1):
                what = a.message or a.error_kind or ""
                click.echo(f"  {i}. {a.agent}: {a.status}" + (f" [{a.error_kind}]" if a.error_kind else "")
                           + (f" {what}" if what and what != a.error_kind else ""), err=True)
    sys.exit(_EXIT_FOR.get(result.status, EXIT_NOT_DONE))


def _close(orch) -> None:
    import asyncio

    asyncio.run(orch.aclose())


def _drive(orch, coro_factory) -> Any:
    import asyncio

    async def main():
        try:
            return await coro_factory()
        finally:
            await orch.aclose()

    return asyncio.run(main())


@click.command()
@click.option("--task-type", required=True, help="refactor, explain, docstring, review, ...")
@click.option("--prompt", help="The task's text.")
@click.option("--prompt-file", type=click.Path(dir_okay=False, path_type=Path), help="Read the task's text from FILE.")
@click.option("--file", "code_file", type=click.Path(dir_okay=False, path_type=Path), help="The code the task is about.")
@click.option("--lines", help="START-END (1-based) of --file to work on (default: all).")
@click.option("--rule", help="For the builtin agent: the refactoring to apply.")
@click.option("--local-only", is_flag=True, help="Only agents that keep the code on this machine.")
@click.option("--max-tokens", type=click.IntRange(1), help="Longest answer wanted, in tokens.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), help="JSON logs on stderr.")
@json_option
@state_dir_option
def run(task_type, prompt, prompt_file, code_file, lines, rule, local_only, max_tokens, log_level, as_json,
        state_dir) -> None:
    """Run a task: the best agent answers, others take over when it fails.
    Exit 0 succeeded, 4 escalated, 5 rejected or cancelled, 2 usage."""
    if lines is not None and code_file is None:
        raise click.UsageError("--lines needs --file")
    text, source = _read_prompt(prompt, prompt_file, required=True)
    task = _task(task_type, text, code_file, lines, rule, local_only, max_tokens)
    _logging(log_level)
    orch = _open(state_dir)
    started = time.perf_counter()
    result = _drive(orch, lambda: orch.run(task, prompt_file=source))
    _report(result, as_json, time.perf_counter() - started)


@click.command()
@click.argument("task_id")
@click.option("--prompt", help="The task's text again (needed when it was given inline and not stored).")
@click.option("--prompt-file", type=click.Path(dir_okay=False, path_type=Path), help="Read the task's text from FILE.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), help="JSON logs on stderr.")
@json_option
@state_dir_option
def retry(task_id, prompt, prompt_file, log_level, as_json, state_dir) -> None:
    """Run a task of the history again (interrupted, escalated, cancelled, ...)."""
    from ..orchestrator.orchestrator import OrchestratorError

    if prompt is not None and prompt_file is not None:
        raise click.UsageError("give --prompt or --prompt-file, not both")
    _logging(log_level)
    orch = _open(state_dir)
    full_id = _resolve(orch.store, task_id)
    started = time.perf_counter()
    try:
        result = _drive(orch, lambda: orch.retry(
            full_id, prompt=prompt, prompt_file=str(prompt_file.resolve()) if prompt_file else None))
    except OrchestratorError as exc:
        _fail(str(exc))
    _report(result, as_json, time.perf_counter() - started)


def _resolve(store, task_id: str) -> str:
    if store.get_task(task_id) is not None:
        return task_id
    matches = store.find_task(task_id)
    if len(matches) == 1:
        return matches[0]
    store.close()
    if not matches:
        _fail(f"no task {task_id} in {store.path}")
    _fail(f"task id {task_id} is ambiguous: {', '.join(matches)}")
    return task_id  # unreachable


@click.command()
@click.option("--limit", type=click.IntRange(1, 100_000), default=20, show_default=True)
@click.option("--status", type=click.Choice(STATUSES), help="Only tasks in this state.")
@json_option
@state_dir_option
def history(limit: int, status: str | None, as_json: bool, state_dir: Path | None) -> None:
    """Recent tasks, newest first."""
    store = _store(state_dir)
    try:
        rows = store.history(limit, status)
    finally:
        store.close()
    if as_json:
        _dump([_public(r) for r in rows])
        return
    if not rows:
        click.echo("no tasks")
    for r in rows:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r["created_at"]))
        click.echo(f"{r['id']}  {when}  {r['task_type']:<10} {r['status']:<11} {r['agent'] or '-':<14} "
                   f"{r['cost_usd']:.5f} USD" + (f"  {r['reason']}" if r["reason"] and r["status"] != "succeeded" else ""))


@click.command()
@click.argument("task_id")
@json_option
@state_dir_option
def task(task_id: str, as_json: bool, state_dir: Path | None) -> None:
    """One task: its state, routing, attempt chain and audit trail."""
    store = _store(state_dir)
    try:
        full_id = _resolve(store, task_id)
        row = _public(store.get_task(full_id))
        row["attempts"] = store.attempts(full_id)
        row["audit"] = store.audit_log(full_id)
    finally:
        store.close()
    if as_json:
        _dump(row)
        return
    click.echo(f"task {row['id']}: {row['task_type']}, {row['status']}" + (f" by {row['agent']}" if row["agent"] else ""))
    if row["reason"]:
        click.echo(f"reason: {row['reason']}")
    click.echo(f"input: {row['input_chars']} chars, sha256 {row['input_sha256']}; cost {row['cost_usd']:.5f} USD, "
               f"tokens {row['tokens_in']} in / {row['tokens_out']} out; runs {row['runs']}")
    for a in row["attempts"]:
        click.echo(f"  {a['seq']}. run {a['run']} {a['agent']}: {a['status']}"
                   + (f" [{a['error_kind']}] {a['message'] or ''}" if a["error_kind"] or a["message"] else "")
                   + (f"  {a['latency_ms']:.0f} ms" if a["latency_ms"] else ""))
    for e in row["audit"]:
        when = time.strftime("%H:%M:%S", time.localtime(e["ts"]))
        click.echo(f"    {when} {e['event']}" + (f" {json.dumps(e['detail'])}" if e["detail"] else ""))
    if row.get("output"):
        click.echo(row["output"])


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "owner"}
