"""Why a provider call failed: one small vocabulary the router, fallback chain and storage share,
and ``classify``, which reads it off whatever exception a call raised.

Failures are classified from what actually came back over the wire (HTTP status, Retry-After,
the transport error) rather than from litellm's exception class, which is not reliable: a 401
can arrive as ``BadRequestError``, a refused connection as ``InternalServerError`` (500), a
truncated JSON answer as ``APIConnectionError``. Nothing here imports litellm, httpx or openai.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import math
import os
import re
import time
from collections.abc import Iterable
from enum import Enum
from typing import Any


class FailureKind(str, Enum):
    rate_limited = "rate_limited"  # 429: wait (Retry-After) and retry, or go elsewhere
    server_error = "server_error"  # 5xx, or an answer that is not valid JSON
    timeout = "timeout"  # no answer in time (ours, the client's, 408 or a gateway's 504)
    connection = "connection"  # refused, reset, DNS: nothing came back
    auth = "auth"  # 401/403 or a missing key: the agent is unusable until someone fixes it
    bad_request = "bad_request"  # other 4xx, or a request litellm itself refused
    context_window = "context_window"  # the prompt does not fit: an agent with a larger window might do
    invalid_output = "invalid_output"  # a validator rejected the answer
    budget = "budget"  # over our budget, or the provider account is out of credit
    policy = "policy"  # governance or the provider's content policy said no
    cancelled = "cancelled"  # the task was cancelled while the call ran


# Worth another try on the same agent after a pause; the others need a different agent or a human.
RETRYABLE = frozenset({
    FailureKind.rate_limited, FailureKind.server_error, FailureKind.timeout, FailureKind.connection,
})


class ProviderError(Exception):
    """A failed call, classified. ``message`` never holds an API key or prompt text."""

    def __init__(
        self, kind: FailureKind, message: str, status: int | None = None, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message)
        self.kind = FailureKind(kind)
        self.message = message
        self.status = status
        self.retry_after_s = retry_after_s

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"ProviderError(kind={self.kind.value!r}, status={self.status!r}, "
            f"retry_after_s={self.retry_after_s!r}, message={self.message!r})"
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Exceptions pickle their args; ours has keyword-shaped state (multiprocessing, caches).
        return (ProviderError, (self.kind, self.message, self.status, self.retry_after_s))


# -- secrets ---------------------------------------------------------------------------------

_SECRET_PATTERNS = (
    (re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}"), "sk-***"),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=\-]{4,}"), "Bearer ***"),
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{20,}"), "AIza***"),
    (re.compile(r"(?i)\b(x-api-key|api[_-]?key|authorization|access[_-]?token)(\"?'?\s*[:=]\s*[\"']?)[^\s\"',}]{4,}"), r"\1\2***"),
    (re.compile(r"://[^/@\s:]+:[^/@\s]+@"), "://***@"),  # user:password in URLs
    (re.compile(r"(?i)([?&](?:key|token|sig)=)[^&\s\"']+"), r"\1***"),  # keys in query strings
)
_SECRET_ENV_NAME = re.compile(r"(?i)(api_?key|token|secret|password)")


def _env_secrets() -> list[str]:
    """Values of environment variables that look like credentials, longest first."""
    values = {v for k, v in os.environ.items() if _SECRET_ENV_NAME.search(k) and len(v) >= 8}
    return sorted(values, key=len, reverse=True)


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without the given secrets, credential-looking environment values and anything
    shaped like an API key or bearer token."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "***")
    for secret in _env_secrets():
        text = text.replace(secret, "***")
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_prompts(text: str, prompts: Iterable[str]) -> str:
    # Providers (and litellm's messages) sometimes quote the request back; prompts are private.
    for prompt in sorted({p for p in prompts if isinstance(p, str) and len(p) >= 8}, key=len, reverse=True):
        text = text.replace(prompt, "[prompt]")
    return text


# -- classification --------------------------------------------------------------------------

# Matched on class names along the MRO so that classifying needs no import of httpx, aiohttp,
# openai or litellm (the orchestrator classifies its own timeouts before litellm is loaded).
_TIMEOUT_NAMES = frozenset({
    "TimeoutError", "TimeoutException", "ReadTimeout", "WriteTimeout", "ConnectTimeout", "PoolTimeout",
    "APITimeoutError", "ServerTimeoutError", "SocketTimeoutError", "ConnectionTimeoutError",
})
_CONNECTION_NAMES = frozenset({
    "ConnectionError", "ConnectError", "ReadError", "WriteError", "RemoteProtocolError", "NetworkError",
    "ClientConnectionError", "ClientOSError", "ClientConnectorError", "ServerDisconnectedError",
    "gaierror", "SSLError",
})
_MISSING_KEY = re.compile(
    r"(?i)missing credentials|api_key client option must be set|no key is set|missing \w+ api key|"
    r"api key (?:is )?(?:missing|not set|required)"
)
_CONTEXT_WORDS = re.compile(
    r"(?i)context[ _-]?length|context[ _-]?window|maximum context|prompt is too long|too many tokens|"
    r"reduce the length|input is too long|exceeds? the (?:model'?s? )?(?:maximum|max)"
)
_POLICY_WORDS = re.compile(r"(?i)content[ _-]?policy|content[ _-]?filter|safety system|flagged")
_QUOTA_WORDS = re.compile(r"(?i)insufficient[ _-]?quota|exceeded your current quota|credit balance is too low")

_LABELS = {
    FailureKind.rate_limited: "rate limited",
    FailureKind.server_error: "provider error",
    FailureKind.timeout: "timed out",
    FailureKind.connection: "connection failed",
    FailureKind.auth: "authentication failed",
    FailureKind.bad_request: "request refused",
    FailureKind.context_window: "prompt exceeds the model's context window",
    FailureKind.invalid_output: "invalid output",
    FailureKind.budget: "out of budget or credit",
    FailureKind.policy: "refused by content policy",
    FailureKind.cancelled: "cancelled",
}
_DETAIL_MAX = 300


def _names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception it was raised from or during, outermost first."""
    out: list[BaseException] = []
    seen: set[int] = set()
    stack = [exc]
    while stack and len(out) < 32:
        current = stack.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        out.append(current)
        stack.extend(e for e in (current.__cause__, current.__context__) if isinstance(e, BaseException))
    return out


