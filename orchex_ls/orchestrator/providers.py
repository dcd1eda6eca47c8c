"""The wire: one chat completion through litellm, and every failure turned into a ``ProviderError``.

litellm is heavy (seconds to import) and has habits that do not suit a language server on stdio,
so it is imported lazily by ``load_litellm``, which also tames it. Retries, fallbacks and rate
limits are the orchestrator's, never litellm's: every call goes out exactly once. Failures are
classified by ``failures.classify`` (re-exported here with ``scrub``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from types import ModuleType
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from .failures import FailureKind, ProviderError, classify, scrub

__all__ = [
    "NO_KEY", "Completion", "CompletionRequest", "LiteLLMProvider", "Provider", "aload_litellm",
    "classify", "load_litellm", "model_context_window", "model_cost", "scrub",
]

# Sent to OpenAI-compatible local servers (llama.cpp, vLLM, Ollama's /v1) configured without a
# key: litellm refuses to call ``openai/`` models with no key at all.
NO_KEY = "no-key"


class CompletionRequest(BaseModel):
    """One call. Holds the *name* of the key's environment variable, never the key."""

    model: str
    messages: list[dict[str, str]] = Field(repr=False)  # prompt text stays out of reprs and logs
    api_base: str | None = None
    api_key_env: str | None = None
    timeout_s: float = Field(60, gt=0)
    max_tokens: int | None = None
    temperature: float | None = None
    task_id: str | None = None
    cost_per_1k_input: float | None = None  # explicit prices win over litellm's cost map
    cost_per_1k_output: float | None = None


class Completion(BaseModel):
    text: str = Field(repr=False)
    model: str
    tokens_in: int
    tokens_out: int
    cost_usd: float | None
    latency_ms: float
    finish_reason: str | None = None


@runtime_checkable
class Provider(Protocol):
    async def complete(self, request: CompletionRequest) -> Completion:
        """Answer ``request``; raise ``ProviderError`` (and nothing else but cancellation)."""
        ...


# -- litellm, tamed --------------------------------------------------------------------------

_LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy")


@functools.cache
def load_litellm() -> ModuleType:
    """Import litellm once, quietly and offline; returns the module."""
    # Without this litellm downloads its cost map at import, retrying for seconds when offline.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    # Other catalogs it fetches on its own (Anthropic beta headers, tokenizers) use the bundled copy.
    os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")
    # Set before the import, which already logs (at DEBUG, to stdout, if the host logs at DEBUG).
    for name in _LITELLM_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    import litellm

    litellm.suppress_debug_info = True  # else a "Give Feedback" banner goes to stdout per failure
    litellm.set_verbose = False
    litellm.telemetry = False  # gone from recent versions; harmless where it is not read
    litellm.turn_off_message_logging = True
    for name in (
        "callbacks", "success_callback", "failure_callback", "input_callback", "service_callback",
        "_async_success_callback", "_async_failure_callback", "_async_input_callback",
    ):
        if isinstance(getattr(litellm, name, None), list):
            setattr(litellm, name, [])
    # litellm's handler writes records under WARNING to *stdout* (LevelRoutingStreamHandler), which
    # would corrupt an LSP stdio channel as soon as the host logs at INFO. Drop it: records go to
    # the host's handlers, warnings and up only, scrubbed of keys.
    for name in _LITELLM_LOGGERS:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.setLevel(logging.WARNING)
        if not any(isinstance(f, _ScrubFilter) for f in logger.filters):
            logger.addFilter(_ScrubFilter())
    return litellm


async def aload_litellm() -> ModuleType:
    """``load_litellm`` without blocking the event loop on the first import."""
    if load_litellm.cache_info().currsize:
        return load_litellm()
    return await asyncio.to_thread(load_litellm)


class _ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix; drop its arguments
            message = str(record.msg)
        record.msg, record.args = scrub(message), ()
        if record.exc_info:  # tracebacks carry raw provider errors; keep only the scrubbed line
            record.msg = f"{record.msg} ({scrub(repr(record.exc_info[1]))})"
            record.exc_info, record.exc_text = None, None
        return True


# -- cost ------------------------------------------------------------------------------------


def _model_entry(model: str) -> dict[str, Any] | None:
    """litellm's cost-map entry for a model string (``openai/gpt-4o`` or ``gpt-4o``)."""
    table = load_litellm().model_cost
    entry = table.get(model)
    if entry is None and "/" in model:
        provider, _, name = model.partition("/")
        candidate = table.get(name)
        if isinstance(candidate, dict) and str(candidate.get("litellm_provider", "")).startswith(provider):
            entry = candidate
    return entry if isinstance(entry, dict) and model != "sample_spec" else None


