"""The fake provider itself, spoken to with the standard library's HTTP client (no litellm)."""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
from typing import Any

import pytest
from fake_provider import FakeProvider, Fault


def post(server: FakeProvider, body: dict[str, Any], path: str = "/v1/chat/completions",
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def chat(model: str, text: str = "hello there") -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}]}


def test_openai_answer_has_usage_and_is_recorded(fake_provider: FakeProvider) -> None:
    status, _, raw = post(fake_provider, chat("m1", "a" * 40), headers={"Authorization": "Bearer k1"})
    body = json.loads(raw)
    assert status == 200
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["role"] == "assistant"
    usage = body["usage"]
    assert usage["prompt_tokens"] > 10  # 40 characters are about 10 tokens, plus framing
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    [record] = fake_provider.requests
    assert (record.api, record.model, record.status) == ("openai", "m1", 200)
    assert record.usage == (usage["prompt_tokens"], usage["completion_tokens"])
    assert record.headers["authorization"] == "Bearer k1"  # recorded raw, on purpose
    assert record.json["messages"][0]["content"] == "a" * 40


def test_anthropic_messages_api(fake_provider: FakeProvider) -> None:
    request = {"model": "c1", "system": "be brief", "max_tokens": 10,
               "messages": [{"role": "user", "content": [{"type": "text", "text": "hi [[fake:ok:text=yes]]"}]}]}
    status, _, raw = post(fake_provider, request, path="/v1/messages")
    body = json.loads(raw)
    assert status == 200
    assert body["type"] == "message"
    assert body["content"] == [{"type": "text", "text": "yes"}]
    assert set(body["usage"]) == {"input_tokens", "output_tokens"}
    assert fake_provider.requests[0].api == "anthropic"


def test_plain_chat_completions_path(fake_provider: FakeProvider) -> None:
    assert post(fake_provider, chat("m"), path="/chat/completions")[0] == 200


def test_unknown_path_is_404(fake_provider: FakeProvider) -> None:
    assert post(fake_provider, chat("m"), path="/v2/other")[0] == 404
    assert fake_provider.requests == []


def test_script_is_consumed_in_order_then_default(fake_provider: FakeProvider) -> None:
    fake_provider.script("m", ["429:retry-after=2", "500", "ok:text=done"])
    fake_provider.default("m", "503")
    statuses = [post(fake_provider, chat("m"))[0] for _ in range(4)]
    assert statuses == [429, 500, 200, 503]
    assert post(fake_provider, chat("other"))[0] == 200  # scripts are per model


def test_marker_wins_and_leaves_the_script_alone(fake_provider: FakeProvider) -> None:
    fake_provider.script("m", ["500"])
    assert post(fake_provider, chat("m", "x [[fake:401]]"))[0] == 401
    assert post(fake_provider, chat("m"))[0] == 500


def test_any_model_script(fake_provider: FakeProvider) -> None:
    fake_provider.script("*", ["502"])
    assert post(fake_provider, chat("whatever"))[0] == 502
    assert post(fake_provider, chat("whatever"))[0] == 200


def test_rate_limit_headers(fake_provider: FakeProvider) -> None:
    status, headers, raw = post(fake_provider, chat("m", "[[fake:429:retry-after=3,retry-after-ms=2500]]"))
    assert status == 429
    assert headers["retry-after"] == "3"
    assert headers["retry-after-ms"] == "2500"
    assert json.loads(raw)["error"]["code"] == "rate_limit_exceeded"


def test_401_echoes_the_key_it_received(fake_provider: FakeProvider) -> None:
    _, _, raw = post(fake_provider, chat("m", "[[fake:401]]"), headers={"Authorization": "Bearer sk-echo-me"})
    assert "Bearer sk-echo-me" in json.loads(raw)["error"]["message"]


def test_error_text_can_quote_the_prompt(fake_provider: FakeProvider) -> None:
    _, _, raw = post(fake_provider, chat("m", "private words [[fake:400:text=bad: {prompt}]]"))
    assert "private words" in json.loads(raw)["error"]["message"]


def test_context_errors_in_each_api_wording(fake_provider: FakeProvider) -> None:
    _, _, openai_raw = post(fake_provider, chat("m", "[[fake:context]]"))
    assert json.loads(openai_raw)["error"]["code"] == "context_length_exceeded"
    status, _, anthropic_raw = post(fake_provider, chat("m", "[[fake:context]]"), path="/v1/messages")
    assert status == 400
    assert "prompt is too long" in json.loads(anthropic_raw)["error"]["message"]


