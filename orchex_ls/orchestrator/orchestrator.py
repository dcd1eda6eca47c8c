"""The orchestrator: route a task, call agents down the fallback chain, record every step.

    orch = Orchestrator.from_config(".")          # the project's [tool.orchex] settings
    result = await orch.run(Task(task_type="explain", prompt="..."))
    await orch.aclose()

Each state change of a task (queued, routed, running, then succeeded, escalated, rejected,
cancelled or failed) is committed to the state dir's database before the next step, with
the attempt that led to it, so a crash loses nothing: the next start marks the task
``interrupted`` and ``retry`` runs it again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..config import OrchexConfig, load_config, load_config_file, validate_config
from ..storage.store import Store
from .agents import Agent, agent_configs
from .budget import Budget
from .builtin import BuiltinAgent
from .chain import escalation_kind, escalation_reason, record, task_spec
from .failures import FailureKind, ProviderError, classify
from .limits import Balancer, QueueFull
from .logs import current_task_id, event, redact, register_secret_vars
from .models import Attempt, RoutingDecision, Task, TaskResult
from .outbound import (
    audit_row,
    clear,
    combine,
    known_secrets,
    may_reach_llm,
    path_filter,
    sent_chars,
)
from .prompts import build_messages, estimate_tokens, input_fingerprint
from .providers import Completion, CompletionRequest, Provider
from .router import Policy, Router
from .validators import DEFAULT_VALIDATORS, Validator

INFO, WARNING = logging.INFO, logging.WARNING
Progress = Callable[[str], None]
# Transient failures: they count towards an agent's circuit breaker and are retried on it.
TRANSIENT = frozenset({FailureKind.rate_limited, FailureKind.server_error, FailureKind.timeout, FailureKind.connection})
# Failures that say the agent did badly (its quality estimate goes down).
AGENT_FAULTS = frozenset({FailureKind.server_error, FailureKind.timeout, FailureKind.connection,
                          FailureKind.invalid_output, FailureKind.bad_request, FailureKind.auth})
_SKIP_KINDS = {"budget": "budget", "policy": "policy", "context_window": "context_window"}


class OrchestratorError(Exception):
    """A request the orchestrator refuses (unknown task, nothing to retry): says why."""


class _Run:
    """One run of one task: what the fallback loop accumulates."""

    __slots__ = ("task", "run", "tokens_in", "decision", "attempts", "cost", "tokens_in_used", "tokens_out_used",
                 "messages", "last_kind", "validator", "progress", "outbound")

    def __init__(self, task: Task, run: int, tokens_in: int) -> None:
        self.task = task
        self.run = run
        self.tokens_in = tokens_in
        self.decision: RoutingDecision | None = None
        self.attempts: list[Attempt] = []
        self.cost = 0.0
        self.tokens_in_used = 0
        self.tokens_out_used = 0
        self.messages: list[dict[str, str]] | None = None
        self.last_kind: str | None = None
        self.validator: Validator | None = None
        self.progress: Progress | None = None
        self.outbound: Any = None  # governance's Outbound for the agent about to be called


class Orchestrator:
    def __init__(self, config: OrchexConfig | None = None, *, state_dir: Path | str | None = None,
                 provider: Provider | None = None, policy: Policy | None = None,
                 validators: Mapping[str, Validator] | None = None,
                 clock: Callable[[], float] = time.monotonic, seed: int | None = None,
                 root: Path | str | None = None) -> None:
        """``state_dir``: the folder of ``orchex.db`` (default: ``state-dir`` relative to the
        current folder; ``":memory:"``: nothing persists). ``provider``: the wire (default:
        litellm). ``policy(task, agent) -> reason | None``: a veto per agent, on top of the
        configuration's ``[governance]`` (deny, local-only), which applies to every task.
        ``root``: the project folder governance globs are relative to (default: the current
        folder; ``from_config``: the project's)."""
        self.config = config = config or OrchexConfig()
        self.routing = config.routing
        if state_dir is None:
            state_dir = Path(config.state_dir)
        self.store = Store(None if str(state_dir) == ":memory:" else Path(state_dir))
        self.agents = [Agent(c, i, config.routing, clock) for i, c in enumerate(agent_configs(config))]
        self._by_name = {a.name: a for a in self.agents}
        self._restore()
        self.budget = Budget(config.budget, self.store)
        from ..governance.outbound import Governance

        self.governance = Governance(config.governance, root if root is not None else Path.cwd())
        self._known = known_secrets(a.api_key_env for a in config.agents)
        policy = combine(path_filter(self.governance), policy)
        self._policy = policy
        self.router = Router(self.agents, config.routing, self.budget, policy)
        self.balancer = Balancer(config.routing.queue_max)
        self.validators: dict[str, Validator] = {**DEFAULT_VALIDATORS, **(validators or {})}
        self._provider = provider
        self._builtin = BuiltinAgent()
        self._clock = clock
        self._rng = random.Random(seed)
        self._running: dict[str, tuple[asyncio.Task[Any], asyncio.Future[None]]] = {}
        self._cancel_requested: set[str] = set()
        self._closed = False
        self._wire_ready = all(a.builtin for a in self.agents)
        register_secret_vars(a.api_key_env for a in config.agents)

    @classmethod
    def from_config(cls, source: OrchexConfig | Path | str | None = None, **kwargs: Any) -> Orchestrator:
        """From a config object, a config file, or a project folder (its configuration is
        found as ``orchex analyze`` finds it; ``state-dir`` is relative to it)."""
        if isinstance(source, OrchexConfig):
            return cls(source, **kwargs)
        path = Path(source) if source is not None else Path.cwd()
        if path.is_file():
            config, base = validate_config(load_config_file(path), str(path)), path.parent
        else:
            config, found = load_config(path)
            base = found.parent if found else path
        kwargs.setdefault("state_dir", base / config.state_dir)
        kwargs.setdefault("root", base)
        return cls(config, **kwargs)

    def _restore(self) -> None:
        """Statistics and open circuits as earlier runs (or other processes) left them."""
        for row in self.store.load_stats():
            agent = self._by_name.get(row["agent"])
            if agent is not None:
                from .stats import Stats

                agent.stats[row["task_type"]] = Stats.from_row(row)
        now = time.time()
        for name, row in self.store.load_health().items():
            agent = self._by_name.get(name)
            if agent is not None and row["circuit"] == "open" and row["opened_at"]:
                agent.breaker.restore_open(now - row["opened_at"])

    @property
    def provider(self) -> Provider:
        if self._provider is None:
            from .providers import LiteLLMProvider

            self._provider = LiteLLMProvider()
        return self._provider

    # -- public API -----------------------------------------------------------------------------

    def route(self, task: Task) -> RoutingDecision:
        """The routing decision for ``task`` now, with each candidate's score (no side effect)."""
        chars, _ = input_fingerprint(task)
        return self.router.decide(task, estimate_tokens(sent_chars(task, chars)))

    async def run(self, task: Task, *, prompt_file: str | None = None,
                  validator: Validator | None = None, progress: Progress | None = None) -> TaskResult:
        """Run ``task`` to a final state: succeeded, escalated, rejected, cancelled or failed.
        ``validator``: checks answers for this task only (instead of its task type's); an
        answer it rejects is an ``invalid_output`` failure and the next agent is tried.
        ``progress(message)``: told each step (routing, calling an agent, validating)."""
        if self._closed:
            raise OrchestratorError("the orchestrator is closed")
        if task.id in self._running:
            raise OrchestratorError(f"task {task.id} is already running")
        # Run in the caller's asyncio task, not a task of our own: two fewer trips through a
        # busy event loop per task. ``cancel`` cancels the caller's task at its await in here.
        current = asyncio.current_task()
        assert current is not None, "Orchestrator.run must be awaited inside an asyncio task"
        finished = asyncio.get_running_loop().create_future()
        self._running[task.id] = (current, finished)
        try:
            return await self._execute(task, prompt_file, validator, progress)
        except asyncio.CancelledError:
            if task.id in self._cancel_requested and self._only_our_cancel(current):
                return self._cancelled_result(task)  # orch.cancel(): an outcome, not an error
            raise
        finally:
            del self._running[task.id]
            self._cancel_requested.discard(task.id)
            finished.set_result(None)

    @staticmethod
    def _only_our_cancel(current: asyncio.Task[Any]) -> bool:
        """Was ``orch.cancel`` the only cancellation request? Then take it back (3.11+); a
        caller's own cancellation must go on."""
        uncancel = getattr(current, "uncancel", None)
        if uncancel is None:  # Python 3.10: requests are not counted
            return True
        return uncancel() == 0

    def cancel(self, task_id: str) -> bool:
        """Stop a running task (its in-flight call included); False if it is not running here."""
        entry = self._running.get(task_id)
        if entry is None or task_id in self._cancel_requested:
            return False
        self._cancel_requested.add(task_id)
        entry[0].cancel()
        return True

    async def retry(self, task_id: str, *, task: Task | None = None, prompt: str | None = None,
                    prompt_file: str | None = None) -> TaskResult:
        """Run a task of the history again (same id). Its texts come from ``task``, ``prompt``
        or ``prompt_file``, else the database (content logging on) or the task's prompt file
        and code path; they must hash as before."""
        from .replay import RetryRefused, rebuild

        self.store.sweep_interrupted()
        try:
            rebuilt, prompt_file = rebuild(self.store, task_id, task=task, prompt=prompt, prompt_file=prompt_file)
        except RetryRefused as exc:
            raise OrchestratorError(str(exc)) from None
        return await self.run(rebuilt, prompt_file=prompt_file)

    async def warm_up(self) -> None:
        """Load litellm in a worker thread (seconds, once per process), so that neither the
        first call nor the first price lookup blocks the event loop."""
        if not self._wire_ready:
            from .providers import load_litellm

            await asyncio.to_thread(load_litellm)
            self._wire_ready = True

    def agents_status(self) -> dict[str, Any]:
        """The registry: each agent's health, circuit, limits and statistics; the budget."""
        return {"agents": [a.status() for a in self.agents], "budget": self.budget.summary()}

    async def aclose(self) -> None:
        """Cancel what still runs (recorded as cancelled) and close the database."""
        if self._closed:
            return
        pending = [finished for _, finished in self._running.values()]
        for task_id in list(self._running):
            self.cancel(task_id)
        if pending:
            await asyncio.gather(*pending)
        self._closed = True
        self.store.close()

    async def __aenter__(self) -> Orchestrator:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- one task -------------------------------------------------------------------------------

    async def _execute(self, task: Task, prompt_file: str | None, validator: Validator | None = None,
                       progress: Progress | None = None) -> TaskResult:
        token = current_task_id.set(task.id)
        chars, digest = input_fingerprint(task)
        state = _Run(task, 0, estimate_tokens(sent_chars(task, chars)))
        state.validator = validator
        state.progress = progress
        try:
            state.run = self.store.create_task(
                task.id, task.task_type, local_only=task.local_only, path=task.path, prompt_file=prompt_file,
                input_chars=chars, input_sha256=digest, input_text=self._content(task), metadata=task.metadata,
                spec=task_spec(task, prompt_file),
            )
            event(INFO, "task.queued", task_id=task.id, task_type=task.task_type, input_chars=chars, run=state.run)
            _tell(state, "routing")
            # Scoring an LLM agent needs litellm's cost map: load it off the loop first, and
            # only when such an agent may take the task (litellm takes seconds to import).
            if not self._wire_ready and may_reach_llm(self.agents, task, self._policy):
                await self.warm_up()
            decision = state.decision = self.router.decide(task, state.tokens_in)
            self.store.transition(task.id, "routed", run=state.run, agent=decision.chosen,
                                  routing=decision.model_dump_json(), detail={"order": decision.order})
            event(INFO, "task.routed", task_id=task.id, order=decision.order, reason=decision.reason)
            if not decision.order:
                return self._finish(state, "escalated", decision.reason, decision.reason_kind)
            return await self._fallback(state)
        except asyncio.CancelledError:
            if state.run:
                self._finish(state, "cancelled", "cancelled", FailureKind.cancelled.value)
            raise
        except Exception as exc:  # noqa: BLE001 - a bug must not lose the task: it ends "failed", logged
            logging.getLogger("orchex.orchestrator").exception("task.internal_error")
            reason = redact(f"internal error: {type(exc).__name__}: {exc}")
            if not state.run:
                raise OrchestratorError(reason) from None
            return self._finish(state, "failed", reason, None)
        finally:
            current_task_id.reset(token)

    def _content(self, task: Task) -> str | None:
        if not self.routing.log_content:
            return None
        return json.dumps({"prompt": task.prompt, "messages": [m.model_dump() for m in task.messages or ()] or None,
                           "code": task.code}, ensure_ascii=False)

    async def _fallback(self, state: _Run) -> TaskResult:
        task, routing = state.task, self.routing
        min_window: int | None = None
        calls = 0
        assert state.decision is not None
        for name in state.decision.order:
            agent = self._by_name[name]
            tries = 0
            while True:
                if calls >= routing.max_attempts:
                    chain = escalation_reason(state.attempts).partition(": ")[2]
                    return self._finish(state, "escalated", f"max-attempts ({routing.max_attempts}) reached: {chain}",
                                        state.last_kind)
                refusal = self.router.filter(agent, task, state.tokens_in, state.cost, min_window=min_window)
                if refusal is None and not agent.builtin:
                    refusal = self._prepare(state, agent)  # e.g. over max-payload-kb
                if refusal is None and not agent.breaker.allow():
                    refusal = ("health", agent.breaker.blocked() or "circuit open")
                if refusal is not None:
                    self._skip(state, agent, refusal)
                    break
                outcome = await self._attempt(state, agent)
                calls += 1
                if isinstance(outcome, TaskResult):
                    return outcome
                error = outcome
                kind = error.kind
                _tell(state, f"{agent.name} failed: {kind.value}")
                if kind == FailureKind.auth:
                    agent.unhealthy = redact(error.message)
                    self.store.save_health(agent.name, agent.breaker.state, None, agent.unhealthy)
                    event(logging.ERROR, "agent.unhealthy", agent=agent.name, reason=agent.unhealthy)
                    break
                if kind == FailureKind.context_window:
                    window = agent.config.context_window or self._known_window(agent)
                    if window is not None:
                        min_window = max(min_window or 0, window)
                    break
                if kind not in TRANSIENT:
                    break
                retry_after = error.retry_after_s
                if retry_after is not None and retry_after * 1000 > routing.backoff_max_ms:
                    agent.cooling_until = self._clock() + retry_after  # too long to wait: go elsewhere
                    break
                if tries >= routing.retries_per_agent or agent.breaker.state != "closed":
                    if retry_after is not None:
                        agent.cooling_until = self._clock() + retry_after
                    break
                delay = max(retry_after or 0.0, self._backoff(tries))
                tries += 1
                event(INFO, "attempt.backoff", task_id=task.id, agent=agent.name, seconds=round(delay, 3))
                await asyncio.sleep(delay)
        return self._finish(state, "escalated", escalation_reason(state.attempts), escalation_kind(state.attempts))

    def _backoff(self, tries: int) -> float:
        """Exponential backoff with jitter: half fixed, half random (seconds)."""
        ceiling = min(self.routing.backoff_max_ms, self.routing.backoff_base_ms * (2 ** tries))
        return ceiling * (0.5 + 0.5 * self._rng.random()) / 1000.0

    def _known_window(self, agent: Agent) -> int | None:
        if agent.builtin:
            return None
        try:
            from .providers import model_context_window

            return model_context_window(agent.config.model)
        except Exception:  # noqa: BLE001 - unknown model: no constraint
            return None

    def _skip(self, state: _Run, agent: Agent, refusal: tuple[str, str]) -> None:
        category, reason = refusal
        if category == "task_type":
            return  # never a candidate: not worth a line in the chain
        attempt = Attempt.model_construct(
            agent=agent.name, status="skipped", error_kind=_SKIP_KINDS.get(category), message=reason, latency_ms=0.0,
            tokens_in=0, tokens_out=0, cost_usd=0.0, model=agent.config.model)
        state.attempts.append(attempt)
        self.store.add_attempt(state.task.id, record(attempt, time.time()), run=state.run)
        event(INFO, "attempt.skipped", task_id=state.task.id, agent=agent.name, reason=reason)

    async def _attempt(self, state: _Run, agent: Agent) -> TaskResult | ProviderError:
        """One call on ``agent``: the final result if it succeeded, else its failure."""
        task = state.task
        tokens_out = agent.expected_tokens_out(task.task_type, task.max_tokens)
        estimate = state.tokens_in + tokens_out
        try:
            await self.balancer.acquire(agent.slots, estimate, agent.name)
        except QueueFull as exc:
            agent.breaker.neutral()
            return self._finish(state, "rejected", str(exc), FailureKind.rate_limited.value)
        except BaseException:
            agent.breaker.neutral()
            raise
        self.store.transition(task.id, "running", run=state.run, agent=agent.name, detail={"agent": agent.name})
        _tell(state, f"asking {agent.name}" if not agent.builtin else "asking the builtin agent")
        event(INFO, "attempt.started", task_id=task.id, agent=agent.name, model=agent.config.model)
        started_wall = time.time()
        started = time.perf_counter()
        completion: Completion | None = None
        error: ProviderError | None = None
        try:
            completion = await self._call(agent, state)
        except ProviderError as exc:
            error = exc
        except asyncio.CancelledError:
            agent.slots.release()
            agent.breaker.neutral()
            self._failed_attempt(state, agent, ProviderError(FailureKind.cancelled, "cancelled while the call ran"),
                                 started_wall, (time.perf_counter() - started) * 1000, None, status="cancelled")
            raise
        except Exception as exc:  # noqa: BLE001 - a provider that broke its promise
            error = classify(exc)
        latency_ms = (time.perf_counter() - started) * 1000
        agent.slots.release(estimate, completion.tokens_in + completion.tokens_out if completion else None)
        if completion is not None:
            _tell(state, f"validating the answer of {agent.name}")
            check = state.validator or self.validators.get(task.task_type, _accept)
            rejection = check(completion.text)
            if rejection is None:
                return self._succeeded(state, agent, completion, started_wall, latency_ms)
            error = ProviderError(FailureKind.invalid_output, f"invalid output: {rejection}")
        assert error is not None
        self._failed_attempt(state, agent, error, started_wall, latency_ms, completion)
        return error

    async def _call(self, agent: Agent, state: _Run) -> Completion:
        if agent.builtin:
            try:
                return await asyncio.wait_for(self._builtin.run(state.task), agent.config.timeout_s)
            except asyncio.TimeoutError:
                raise ProviderError(FailureKind.timeout, f"timed out: no answer within {agent.config.timeout_s:g} s") from None
        outbound, state.outbound = state.outbound, None
        if outbound is None:  # prepared before each attempt; kept for safety
            refusal = self._prepare(state, agent)
            outbound, state.outbound = state.outbound, None
            if refusal is not None or outbound is None:
                raise ProviderError(FailureKind.policy, refusal[1] if refusal else "not cleared by governance")
        c = agent.config
        request = CompletionRequest(
            model=c.model, messages=outbound.messages, api_base=c.api_base, api_key_env=c.api_key_env,
            timeout_s=c.timeout_s, max_tokens=state.task.max_tokens, task_id=state.task.id,
            cost_per_1k_input=c.cost_per_1k_input, cost_per_1k_output=c.cost_per_1k_output,
        )
        if outbound.record is not None:  # before the call: a crash keeps the row
            self.store.audit(*audit_row(outbound.record))
        completion = await self.provider.complete(request)
        if outbound.redaction.secrets:
            # The agent saw placeholders; the code it answers with gets the real values back.
            completion = completion.model_copy(update={"text": outbound.restore(completion.text)})
        return completion

    def _prepare(self, state: _Run, agent: Agent) -> tuple[str, str] | None:
        """Clear the request for ``agent`` with governance: None and ``state.outbound`` set
        (redacted messages, audit record), or the refusal (e.g. over max-payload-kb)."""
        if state.messages is None:
            state.messages = build_messages(state.task)
        state.outbound, refusal = clear(self.governance, state.messages, state.task, agent.config, self._known)
        return refusal

    def _succeeded(self, state: _Run, agent: Agent, completion: Completion, started_wall: float,
                   latency_ms: float) -> TaskResult:
        task = state.task
        cost = float(completion.cost_usd or 0.0)
        stats = agent.stats_for(task.task_type).observe(True, latency_ms, cost, completion.tokens_in, completion.tokens_out)
        if agent.breaker.success():
            self.store.save_health(agent.name, "closed", None, None)
            event(INFO, "agent.circuit_closed", agent=agent.name)
        attempt = Attempt.model_construct(
            agent=agent.name, status="succeeded", error_kind=None, message=None, latency_ms=round(latency_ms, 3),
            tokens_in=completion.tokens_in, tokens_out=completion.tokens_out, cost_usd=cost, model=completion.model)
        state.attempts.append(attempt)
        state.cost += cost
        state.tokens_in_used += completion.tokens_in
        state.tokens_out_used += completion.tokens_out
        output = completion.text
        self.store.transition(
            task.id, "succeeded", run=state.run, attempt=record(attempt, started_wall), stats=stats, agent=agent.name,
            reason=None, output_chars=len(output), output_sha256=hashlib.sha256(output.encode("utf-8")).hexdigest(),
            output=output if self.routing.log_content else None, cost_usd=state.cost,
            tokens_in=state.tokens_in_used, tokens_out=state.tokens_out_used,
            detail={"agent": agent.name, "cost_usd": cost, "latency_ms": round(latency_ms, 1)},
        )
        event(INFO, "task.succeeded", task_id=task.id, agent=agent.name, latency_ms=round(latency_ms, 1), cost_usd=cost)
        return TaskResult.model_construct(
            task_id=task.id, status="succeeded", output=output, agent=agent.name, attempts=state.attempts,
            cost_usd=state.cost, tokens_in=state.tokens_in_used, tokens_out=state.tokens_out_used,
            routing=state.decision, reason=None, error_kind=None)

    def _failed_attempt(self, state: _Run, agent: Agent, error: ProviderError, started_wall: float,
                        latency_ms: float, completion: Completion | None, status: str = "failed") -> None:
        kind = error.kind
        cost = float(completion.cost_usd or 0.0) if completion else 0.0
        tokens_in = completion.tokens_in if completion else 0
        tokens_out = completion.tokens_out if completion else 0
        outcome = False if kind in AGENT_FAULTS else None
        stats = agent.stats_for(state.task.task_type).observe(
            outcome, latency_ms if completion is not None else None, cost, tokens_in, tokens_out)
        if kind in TRANSIENT:
            if agent.breaker.failure():
                self.store.save_health(agent.name, "open", time.time(), agent.unhealthy)
                event(WARNING, "agent.circuit_open", agent=agent.name, cooldown_s=agent.breaker.cooldown_s)
        elif status != "cancelled":
            agent.breaker.neutral()
        message = redact(error.message)
        attempt = Attempt.model_construct(
            agent=agent.name, status=status, error_kind=kind.value, message=message, latency_ms=round(latency_ms, 3),
            tokens_in=tokens_in, tokens_out=tokens_out, cost_usd=cost, model=agent.config.model)
        state.attempts.append(attempt)
        state.cost += cost
        state.tokens_in_used += tokens_in
        state.tokens_out_used += tokens_out
        state.last_kind = kind.value
        self.store.add_attempt(state.task.id, record(attempt, started_wall), run=state.run, stats=stats)
        event(INFO, "attempt.failed", task_id=state.task.id, agent=agent.name, error_kind=kind.value,
              status=error.status, message=message, latency_ms=round(latency_ms, 1))

    def _finish(self, state: _Run, status: str, reason: str | None, kind: str | None) -> TaskResult:
        task = state.task
        reason = redact(reason) if reason else reason
        self.store.transition(task.id, status, run=state.run, reason=reason, cost_usd=state.cost,
                              tokens_in=state.tokens_in_used, tokens_out=state.tokens_out_used,
                              detail={"reason": reason, "kind": kind})
        level = WARNING if status in ("escalated", "rejected", "failed") else INFO
        event(level, f"task.{status}", task_id=task.id, reason=reason, error_kind=kind,
              attempts=len(state.attempts), cost_usd=state.cost)
        return TaskResult.model_construct(
            task_id=task.id, status=status, output=None, agent=None, attempts=state.attempts, cost_usd=state.cost,
            tokens_in=state.tokens_in_used, tokens_out=state.tokens_out_used, routing=state.decision,
            reason=reason, error_kind=kind)

    def _cancelled_result(self, task: Task) -> TaskResult:
        row = self.store.get_task(task.id) or {}
        attempts = [Attempt.model_construct(**{k: a[k] for k in Attempt.model_fields}) for a in self.store.attempts(task.id)
                    if a["run"] == row.get("runs", 1)]
        return TaskResult.model_construct(
            task_id=task.id, status="cancelled", output=None, agent=None, attempts=attempts,
            cost_usd=float(row.get("cost_usd") or 0.0), tokens_in=int(row.get("tokens_in") or 0),
            tokens_out=int(row.get("tokens_out") or 0), routing=None, reason="cancelled",
            error_kind=FailureKind.cancelled.value)


def _accept(text: str) -> str | None:
    return None


def _tell(state: _Run, message: str) -> None:
    if state.progress is not None:
        try:
            state.progress(message)
        except Exception:  # noqa: BLE001 - a broken progress bar must not fail the task
            logging.getLogger("orchex.orchestrator").debug("progress callback failed", exc_info=True)