def model_cost(
    model: str, tokens_in: int, tokens_out: int,
    per_1k_in: float | None = None, per_1k_out: float | None = None,
) -> float | None:
    """US dollars for one call: explicit prices win, else litellm's local cost map; None if a
    price that matters (tokens were spent on that side) is unknown."""
    price_in = per_1k_in / 1000 if per_1k_in is not None else None
    price_out = per_1k_out / 1000 if per_1k_out is not None else None
    if (price_in is None and tokens_in) or (price_out is None and tokens_out):
        entry = _model_entry(model)
        if entry is not None:
            if price_in is None and isinstance(entry.get("input_cost_per_token"), (int, float)):
                price_in = float(entry["input_cost_per_token"])
            if price_out is None and isinstance(entry.get("output_cost_per_token"), (int, float)):
                price_out = float(entry["output_cost_per_token"])
    if (price_in is None and tokens_in) or (price_out is None and tokens_out):
        return None
    return (price_in or 0.0) * tokens_in + (price_out or 0.0) * tokens_out


def model_context_window(model: str) -> int | None:
    """Input tokens the model accepts, from litellm's local cost map; None if unknown."""
    entry = _model_entry(model)
    value = entry.get("max_input_tokens") if entry else None
    return value if isinstance(value, int) and value > 0 else None


# -- the provider ----------------------------------------------------------------------------


def _prompt_texts(messages: list[dict[str, str]]) -> list[str]:
    return [m.get("content", "") for m in messages if isinstance(m, dict) and isinstance(m.get("content"), str)]


def _api_base(model: str, api_base: str | None) -> str | None:
    if api_base and model.startswith("anthropic/"):
        # litellm appends /v1/messages to whatever base it gets (main.py, ensure_api_route), so
        # the ".../v1" base that suits OpenAI-style servers would become ".../v1/v1/messages".
        stripped = api_base.rstrip("/")
        return stripped[: -len("/v1")] if stripped.endswith("/v1") else api_base
    return api_base


class LiteLLMProvider:
    """Any litellm model string, one HTTP call per ``complete``; no retries of its own."""

    def __repr__(self) -> str:
        return "LiteLLMProvider()"

    async def complete(self, request: CompletionRequest) -> Completion:
        litellm = await aload_litellm()  # seconds on first use: not part of the call's deadline
        started = time.perf_counter()
        try:
            outcome = await asyncio.wait_for(self._call(litellm, request), timeout=request.timeout_s)
        except asyncio.TimeoutError:
            outcome = ProviderError(
                FailureKind.timeout, f"timed out: no answer within {request.timeout_s:g} s"
            )
        # Raised here, outside any except block and away from the frame that held the key, so
        # neither the traceback's locals nor an exception context carry litellm's raw errors.
        if isinstance(outcome, ProviderError):
            raise outcome
        latency_ms = (time.perf_counter() - started) * 1000
        return self._completion(request, outcome, latency_ms)

    async def _call(self, litellm: ModuleType, request: CompletionRequest) -> Any:
        """litellm's response, or the classified failure (returned, not raised: see above)."""
        key: str | None = None
        if request.api_key_env:
            key = os.environ.get(request.api_key_env)
            if not key:
                return ProviderError(
                    FailureKind.auth, f"authentication failed: environment variable {request.api_key_env} is not set"
                )
        elif request.api_base and request.model.startswith("openai/"):
            key = NO_KEY
        try:
            kwargs: dict[str, Any] = {
                "model": request.model, "messages": request.messages, "timeout": request.timeout_s,
                "max_retries": 0, "num_retries": 0, "drop_params": True,
            }
            api_base = _api_base(request.model, request.api_base)
            if api_base:
                kwargs["api_base"] = api_base
            if key is not None:
                kwargs["api_key"] = key
            if request.max_tokens is not None:
                kwargs["max_tokens"] = request.max_tokens
            if request.temperature is not None:
                kwargs["temperature"] = request.temperature
            return await litellm.acompletion(**kwargs)
        except Exception as exc:
            return classify(exc, secrets=[key] if key else [], prompts=_prompt_texts(request.messages))

    @staticmethod
    def _completion(request: CompletionRequest, response: Any, latency_ms: float) -> Completion:
        try:
            choice = response.choices[0]
            text = choice.message.content or ""
            finish_reason = getattr(choice, "finish_reason", None)
        except (AttributeError, IndexError, TypeError):
            raise ProviderError(FailureKind.server_error, "provider error: the answer has no choices") from None
        usage = getattr(response, "usage", None)
        tokens_in = int(getattr(usage, "prompt_tokens", 0) or 0)
        tokens_out = int(getattr(usage, "completion_tokens", 0) or 0)
        cost = model_cost(
            request.model, tokens_in, tokens_out, request.cost_per_1k_input, request.cost_per_1k_output
        )
        return Completion(
            text=text, model=str(getattr(response, "model", None) or request.model), tokens_in=tokens_in,
            tokens_out=tokens_out, cost_usd=cost, latency_ms=latency_ms,
            finish_reason=str(finish_reason) if finish_reason is not None else None,
        )