def test_malformed_json(fake_provider: FakeProvider) -> None:
    status, _, raw = post(fake_provider, chat("m", "[[fake:malformed]]"))
    assert status == 200
    with pytest.raises(ValueError):
        json.loads(raw)


def test_reset_closes_without_an_answer(fake_provider: FakeProvider) -> None:
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        post(fake_provider, chat("m", "[[fake:reset]]"))
    assert fake_provider.wait_until_idle()
    assert fake_provider.requests[0].status is None
    assert post(fake_provider, chat("m"))[0] == 200  # the server carries on


def test_text_option_keeps_commas_and_colons() -> None:
    fault = Fault.parse("ok:delay=0.5,text=def f(a, b):\n    return a,")
    assert fault == Fault(kind="ok", delay_s=0.5, text="def f(a, b):\n    return a,")


@pytest.mark.parametrize("spec, wording", [
    ("explode", "unknown fault 'explode'"),
    ("500:colour=red", "unknown option(s) ['colour']"),
    ("429:retry-after", "bad fault option 'retry-after'"),
])
def test_bad_specs_are_refused_with_a_reason(spec: str, wording: str) -> None:
    with pytest.raises(ValueError, match=re.escape(wording)):
        Fault.parse(spec)


def test_bad_marker_answers_400_with_the_reason(fake_provider: FakeProvider) -> None:
    status, _, raw = post(fake_provider, chat("m", "[[fake:explode]]"))
    assert status == 400
    assert "unknown fault 'explode'" in json.loads(raw)["error"]["message"]


def test_bad_script_is_refused_at_once(fake_provider: FakeProvider) -> None:
    with pytest.raises(ValueError):
        fake_provider.script("m", ["ok", "explode"])
    assert post(fake_provider, chat("m"))[0] == 200  # nothing half-queued


def test_body_that_is_not_json_is_a_400(fake_provider: FakeProvider) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", fake_provider.port, timeout=10)
    conn.request("POST", "/v1/chat/completions", body=b"{nope", headers={"Content-Type": "application/json"})
    assert conn.getresponse().status == 400
    conn.close()


def test_concurrency_is_counted_per_model(fake_provider: FakeProvider) -> None:
    fake_provider.hold()
    threads = [threading.Thread(target=post, args=(fake_provider, chat("busy"))) for _ in range(5)]
    threads.append(threading.Thread(target=post, args=(fake_provider, chat("quiet"))))
    for thread in threads:
        thread.start()
    assert fake_provider.wait_for_in_flight("busy", 5)
    assert fake_provider.wait_for_in_flight("quiet", 1)
    fake_provider.release()
    for thread in threads:
        thread.join(10)
    assert fake_provider.max_in_flight("busy") == 5
    assert fake_provider.max_in_flight("quiet") == 1
    assert fake_provider.in_flight("busy") == 0
    assert len(fake_provider.start_times("busy")) == 5


def test_client_hanging_up_is_noticed(fake_provider: FakeProvider) -> None:
    body = json.dumps(chat("m", "[[fake:slow:delay=30]]")).encode()
    with socket.create_connection(("127.0.0.1", fake_provider.port)) as sock:
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
        )
        assert fake_provider.wait_for_in_flight("m", 1)
    assert fake_provider.wait_until_idle()
    [record] = fake_provider.requests
    assert record.client_closed and record.status is None


def test_base_latency_delays_every_answer() -> None:
    with FakeProvider(latency_s=0.05) as server:
        post(server, chat("m", "[[fake:500]]"))
        [record] = server.requests
        # A lower bound the server guarantees (it waits on the monotonic clock), not a benchmark.
        assert record.ended is not None and record.ended - record.started >= 0.05


def test_secret_search_looks_at_bodies_only(fake_provider: FakeProvider) -> None:
    post(fake_provider, chat("m", "nothing to see"), headers={"Authorization": "Bearer sk-secret-1"})
    post(fake_provider, chat("m", "oops sk-secret-1 pasted"))
    assert [r.index for r in fake_provider.bodies_containing("sk-secret-1")] == [1]


def test_reset_forgets_everything(fake_provider: FakeProvider) -> None:
    fake_provider.script("m", ["500"])
    fake_provider.default("m", "503")
    fake_provider.hold()
    fake_provider.reset()
    assert post(fake_provider, chat("m"))[0] == 200  # script, default and hold are gone
    fake_provider.reset()
    assert fake_provider.requests == [] and fake_provider.max_in_flight("m") == 0


def test_stop_closes_the_port() -> None:
    server = FakeProvider().start()
    port = server.port
    server.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
