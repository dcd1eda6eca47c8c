"""A fake LLM provider: a real HTTP server on 127.0.0.1 for tests and benchmarks.

It speaks OpenAI's chat completions API (``POST /v1/chat/completions``, also
``/chat/completions``) and Anthropic's messages API (``POST /v1/messages``), so litellm reaches
it through ``api_base`` exactly as it reaches a real provider. Each request gets a *fault*:

- from a marker in the prompt, ``[[fake:<spec>]]`` (wins; consumes nothing), else
- from the model's script, ``server.script("gpt-fake", ["429:retry-after=1", "500", "ok"])``
  (one step per request, in order), else
- from the model's default, ``server.default("gpt-fake", "ok:text=def f(:")``, else ``ok``.

Specs are ``kind[:key=value,...]``; ``text=`` takes the rest of the spec, commas included.

=============  =========================================================================
``ok``         a normal answer; ``text=`` fixes its text, ``delay=`` seconds before it
``slow``       ``ok`` after ``delay=`` seconds (default 5), for client timeouts
``429``        rate limited; ``retry-after=`` seconds and/or ``retry-after-ms=``
``500`` ...    any status code with a provider-shaped error body; ``text=`` sets its message,
               where ``{key}`` stands for the credential received and ``{prompt}`` for the
               last message (401 echoes the key by default, as careless servers do)
``context``    400 "context length exceeded" in the provider's own wording
``reset``      close the connection without an answer (TCP reset)
``malformed``  200 with a truncated JSON body
=============  =========================================================================

Every request is recorded (raw headers and body, model, fault, times, usage sent), with the
number of requests in flight per model and its maximum; ``hold()`` keeps answers back until
``release()``. No pytest in here: ``bench/`` imports it by path.
"""

from __future__ import annotations

import json
import math
import re
import select
import socket
import struct
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MARKER = re.compile(r"\[\[fake:(.*?)\]\]", re.DOTALL)
ANY_MODEL = "*"
# Where tests and benchmarks plant an API key (that must then appear nowhere but the headers).
PLANTED_KEY_ENV = "ORCHEX_TEST_API_KEY"
PLANTED_KEY = "sk-planted-0rch3x-DO-NOT-LEAK-7f3a9c"


@dataclass(frozen=True)
class Fault:
    """What the server does with one request."""

    kind: str = "ok"  # ok | slow | reset | malformed | context | an HTTP status ("429", "500")
    delay_s: float = 0.0
    retry_after: str | None = None  # raw Retry-After header value
    retry_after_ms: str | None = None  # raw retry-after-ms header value
    text: str | None = None

    @classmethod
    def parse(cls, spec: str | Fault) -> Fault:
        if isinstance(spec, Fault):
            return spec
        kind, _, rest = spec.lstrip().partition(":")  # text= may end in whitespace: keep it
        kind = kind.strip().lower()
        values: dict[str, str] = {}
        while rest:
            if rest.startswith("text="):
                values["text"] = rest[len("text="):]
                break
            item, _, rest = rest.partition(",")
            key, sep, value = item.partition("=")
            if not sep:
                raise ValueError(f"fake provider: bad fault option {item!r} in {spec!r} (want key=value)")
            values[key.strip().lower()] = value.strip()
        known = {"delay", "retry-after", "retry-after-ms", "text"}
        if unknown := set(values) - known:
            raise ValueError(f"fake provider: unknown option(s) {sorted(unknown)} in {spec!r}; known: {sorted(known)}")
        if kind not in {"ok", "slow", "reset", "malformed", "context"} and not kind.isdigit():
            raise ValueError(f"fake provider: unknown fault {kind!r} in {spec!r}")
        delay = float(values.get("delay", 5.0 if kind == "slow" else 0.0))
        return cls(
            kind=kind, delay_s=delay, retry_after=values.get("retry-after"),
            retry_after_ms=values.get("retry-after-ms"), text=values.get("text"),
        )


