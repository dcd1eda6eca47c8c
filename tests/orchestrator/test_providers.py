"""The wire: real litellm calls to the fake provider, and how their failures are classified."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
import textwrap
import traceback
from pathlib import Path

import httpx
import pytest
from fake_provider import PLANTED_KEY_ENV, FakeProvider

from orchex_ls.orchestrator.failures import FailureKind, ProviderError
from orchex_ls.orchestrator.providers import (
    NO_KEY,
    Completion,
    CompletionRequest,
    LiteLLMProvider,
    Provider,
    classify,
    load_litellm,
    model_context_window,
    model_cost,
    scrub,
)

REPO = Path(__file__).resolve().parents[2]
APIS = ("openai", "anthropic")
MODEL = {"openai": "gpt-fake", "anthropic": "claude-fake"}


def request(server: FakeProvider, api: str, prompt: str = "say something", **extra: object) -> CompletionRequest:
    fields: dict[str, object] = {
        "model": f"{api}/{MODEL[api]}",
        "messages": [{"role": "user", "content": prompt}],
        "api_base": server.base_url if api == "openai" else server.root_url,
        "api_key_env": PLANTED_KEY_ENV,
        "timeout_s": 10,
    }
    fields.update(extra)
    return CompletionRequest.model_validate(fields)


async def fail(req: CompletionRequest) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        await LiteLLMProvider().complete(req)
    return info.value


def test_litellm_provider_is_a_provider() -> None:
    assert isinstance(LiteLLMProvider(), Provider)


# -- success -----------------------------------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
async def test_completion_carries_the_servers_token_counts_and_our_prices(
    api: str, fake_provider: FakeProvider, planted_key: str
) -> None:
    fake_provider.default(MODEL[api], "ok:text=def add(a, b):\n    return a + b\n")
    req = request(fake_provider, api, "write add()", cost_per_1k_input=3.0, cost_per_1k_output=15.0,
                  max_tokens=64, temperature=0.2)
    result = await LiteLLMProvider().complete(req)
    [sent] = fake_provider.requests
    assert isinstance(result, Completion)
    assert result.text == "def add(a, b):\n    return a + b\n"
    assert sent.usage is not None
    assert (result.tokens_in, result.tokens_out) == sent.usage
    assert result.cost_usd == pytest.approx(sent.usage[0] * 3.0 / 1000 + sent.usage[1] * 15.0 / 1000)
    assert result.latency_ms > 0
    assert result.model.endswith(MODEL[api])
    body = sent.json
    assert body["model"] == MODEL[api]
    assert body["max_tokens"] == 64
    assert body["temperature"] == 0.2
    if api == "openai":
        assert sent.path == "/v1/chat/completions"
        assert sent.headers["authorization"] == f"Bearer {planted_key}"
    else:
        assert sent.path == "/v1/messages"
        assert sent.headers["x-api-key"] == planted_key
    assert fake_provider.bodies_containing(planted_key) == []


async def test_key_is_read_from_the_environment_at_call_time(
    fake_provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = LiteLLMProvider()
    for key in ("sk-first-key-111111", "sk-second-key-222222"):
        monkeypatch.setenv(PLANTED_KEY_ENV, key)
        await provider.complete(request(fake_provider, "openai"))
    assert [r.headers["authorization"] for r in fake_provider.requests] == [
        "Bearer sk-first-key-111111", "Bearer sk-second-key-222222",
    ]
    assert "sk-" not in repr(provider) + repr(request(fake_provider, "openai"))


async def test_missing_key_variable_is_auth_and_sends_nothing(
    fake_provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ORCHEX_TEST_UNSET_KEY", raising=False)
    error = await fail(request(fake_provider, "openai", api_key_env="ORCHEX_TEST_UNSET_KEY"))
    assert error.kind is FailureKind.auth and not error.retryable
    assert "ORCHEX_TEST_UNSET_KEY" in error.message
    assert fake_provider.requests == []


async def test_keyless_openai_compatible_server(fake_provider: FakeProvider) -> None:
    # llama.cpp, vLLM and Ollama need no key; litellm would refuse an openai/ model without one.
    result = await LiteLLMProvider().complete(request(fake_provider, "openai", api_key_env=None))
    assert result.text
    assert fake_provider.requests[0].headers["authorization"] == f"Bearer {NO_KEY}"


async def test_anthropic_base_ending_in_v1_still_reaches_messages(
    fake_provider: FakeProvider, planted_key: str
) -> None:
    await LiteLLMProvider().complete(request(fake_provider, "anthropic", api_base=fake_provider.base_url))
    assert fake_provider.requests[0].path == "/v1/messages"


# -- every failure kind, through litellm -------------------------------------------------------

CASES = [
    # (fault, kind, status, retry_after_s)
    ("429:retry-after=1", FailureKind.rate_limited, 429, 1.0),
    ("429:retry-after-ms=250", FailureKind.rate_limited, 429, 0.25),
    ("429", FailureKind.rate_limited, 429, None),
    ("500", FailureKind.server_error, 500, None),
    ("503:retry-after=2", FailureKind.server_error, 503, 2.0),
    ("529", FailureKind.server_error, 529, None),
    ("401", FailureKind.auth, 401, None),
    # litellm raises BadRequestError for this 401 (its "could not be verified" wording rule).
    ("401:text=Your token {key} could not be verified", FailureKind.auth, 401, None),
    ("403", FailureKind.auth, 403, None),
    ("408", FailureKind.timeout, 408, None),
    ("context", FailureKind.context_window, 400, None),
    ("400", FailureKind.bad_request, 400, None),
    ("404", FailureKind.bad_request, 404, None),
    ("429:text=You exceeded your current quota, please check your plan", FailureKind.budget, 429, None),
    ("reset", FailureKind.connection, None, None),
    ("malformed", FailureKind.server_error, None, None),
]


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("fault, kind, status, retry_after", CASES, ids=[c[0].split(":text")[0] for c in CASES])
async def test_failure_is_classified_from_the_wire(
    api: str, fault: str, kind: FailureKind, status: int | None, retry_after: float | None,
    fake_provider: FakeProvider, planted_key: str,
) -> None:
    fake_provider.script(MODEL[api], [fault])
    error = await fail(request(fake_provider, api))
    assert (error.kind, error.status) == (kind, status), error.message
    assert error.retry_after_s == pytest.approx(retry_after) if retry_after is not None else error.retry_after_s is None
    assert error.retryable == (kind in {FailureKind.rate_limited, FailureKind.server_error, FailureKind.timeout, FailureKind.connection})
    assert len(fake_provider.requests) == 1  # litellm retried nothing: retries are ours
    assert planted_key not in error.message


@pytest.mark.parametrize("api", APIS)
async def test_malformed_answer_says_why(api: str, fake_provider: FakeProvider, planted_key: str) -> None:
    fake_provider.script(MODEL[api], ["malformed"])
    assert "not valid JSON" in (await fail(request(fake_provider, api))).message


@pytest.mark.parametrize("api", APIS)
async def test_slow_answer_times_out_and_the_call_is_dropped(
    api: str, fake_provider: FakeProvider, planted_key: str
) -> None:
    fake_provider.script(MODEL[api], ["slow:delay=30"])
    error = await fail(request(fake_provider, api, timeout_s=0.3))
    assert error.kind is FailureKind.timeout and error.retryable
    assert fake_provider.wait_until_idle()
    assert fake_provider.requests[0].client_closed  # nobody is left waiting on the server


async def test_refused_connection(planted_key: str) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    req = CompletionRequest(
        model="openai/gpt-fake", messages=[{"role": "user", "content": "hi"}],
        api_base=f"http://127.0.0.1:{port}/v1", api_key_env=PLANTED_KEY_ENV, timeout_s=5,
    )
    error = await fail(req)
    assert error.kind is FailureKind.connection and error.status is None


async def test_no_key_anywhere_is_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_ADMIN_KEY", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for model in ("openai/gpt-4o", "anthropic/claude-sonnet-4-5"):  # litellm refuses before any request
        req = CompletionRequest(model=model, messages=[{"role": "user", "content": "hi"}], timeout_s=5)
        error = await fail(req)
        assert error.kind is FailureKind.auth and not error.retryable, error.message


async def test_unknown_provider_is_a_bad_request(planted_key: str) -> None:
    req = CompletionRequest(model="no-such-provider-model", messages=[{"role": "user", "content": "hi"}], timeout_s=5)
    error = await fail(req)
    assert error.kind is FailureKind.bad_request and not error.retryable


# -- cancellation -----------------------------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
async def test_cancelling_the_task_stops_the_http_call(
    api: str, fake_provider: FakeProvider, planted_key: str
) -> None:
    fake_provider.script(MODEL[api], ["slow:delay=30"])
    task = asyncio.create_task(LiteLLMProvider().complete(request(fake_provider, api, timeout_s=60)))
    assert await asyncio.to_thread(fake_provider.wait_for_requests, 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):  # propagated, not turned into a ProviderError
        await task
    assert await asyncio.to_thread(fake_provider.wait_until_idle)
    assert fake_provider.requests[0].client_closed


# -- secrets ----------------------------------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("fault", ["401", "401:text=Your token {key} could not be verified", "400:text=bad key {key}"])
async def test_planted_key_never_leaves_in_errors_or_logs(
    api: str, fault: str, fake_provider: FakeProvider, planted_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_provider.script(MODEL[api], [fault])
    error = await fail(request(fake_provider, api))
    # The server did echo it, so litellm's own exception carried it.
    assert fake_provider.requests[0].status in (400, 401)
    texts = [error.message, str(error), repr(error), "".join(traceback.format_exception(error))]
    texts += [r.getMessage() for r in caplog.records] + [r.exc_text or "" for r in caplog.records]
    assert all(planted_key not in text for text in texts)
    assert error.__cause__ is None and error.__context__ is None  # litellm's raw error is not attached
    assert "***" in error.message


@pytest.mark.parametrize("api", APIS)
async def test_prompt_quoted_back_is_not_in_the_error(
    api: str, fake_provider: FakeProvider, planted_key: str
) -> None:
    prompt = "refactor the confidential payroll module please"
    fake_provider.script(MODEL[api], ["400:text=cannot handle {prompt}"])
    error = await fail(request(fake_provider, api, prompt))
    assert "payroll" not in error.message
    assert "[prompt]" in error.message


def test_scrub_removes_key_shapes_and_named_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_SERVICE_TOKEN", "plain-token-value-123")
    text = (
        "key sk-abcdef123456 header Bearer eyJhbGciOi.xyz api_key=hunter2hunter2 "
        "x-api-key: zzzz9999 url https://user:pw@host/v1?key=AIza-raw token plain-token-value-123 mine"
    )
    out = scrub(text, secrets=["mine"])
    for leaked in ("abcdef123456", "eyJhbGciOi", "hunter2hunter2", "zzzz9999", "user:pw", "AIza-raw",
                   "plain-token-value-123", "mine"):
        assert leaked not in out
    assert out.startswith("key sk-*** header Bearer ***")


# -- classify without the wire ----------------------------------------------------------------


def _status_error(status: int, headers: dict[str, str], body: bytes = b"{}") -> httpx.HTTPStatusError:
    req = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
    response = httpx.Response(status, headers=headers, content=body, request=req)
    return httpx.HTTPStatusError("error", request=req, response=response)


def test_retry_after_as_an_http_date() -> None:
    from datetime import datetime, timedelta, timezone
    from email.utils import format_datetime

    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=120), usegmt=True)
    error = classify(_status_error(429, {"Retry-After": when}))
    assert error.kind is FailureKind.rate_limited
    assert error.retry_after_s is not None and 60 < error.retry_after_s <= 120


def test_garbage_retry_after_is_ignored() -> None:
    assert classify(_status_error(429, {"Retry-After": "soon"})).retry_after_s is None
    assert classify(_status_error(429, {"Retry-After": "-5"})).retry_after_s is None


def test_status_wins_over_the_exception_class() -> None:
    # What litellm does with a 401 it reads as a bad request: the wire status decides.
    try:
        try:
            raise _status_error(401, {}, b'{"error": {"message": "token could not be verified"}}')
        except httpx.HTTPStatusError as inner:
            raise ValueError("litellm.BadRequestError: something") from inner
    except ValueError as outer:
        error = classify(outer)
    assert (error.kind, error.status) == (FailureKind.auth, 401)
    assert "could not be verified" in error.message


@pytest.mark.parametrize("exc, kind", [
    (asyncio.TimeoutError(), FailureKind.timeout),
    (TimeoutError("slow"), FailureKind.timeout),
    (ConnectionRefusedError(111, "refused"), FailureKind.connection),
    (ConnectionResetError(104, "reset"), FailureKind.connection),
    (asyncio.CancelledError(), FailureKind.cancelled),
    (RuntimeError("something odd"), FailureKind.bad_request),
])
def test_plain_exceptions(exc: BaseException, kind: FailureKind) -> None:
    assert classify(exc).kind is kind


def test_provider_error_passes_through() -> None:
    error = ProviderError(FailureKind.invalid_output, "does not parse")
    assert classify(error) is error


# -- cost -------------------------------------------------------------------------------------


def test_explicit_prices_win() -> None:
    assert model_cost("openai/gpt-4o", 1000, 2000, per_1k_in=1.0, per_1k_out=2.0) == pytest.approx(5.0)


def test_cost_map_prices_with_a_provider_prefix() -> None:
    entry = load_litellm().model_cost["gpt-4o"]
    expected = 100 * entry["input_cost_per_token"] + 10 * entry["output_cost_per_token"]
    assert model_cost("openai/gpt-4o", 100, 10) == pytest.approx(expected)
    assert model_cost("gpt-4o", 100, 10) == pytest.approx(expected)
    assert model_context_window("openai/gpt-4o") == entry["max_input_tokens"]


def test_unknown_model_cost() -> None:
    assert model_cost("openai/gpt-fake", 100, 10) is None
    assert model_cost("openai/gpt-fake", 100, 10, per_1k_in=1.0) is None  # output price unknown
    assert model_cost("openai/gpt-fake", 100, 0, per_1k_in=1.0) == pytest.approx(0.1)
    assert model_context_window("openai/gpt-fake") is None


# -- litellm must stay out of the way ---------------------------------------------------------


def _run(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LITELLM_")}  # load_litellm sets them
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "tests")])
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, timeout=120, cwd=REPO,
    )


def test_importing_providers_does_not_import_litellm() -> None:
    done = _run("""
        import sys
        import orchex_ls.orchestrator.providers, orchex_ls.orchestrator.failures
        print(sorted(m for m in ("litellm", "openai", "httpx") if m in sys.modules))
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_failed_calls_print_nothing_on_stdout_and_reach_no_one_else(planted_key: str) -> None:
    # The host logs at DEBUG, the worst case: litellm's own handler would write to stdout.
    done = _run(f"""
        import asyncio, logging, sys

        def audit(event, args):  # litellm must not fetch cost maps or catalogs on its own
            host = None
            if event == "socket.getaddrinfo":
                host = args[0]
            elif event == "socket.connect" and isinstance(args[1], tuple):
                host = args[1][0]
            if isinstance(host, (str, bytes)) and host not in ("127.0.0.1", "localhost", b"127.0.0.1"):
                sys.stderr.write(f"EXTERNAL CONNECT {{event}} {{host!r}}\\n")
        sys.addaudithook(audit)
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
        from fake_provider import FakeProvider
        from orchex_ls.orchestrator.providers import CompletionRequest, LiteLLMProvider, ProviderError

        async def main():
            with FakeProvider() as server:
                provider = LiteLLMProvider()
                for model, fault in [("openai/m", "500"), ("openai/m", "401"), ("anthropic/m", "429"),
                                     ("openai/m", "reset"), ("openai/m", "malformed"), ("openai/m", "ok"),
                                     ("nonsense-model", "ok")]:
                    base = server.base_url if model.startswith("openai") else server.root_url
                    req = CompletionRequest(model=model, messages=[{{"role": "user", "content": f"[[fake:{{fault}}]]"}}],
                                            api_base=base, api_key_env={PLANTED_KEY_ENV!r}, timeout_s=10)
                    try:
                        await provider.complete(req)
                    except ProviderError as error:
                        sys.stderr.write(f"{{model}} {{fault}}: {{error.kind.value}}\\n")
        asyncio.run(main())
    """)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == ""
    assert "openai/m 500: server_error" in done.stderr  # the calls did fail, and were classified
    assert "EXTERNAL CONNECT" not in done.stderr
    assert planted_key not in done.stderr


def test_litellm_log_records_are_scrubbed(planted_key: str, caplog: pytest.LogCaptureFixture) -> None:
    load_litellm()
    logger = logging.getLogger("LiteLLM")
    try:
        raise RuntimeError(f"upstream said Bearer {planted_key}")
    except RuntimeError:
        logger.exception("call with api_key=%s failed", planted_key)
    logger.debug("debug lines are not even made: %s", planted_key)
    [record] = [r for r in caplog.records if r.name == "LiteLLM"]
    assert planted_key not in record.getMessage() and record.exc_info is None
    assert "upstream said Bearer ***" in record.getMessage()  # the error's words survive, scrubbed