def _attr(obj: object, name: str) -> Any:
    try:  # some of litellm's responses raise on attribute access (no request attached)
        return getattr(obj, name, None)
    except Exception:
        return None


def _is_wire_status_error(exc: BaseException) -> bool:
    """An error raised on a real HTTP error answer (not one litellm made up afterwards)."""
    names = _names(exc)
    if "HTTPStatusError" in names:  # httpx, and litellm's MaskedHTTPStatusError
        return True
    return "APIStatusError" in names and type(exc).__module__.split(".")[0] == "openai"


def _wire_response(chain: list[BaseException]) -> Any:
    for exc in chain:
        if _is_wire_status_error(exc):
            response = _attr(exc, "response")
            if isinstance(_attr(response, "status_code"), int):
                return response
    return None


def _headers(chain: list[BaseException], response: Any) -> dict[str, str]:
    """Response headers, lower-cased, from the wire response or any exception that kept them."""
    out: dict[str, str] = {}
    sources = [_attr(response, "headers")]
    for exc in chain:
        sources += [_attr(_attr(exc, "response"), "headers"), _attr(exc, "headers")]
    for headers in sources:
        try:
            items = list(headers.items()) if headers else []
        except Exception:
            continue
        for key, value in items:
            out.setdefault(str(key).lower(), str(value))
    return out


def _parse_retry_after(headers: dict[str, str]) -> float | None:
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            value = float(raw_ms) / 1000
            if math.isfinite(value) and value >= 0:
                return value
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        value = float(raw)
        return value if math.isfinite(value) and value >= 0 else None
    except ValueError:
        pass
    try:  # the HTTP-date form
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _fallback_status(chain: list[BaseException]) -> int | None:
    """The status litellm put on its exception when nothing from the wire survived."""
    for exc in chain:
        for source in (exc, _attr(exc, "response")):
            status = _attr(source, "status_code")
            if isinstance(status, int) and 100 <= status <= 599:
                return status
            if isinstance(status, str) and status.isdigit():
                return int(status)
    return None


def _body_message(response: Any) -> str | None:
    """The provider's own error message from an error answer's body."""
    try:
        raw = response.content
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    except Exception:
        return None
    try:
        body = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:_DETAIL_MAX] or None
    for path in (("error", "message"), ("error",), ("message",), ("detail",)):
        value: Any = body
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value:
            return value
    return None