@dataclass
class RecordedRequest:
    """One request as the server saw it (headers and body raw, secrets included)."""

    index: int
    api: str  # "openai" | "anthropic"
    path: str
    model: str
    headers: dict[str, str]  # names lower-cased
    body: str
    fault: Fault
    started: float  # time.monotonic()
    ended: float | None = None  # set just before the answer is sent (or the request abandoned)
    status: int | None = None  # None: no answer (reset, or the client left first)
    client_closed: bool = False  # the client hung up before the answer was sent
    usage: tuple[int, int] | None = None  # (input, output) tokens reported in a normal answer

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def _message_texts(messages: Iterable[Any]) -> list[str]:
    """Plain text of chat messages in either API's shape (string content or content blocks)."""
    out = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if isinstance(content, str):
            out.append(content)
        elif isinstance(content, list):
            out.extend(b.get("text", "") for b in content if isinstance(b, dict) and isinstance(b.get("text"), str))
    return out


def count_tokens(text: str) -> int:
    """Roughly what a BPE tokenizer gives for English and code: one token per four characters."""
    return max(1, math.ceil(len(text) / 4))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # benchmarks open 50+ connections at once
    owner: FakeProvider


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like real providers
    disable_nagle_algorithm = True  # else every keep-alive answer waits ~40 ms for its ACK
    server: _Server
    before_answer: Callable[[], None] | None = None

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # stderr chatter would drown test output

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._track(self.connection, add=False)

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._send_json(404, {"error": {"message": f"no route GET {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        path = self.path.split("?", 1)[0].rstrip("/")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        if path in ("/v1/chat/completions", "/chat/completions"):
            api = "openai"
        elif path in ("/v1/messages", "/messages"):
            api = "anthropic"
        else:
            self._send_json(404, {"error": {"message": f"no route POST {self.path}", "type": "not_found"}})
            return
        self.server.owner._serve(self, api, path, body)

    # -- answers ------------------------------------------------------------------------------

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(payload).encode(), headers)

    def _answering(self) -> None:
        hook, self.before_answer = self.before_answer, None
        if hook is not None:
            hook()

    def _send_raw(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self._answering()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _reset(self) -> None:
        self._answering()
        # SO_LINGER 0 turns close() into a TCP RST: "connection reset by peer" on the client.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _client_left(self) -> bool:
        """True once the client closed its end (readable with no data pending = EOF)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _wait(self, gate: threading.Event, seconds: float) -> bool:
        """Wait for ``gate`` to open, then ``seconds``; False as soon as the client hangs up."""
        while not gate.is_set():
            if self._client_left():
                return False
            gate.wait(0.005)
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self._client_left():
                return False
            time.sleep(min(left, 0.005))
        return not self._client_left()


class FakeProvider:
    """The server. ``start()`` (or ``with``) binds an ephemeral port; ``stop()`` closes it."""

    def __init__(self, latency_s: float = 0.0, host: str = "127.0.0.1") -> None:
        self.latency_s = latency_s  # added to every request, faults included
        self._host = host
        self._lock = threading.Condition()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._gate = threading.Event()
        self.reset()

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeProvider:
        server = _Server((self._host, 0), _Handler)
        server.owner = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._gate.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:  # idle keep-alive connections would otherwise outlive the server
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server = None

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("fake provider is not running")
        return self._server.server_address[1]

    @property
    def root_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The OpenAI-style base (``.../v1``); litellm appends ``/chat/completions``."""
        return f"{self.root_url}/v1"

    # -- configuration ------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget scripts, defaults and recordings (the server keeps running)."""
        with self._lock:
            self._scripts: dict[str, deque[Fault]] = defaultdict(deque)
            self._defaults: dict[str, Fault] = {}
            self.requests: list[RecordedRequest] = []
            self._in_flight: dict[str, int] = defaultdict(int)
            self._max_in_flight: dict[str, int] = defaultdict(int)
            self._gate.set()
            self._lock.notify_all()

    def script(self, model: str, steps: Iterable[str | Fault]) -> None:
        """Queue one fault per coming request for ``model`` (the name the server receives,
        e.g. ``gpt-fake`` for litellm's ``openai/gpt-fake``; ``*`` for any model)."""
        faults = [Fault.parse(step) for step in steps]
        with self._lock:
            self._scripts[model].extend(faults)

    def default(self, model: str, step: str | Fault) -> None:
        """The fault for ``model`` once its script is used up (``*``: any model)."""
        with self._lock:
            self._defaults[model] = Fault.parse(step)

    def hold(self) -> None:
        """Keep every request (arrived or coming) waiting until ``release()``: concurrency tests
        can then count what is in flight without racing the answers."""
        self._gate.clear()

    def release(self) -> None:
        self._gate.set()

    # -- observations -------------------------------------------------------------------------

    def requests_for(self, model: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.model == model]

    def in_flight(self, model: str) -> int:
        with self._lock:
            return self._in_flight[model]

    def max_in_flight(self, model: str) -> int:
        """Most requests for ``model`` the server was handling at the same time."""
        with self._lock:
            return self._max_in_flight[model]

    def start_times(self, model: str) -> list[float]:
        """``time.monotonic()`` of each request's arrival, for rate checks."""
        return [r.started for r in self.requests_for(model)]

    def bodies_containing(self, secret: str) -> list[RecordedRequest]:
        """Requests whose body (not headers, where a key belongs) contains ``secret``."""
        with self._lock:
            return [r for r in self.requests if secret and secret in r.body]

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> bool:
        """Block until ``predicate(self.requests)`` is true; False after ``timeout`` seconds."""
        with self._lock:
            return self._lock.wait_for(lambda: predicate(self.requests), timeout)

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> bool:
        return self.wait_for(lambda reqs: len(reqs) >= count, timeout)

    def wait_for_in_flight(self, model: str, count: int, timeout: float = 10.0) -> bool:
        """Block until ``count`` requests for ``model`` are being handled at once."""
        with self._lock:
            return self._lock.wait_for(lambda: self._in_flight[model] >= count, timeout)

    def wait_until_idle(self, timeout: float = 10.0) -> bool:
        """Block until every recorded request has ended (answered, reset or abandoned)."""
        return self.wait_for(lambda reqs: all(r.ended is not None for r in reqs), timeout)

    # -- serving (handler threads) ------------------------------------------------------------

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            (self._connections.add if add else self._connections.discard)(conn)

    def _pick(self, model: str, texts: list[str]) -> Fault:
        for text in texts:
            if match := MARKER.search(text):
                return Fault.parse(match.group(1))
        for key in (model, ANY_MODEL):
            if self._scripts.get(key):
                return self._scripts[key].popleft()
        return self._defaults.get(model) or self._defaults.get(ANY_MODEL) or Fault()

    def _serve(self, handler: _Handler, api: str, path: str, body: str) -> None:
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise ValueError("not an object")
        except ValueError:
            payload = None
        model = str(payload.get("model", "")) if payload else ""
        messages = list(payload.get("messages") or []) if payload else []
        if payload and isinstance(payload.get("system"), (str, list)):
            messages.insert(0, {"role": "system", "content": payload["system"]})
        texts = _message_texts(messages)
        with self._lock:
            try:
                fault = self._pick(model, texts)
            except ValueError as exc:  # a bad marker: answer 400 and say why
                fault = Fault(kind="400", text=str(exc))
            record = RecordedRequest(
                index=len(self.requests), api=api, path=path, model=model,
                headers={k.lower(): v for k, v in handler.headers.items()}, body=body, fault=fault, started=time.monotonic(),
            )
            self.requests.append(record)
            self._in_flight[model] += 1
            self._max_in_flight[model] = max(self._max_in_flight[model], self._in_flight[model])
            self._lock.notify_all()
        def finish() -> None:
            with self._lock:
                if record.ended is None:
                    record.ended = time.monotonic()
                    self._in_flight[model] -= 1
                    self._lock.notify_all()

        # The request stops counting as in flight *before* its answer goes out: a client that
        # sends its next request on receipt must never find the previous one still counted.
        handler.before_answer = finish
        try:
            if payload is None:
                record.status = 400
                handler._send_json(400, _error(api, 400, "request body is not a JSON object"))
            else:
                self._answer(handler, api, record, fault, texts)
        except OSError:
            record.client_closed = True
        finally:
            handler.before_answer = None
            finish()

    def _answer(self, handler: _Handler, api: str, record: RecordedRequest, fault: Fault, texts: list[str]) -> None:
        if not handler._wait(self._gate, self.latency_s + fault.delay_s):
            record.client_closed = True
            handler.close_connection = True
            return
        kind = fault.kind
        if kind == "reset":
            handler._reset()
            return
        if kind == "malformed":
            record.status = 200
            handler._send_raw(200, b'{"id": "chatcmpl-broken", "object": "chat.completion", "choices": [{"ind')
            return
        if kind == "context":
            record.status = 400
            handler._send_json(400, _context_error(api, sum(count_tokens(t) for t in texts)))
            return
        if kind.isdigit():
            status = int(kind)
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = fault.retry_after
            if fault.retry_after_ms is not None:
                headers["retry-after-ms"] = fault.retry_after_ms
            message = fault.text or _STATUS_TEXT.get(status, f"fake provider error {status}")
            if "{key}" in message:  # echo the credential received, as careless servers do
                got = handler.headers.get("Authorization") or handler.headers.get("x-api-key") or ""
                message = message.replace("{key}", got)
            if "{prompt}" in message:  # ... or the prompt
                message = message.replace("{prompt}", texts[-1] if texts else "")
            record.status = status
            handler._send_json(status, _error(api, status, message), headers)
            return
        text = fault.text if fault.text is not None else f"Fake answer #{record.index} from {record.model}."
        tokens_in = sum(count_tokens(t) for t in texts) + 3 * len(texts)  # per-message framing
        tokens_out = count_tokens(text)
        record.status, record.usage = 200, (tokens_in, tokens_out)
        handler._send_json(200, _completion(api, record, text, tokens_in, tokens_out))


_STATUS_TEXT = {
    400: "Invalid request.",
    401: "Incorrect API key provided: {key}. You can find your API key in your account settings.",
    403: "You are not allowed to use this model.",
    404: "The model does not exist.",
    408: "Request timed out.",
    429: "Rate limit reached for requests. Please try again later.",
    500: "The server had an error while processing your request.",
    502: "Bad gateway.",
    503: "The engine is currently overloaded, please try again later.",
    529: "Overloaded.",
}

_ANTHROPIC_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
    404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
    500: "api_error", 529: "overloaded_error",
}


def _error(api: str, status: int, message: str) -> dict[str, Any]:
    if api == "anthropic":
        return {"type": "error", "error": {"type": _ANTHROPIC_TYPES.get(status, "api_error"), "message": message}}
    codes = {401: "invalid_api_key", 429: "rate_limit_exceeded"}
    kind = "invalid_request_error" if status < 500 else "server_error"
    return {"error": {"message": message, "type": kind, "param": None, "code": codes.get(status)}}


def _context_error(api: str, tokens: int) -> dict[str, Any]:
    if api == "anthropic":
        return _error(api, 400, f"prompt is too long: {tokens + 200000} tokens > 200000 maximum")
    return {"error": {
        "message": (
            f"This model's maximum context length is 8192 tokens. However, your messages resulted in "
            f"{tokens + 8192} tokens. Please reduce the length of the messages."
        ),
        "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded",
    }}


def _completion(api: str, record: RecordedRequest, text: str, tokens_in: int, tokens_out: int) -> dict[str, Any]:
    if api == "anthropic":
        return {
            "id": f"msg_fake{record.index:06d}", "type": "message", "role": "assistant", "model": record.model,
            "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out},
        }
    return {
        "id": f"chatcmpl-fake{record.index:06d}", "object": "chat.completion", "created": int(time.time()),
        "model": record.model, "system_fingerprint": "fp_fake",
        "choices": [{
            "index": 0, "message": {"role": "assistant", "content": text}, "logprobs": None,
            "finish_reason": "stop",
        }],
        "usage": {"prompt_tokens": tokens_in, "completion_tokens": tokens_out, "total_tokens": tokens_in + tokens_out},
    }