def _innermost_text(chain: list[BaseException]) -> str:
    """The root cause in words (``[Errno 104] Connection reset by peer``), not litellm's wrapper."""
    for exc in reversed(chain):
        text = str(exc).strip()
        if text and not type(exc).__module__.startswith("litellm"):
            return text
    return str(chain[0]).strip() or type(chain[0]).__name__


def _kind_for_status(status: int, text: str, names: set[str]) -> FailureKind:
    if status in (401, 403, 407):
        return FailureKind.auth
    if status == 402 or _QUOTA_WORDS.search(text):
        return FailureKind.budget
    if status == 429:
        return FailureKind.rate_limited
    if status in (408, 504):
        return FailureKind.timeout
    if status >= 500:
        return FailureKind.server_error
    if "ContextWindowExceededError" in names or _CONTEXT_WORDS.search(text):
        return FailureKind.context_window
    if "ContentPolicyViolationError" in names or _POLICY_WORDS.search(text):
        return FailureKind.policy
    return FailureKind.bad_request


def _make(
    kind: FailureKind, detail: str, status: int | None, retry_after: float | None,
    secrets: Iterable[str], prompts: Iterable[str],
) -> ProviderError:
    detail = _redact_prompts(scrub(" ".join(detail.split()), secrets), prompts)
    if len(detail) > _DETAIL_MAX:
        detail = detail[: _DETAIL_MAX - 1] + "…"
    head = _LABELS[kind] + (f" (HTTP {status})" if status is not None else "")
    return ProviderError(kind, f"{head}: {detail}" if detail else head, status=status, retry_after_s=retry_after)


def classify(
    exc: BaseException, *, secrets: Iterable[str] = (), prompts: Iterable[str] = ()
) -> ProviderError:
    """Map any exception from a provider call to a ``ProviderError``.

    ``secrets`` (the key used) and ``prompts`` (the messages' text) are removed from the
    message, besides anything shaped like a key. ``asyncio.CancelledError`` maps to
    ``cancelled`` here, but ``LiteLLMProvider`` lets it propagate.
    """
    secrets, prompts = list(secrets), list(prompts)
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, asyncio.CancelledError):
        return ProviderError(FailureKind.cancelled, "cancelled")
    chain = _chain(exc)
    names = set().union(*(_names(e) for e in chain))
    response = _wire_response(chain)
    retry_after = _parse_retry_after(_headers(chain, response))
    if response is not None:  # an HTTP error answer came back: its status decides
        status = response.status_code
        detail = _body_message(response) or _innermost_text(chain)
        kind = _kind_for_status(status, detail, names)
        return _make(kind, detail, status, retry_after, secrets, prompts)
    if "JSONDecodeError" in names:  # a 200 whose body is not JSON: the server's fault
        return _make(
            FailureKind.server_error, f"the answer is not valid JSON ({_innermost_text(chain)})",
            None, retry_after, secrets, prompts,
        )
    if names & _TIMEOUT_NAMES or "Timeout" in {type(e).__name__ for e in chain}:
        return _make(FailureKind.timeout, _innermost_text(chain), None, retry_after, secrets, prompts)
    if names & _CONNECTION_NAMES or any(
        "APIConnectionError" in _names(e) and type(e).__module__.split(".")[0] == "openai" for e in chain
    ):
        return _make(FailureKind.connection, _innermost_text(chain), None, retry_after, secrets, prompts)
    text = " ".join(str(e) for e in chain)
    if _MISSING_KEY.search(text):
        return _make(FailureKind.auth, _innermost_text(chain), None, None, secrets, prompts)
    if "BudgetExceededError" in names:
        return _make(FailureKind.budget, _innermost_text(chain), None, None, secrets, prompts)
    status = _fallback_status(chain)
    if status is not None and status != 200:
        return _make(_kind_for_status(status, text, names), _innermost_text(chain), status, retry_after, secrets, prompts)
    # Not from the wire and not recognised (a bug, a bad parameter): another try would fail alike.
    detail = f"{type(exc).__name__}: {_innermost_text(chain)}"
    return _make(FailureKind.bad_request, detail, None, None, secrets, prompts)
