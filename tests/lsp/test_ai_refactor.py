"""Refactoring with AI end to end: a real `orchex-ls` process, a client with the capabilities
of VS Code, Neovim or Emacs, and the fake provider (a real HTTP server in this process that
litellm reaches through `api-base`).

One server per client profile serves the whole module (litellm loads once per process, which
takes seconds: the three servers are started side by side and load it at the same time);
each test has its own files in a workspace of two folders:
- `app`: agents `primary` (tier 1), `secondary` (tier 2) and `onprem` (tier 3, local), with
  `deny = ["pkg/vault/"]` and `local-only = ["pkg/private/"]`; `max-attempts = 2`, so the
  builtin agent (last tier) never hides a failure of the first two;
- `budget`: agent `cloud` with a daily budget of 0 USD.
The one test that must see litellm unloaded has a server of its own.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest
import pytest_asyncio
import pytest_lsp
from fake_responder import RespondingProvider, with_comment
from helpers import change, command, diagnostics, open_doc, raw_request
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

pytestmark = pytest.mark.asyncio(loop_scope="module")

CLIENTS = ["visual-studio-code", "neovim@v0.11.0", "emacs"]
SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "orchex_ls"])
WAIT = 20.0

NESTED = """\
def classify(items, limit):
    total = 0
    for item in items:
        if item is not None:
            if item > 0:
                if item < limit:
                    if item % 2 == 0:
                        total += item
    return total
"""
FLAT = """\
def classify(items, limit):
    total = 0
    for item in items:
        if item is None or item <= 0 or item >= limit or item % 2:
            continue
        total += item
    return total
"""
SIMPLE = "def area(width, height):\n    return width * height\n"
TOKEN = "ghp_" + "Zq8Xw2Lm4Np6Rt0Vb3Cd5Fg7Hj9Kl1Mn2Pq4"
PASSWORD = "Tr0ub4dor&3-horse-Battery"
SECRETS = f'''\
def connect(host):
    token = "{TOKEN}"
    password = "{PASSWORD}"
    return (host, token, password)
'''
FILES = {
    "app/pkg/nested.py": NESTED,
    "app/pkg/fallback.py": SIMPLE,
    "app/pkg/escalate.py": SIMPLE,
    "app/pkg/retry.py": SIMPLE,
    "app/pkg/cancel.py": SIMPLE,
    "app/pkg/stale.py": SIMPLE,
    "app/pkg/secrets.py": SECRETS,
    "app/pkg/history.py": SIMPLE,
    "app/pkg/warm.py": SIMPLE,
    "app/pkg/private/db.py": SIMPLE,
    "app/pkg/vault/keys.py": SIMPLE,
    "budget/pkg/costly.py": SIMPLE,
}


def agent_toml(name: str, base: str, **fields) -> str:
    lines = ["[[tool.orchex.agents]]", f'name = "{name}"', f'model = "openai/{name}"', f'api-base = "{base}"',
             "timeout-s = 20"]
    lines += [f"{k} = {str(v).lower() if isinstance(v, bool) else v!r}".replace("'", '"') for k, v in fields.items()]
    return "\n".join(lines) + "\n"


ROUTING = """\
[tool.orchex.routing]
retries-per-agent = 0
backoff-base-ms = 1
backoff-max-ms = 5
max-attempts = 2

[tool.orchex.routing.circuit]
failures = 50
"""


def make_ai_workspace(root: Path, base: str) -> Path:
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "app" / "pyproject.toml").write_text(
        "[tool.orchex]\nstate-dir = '.orchex'\n\n" + ROUTING
        + '\n[tool.orchex.governance]\ndeny = ["pkg/vault/"]\nlocal-only = ["pkg/private/"]\n\n'
        + agent_toml("primary", base, **{"cost-per-1k-input": 0.5, "cost-per-1k-output": 1.0}) + "\n"
        + agent_toml("secondary", base, tier=2) + "\n"
        + agent_toml("onprem", base, tier=3, local=True))
    (root / "budget" / "pyproject.toml").write_text(
        "[tool.orchex]\nstate-dir = '.orchex'\n\n" + ROUTING + "\n[tool.orchex.budget]\ndaily-usd = 0\n\n"
        + agent_toml("cloud", base, **{"cost-per-1k-input": 0.5, "cost-per-1k-output": 1.0}))
    return root


def instrument(lsp_client: LanguageClient) -> None:
    """Record what the server asks of the client; answer as a test says."""
    lsp_client.edits = []  # ApplyWorkspaceEditParams received
    lsp_client.message_requests = []  # ShowMessageRequestParams received
    lsp_client.answers = []  # titles to answer them with, in order (none left: Dismiss)
    lsp_client.statuses = []  # orchex/status params

    @lsp_client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        lsp_client.edits.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    @lsp_client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def show_message_request(params: types.ShowMessageRequestParams):
        lsp_client.message_requests.append(params)
        title = lsp_client.answers.pop(0) if lsp_client.answers else "Dismiss"
        return types.MessageActionItem(title=title)

    @lsp_client.feature("orchex/status")
    def status(params) -> None:
        lsp_client.statuses.append(plain(params))

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        pass

    lsp_client.published = []  # every publishDiagnostics, in order (helpers.diagnostics reads it)
    lsp_client.protocol.fm.features.pop(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    @lsp_client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        lsp_client.published.append(params)
        lsp_client.diagnostics[params.uri] = params.diagnostics


def plain(value):
    """pygls hands custom notifications' params over as namedtuples: back to dicts."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


@pytest.fixture(scope="module")
def fake():
    server = RespondingProvider().start()
    try:
        yield server
    finally:
        server.stop()


async def start_session(profile: str, root: Path) -> LanguageClient:
    lsp_client = await SERVER.start()
    lsp_client.root = root
    instrument(lsp_client)
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities(profile), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=(root / f).as_uri(), name=f) for f in ("app", "budget")],
        initialization_options={"settings": {"debounce-ms": 0}},
    ))
    return lsp_client


async def stop_session(lsp_client: LanguageClient) -> None:
    try:
        await asyncio.wait_for(lsp_client.shutdown_session(), 10)
    except asyncio.TimeoutError:
        lsp_client._server.kill()
        raise AssertionError("the server did not shut down within 10 s") from None
    finally:
        await lsp_client.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sessions(fake: RespondingProvider, tmp_path_factory):
    """One server per client profile, started together. Each loads litellm with a first
    task (seconds of CPU per process: side by side, they overlap)."""
    roots = [make_ai_workspace(tmp_path_factory.mktemp("ai") / "ws", fake.base_url) for _ in CLIENTS]
    clients = await asyncio.gather(*(start_session(p, r) for p, r in zip(CLIENTS, roots)))
    fake.respond("*", with_comment())
    warm = await asyncio.gather(*(
        command(c, "orchex.refactorWithAI", {"uri": open_doc(c, c.root / "app/pkg/warm.py"), "range": cursor(1)})
        for c in clients))
    assert all(w["applied"] for w in warm), warm
    yield dict(zip(CLIENTS, clients))
    await asyncio.gather(*(stop_session(c) for c in clients))


@pytest.fixture(params=CLIENTS)
def client(request, sessions) -> LanguageClient:
    return sessions[request.param]


@pytest.fixture(autouse=True)
def clean(request, fake):
    """Each test starts with a quiet fake provider and empty recordings."""
    fake.reset()
    if "client" in request.fixturenames:
        lsp = request.getfixturevalue("client")
        for name in ("edits", "message_requests", "answers", "shown_documents", "messages"):
            getattr(lsp, name).clear()
    yield
    fake.release()


# -- helpers ----------------------------------------------------------------------------------


async def eventually(check, what: str, timeout: float = WAIT):
    """Poll ``check()`` until it is truthy (the client records requests as they come)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (result := check()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.02)
    return result


def whole(text: str) -> dict:
    lines = text.splitlines()
    return {"start": {"line": 0, "character": 0}, "end": {"line": len(lines) - 1, "character": len(lines[-1])}}


def cursor(line: int, character: int = 4) -> dict:
    return {"start": {"line": line, "character": character}, "end": {"line": line, "character": character}}


async def refactor(client, rel: str, rng: dict | None = None, instruction: str | None = None) -> tuple[str, dict]:
    uri = open_doc(client, client.root / rel)
    argument = {"uri": uri, "range": rng or cursor(1)}
    if instruction:
        argument["instruction"] = instruction
    return uri, await command(client, "orchex.refactorWithAI", argument)


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    """What an editor does with a TextEdit list (UTF-16 = code points for this ASCII text)."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(pos: types.Position) -> int:
        return starts[min(pos.line, len(starts) - 1)] + pos.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


def edited(client, uri: str, text: str) -> str:
    """The text after the one edit the client received (checking the version it names)."""
    (params,) = client.edits
    edit = params.edit
    if edit.document_changes:
        (doc_edit,) = edit.document_changes
        assert doc_edit.text_document.uri == uri and doc_edit.text_document.version == 1
        edits = list(doc_edit.edits)
    else:
        edits = list(edit.changes[uri])
    return apply_text_edits(text, edits)


def ai_progress(client) -> list[list]:
    return [values for token, values in client.progress_reports.items() if str(token).startswith("orchex-ai-")]


async def wait_requests(fake, count: int) -> None:
    assert await asyncio.to_thread(fake.wait_for_requests, count, WAIT), f"{count} request(s) never reached the fake"


# -- tests ------------------------------------------------------------------------------------


async def test_status_is_sent_once_the_agents_are_known_then_on_task_start_and_end(client):
    first = await eventually(lambda: client.statuses, "orchex/status")
    # app: primary, secondary, onprem, builtin; budget: cloud, builtin. Nothing spent yet.
    assert first[0]["agents"] == {"healthy": 6, "total": 6} and first[0]["cost"] == {"today_usd": 0.0}
    # The session's first task (see `sessions`) started, ended, and cost something.
    assert any(s["tasks"]["running"] == 1 for s in client.statuses)
    assert client.statuses[-1]["tasks"]["running"] == 0 and client.statuses[-1]["cost"]["today_usd"] > 0


async def test_reduce_complexity_quick_fix_is_listed_run_applied_and_reanalysed(client, fake):
    fake.script("primary", [f"ok:text=Flattened with guard conditions:\n\n```python\n{FLAT}```\n"])
    uri = open_doc(client, client.root / "app/pkg/nested.py")
    found = await diagnostics(client, uri, lambda d: "OCX103" in {x.code for x in d}, "OCX103 on classify")
    ours = [d for d in found if d.code == "OCX103"]
    # Raw: lsprotocol reads any action carrying a command as a bare Command (kind lost).
    converter = client.protocol._converter
    actions = plain(await raw_request(client, types.TEXT_DOCUMENT_CODE_ACTION, converter.unstructure(
        types.CodeActionParams(text_document=types.TextDocumentIdentifier(uri=uri), range=ours[0].range,
                               context=types.CodeActionContext(diagnostics=ours)))))
    (fix,) = [a for a in actions if a["title"] == "Refactor with AI: reduce complexity"]
    assert fix["kind"] == "quickfix" and [d["code"] for d in fix["diagnostics"]] == ["OCX103"]
    assert any(a["title"] == "Refactor with AI…" and a["kind"] == "refactor.rewrite" for a in actions)
    assert fix["command"]["command"] == "orchex.refactorWithAI"

    statuses_before = len(client.statuses)
    result = await command(client, fix["command"]["command"], *fix["command"]["arguments"])
    assert result["applied"] is True and result["agent"] == "primary", result
    assert result["cost_usd"] > 0 and "nesting 5 → 2" in result["title"]
    assert edited(client, uri, NESTED) == FLAT
    (params,) = client.edits
    if client.capabilities.workspace.workspace_edit.change_annotation_support is not None:  # VS Code: a preview
        (note,) = params.edit.change_annotations.values()
        assert note.needs_confirmation is True and "primary" in note.label and "$" in note.label
        assert "nesting 5 → 2" in note.label
        assert params.edit.document_changes[0].edits[0].annotation_id in params.edit.change_annotations
    else:
        assert not params.edit.change_annotations
    # Progress from routing to validation, then the end.
    (run,) = ai_progress(client)[-1:]
    messages = [getattr(v, "message", None) for v in run]
    assert isinstance(run[0], types.WorkDoneProgressBegin) and run[0].cancellable
    assert "routing" in messages and "asking primary" in messages
    assert any(m and m.startswith("validating") for m in messages)
    assert isinstance(run[-1], types.WorkDoneProgressEnd)
    # The status told of the task's start and end.
    running = [s["tasks"]["running"] for s in client.statuses[statuses_before:]]
    assert 1 in running and running[-1] == 0
    # The editor applies it; the server analyses the new text: the finding is gone.
    change(client, uri, 2, FLAT)
    await diagnostics(client, uri, lambda d: "OCX103" not in {x.code for x in d}, "OCX103 gone")


async def test_an_invalid_answer_from_the_primary_falls_back_to_the_secondary(client, fake):
    fake.script("primary", ["ok:text=```python\ndef area(width, height:\n    return width * height\n```"])
    fake.respond("secondary", with_comment())
    uri, result = await refactor(client, "app/pkg/fallback.py")
    assert result["applied"] is True and result["agent"] == "secondary", result
    assert [r.model for r in fake.requests] == ["primary", "secondary"]
    assert edited(client, uri, SIMPLE) == "def area(width, height):\n    # reviewed\n    return width * height\n"


async def test_every_tier_failing_asks_the_user_and_shows_the_attempts(client, fake):
    fake.default("*", "500")
    client.answers.append("Show attempts")
    uri, result = await refactor(client, "app/pkg/escalate.py")
    assert result["applied"] is False and result["status"] == "escalated"
    (ask,) = await eventually(lambda: client.message_requests, "window/showMessageRequest")
    assert [a.title for a in ask.actions] == ["Retry", "Show attempts", "Dismiss"]
    assert "primary: server_error" in ask.message and "secondary: server_error" in ask.message
    report = client.root / "app" / ".orchex" / "reports" / f"{result['task_id']}.md"
    window = client.capabilities.window
    if window.show_document and window.show_document.support:
        (shown,) = await eventually(lambda: client.shown_documents, "window/showDocument")
        assert shown.uri == report.as_uri()
        text = report.read_text()
    else:  # Emacs: the report comes as a message
        (shown,) = await eventually(lambda: [m for m in client.messages if "## Attempts" in m.message], "report")
        text = shown.message
    assert "| 1 | primary | openai/primary | failed | server_error |" in text
    assert "| 2 | secondary | openai/secondary | failed | server_error |" in text
    assert client.edits == []


async def test_retry_runs_it_again(client, fake):
    fake.script("primary", ["500"])
    fake.script("secondary", ["500"])
    fake.respond("primary", with_comment("# second try"))
    client.answers.append("Retry")
    uri, result = await refactor(client, "app/pkg/retry.py")
    assert result["applied"] is False
    await eventually(lambda: client.edits, "the retried edit")
    assert "# second try" in edited(client, uri, SIMPLE)
    assert [r.model for r in fake.requests] == ["primary", "secondary", "primary"]


async def test_cancelling_the_progress_cancels_the_task_and_applies_nothing(client, fake):
    fake.hold()
    uri = open_doc(client, client.root / "app/pkg/cancel.py")
    running = asyncio.ensure_future(command(client, "orchex.refactorWithAI", {"uri": uri, "range": cursor(1)}))
    await wait_requests(fake, 1)
    token = await eventually(lambda: [t for t, v in client.progress_reports.items() if str(t).startswith("orchex-ai-")
                                      and not isinstance(v[-1], types.WorkDoneProgressEnd)], "an AI progress")
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token[-1]))
    result = await asyncio.wait_for(running, WAIT)
    assert result["applied"] is False and result["status"] == "cancelled"
    fake.release()
    assert client.edits == [] and client.message_requests == []
    # The in-flight call was stopped: the fake saw the client hang up.
    assert await asyncio.to_thread(fake.wait_until_idle, WAIT)
    assert fake.requests[0].client_closed


async def test_an_answer_for_a_stale_version_is_refused(client, fake):
    fake.respond("primary", with_comment())
    fake.hold()
    uri = open_doc(client, client.root / "app/pkg/stale.py")
    running = asyncio.ensure_future(command(client, "orchex.refactorWithAI", {"uri": uri, "range": cursor(1)}))
    await wait_requests(fake, 1)
    change(client, uri, 2, "# edited meanwhile\n" + SIMPLE)
    await command(client, "orchex.debug", "modules")  # answered in order: the change is in
    fake.release()
    result = await asyncio.wait_for(running, WAIT)
    assert result["applied"] is False and result["status"] == "stale", result
    assert "changed since the request" in result["reason"]
    assert client.edits == []
    assert any("changed since the request" in m.message for m in client.messages)


async def test_planted_secrets_never_reach_the_provider_and_stay_in_the_code(client, fake):
    fake.respond("primary", with_comment())
    uri, result = await refactor(client, "app/pkg/secrets.py")
    assert result["applied"] is True, result
    assert len(fake.requests) == 1
    assert fake.bodies_containing(TOKEN) == [] and fake.bodies_containing(PASSWORD) == []
    assert "ORCHEX_REDACTED_" in fake.requests[0].body
    new_text = edited(client, uri, SECRETS)
    assert f'token = "{TOKEN}"' in new_text and f'password = "{PASSWORD}"' in new_text
    assert "ORCHEX_REDACTED_" not in new_text and "# reviewed" in new_text


async def test_a_local_only_file_reaches_only_the_local_agent(client, fake):
    fake.respond("*", with_comment())
    uri, result = await refactor(client, "app/pkg/private/db.py")
    assert result["applied"] is True and result["agent"] == "onprem", result
    assert [r.model for r in fake.requests] == ["onprem"]


async def test_a_denied_file_reaches_no_agent_and_the_user_is_told_why(client, fake):
    fake.respond("*", with_comment())
    uri, result = await refactor(client, "app/pkg/vault/keys.py")
    assert result["applied"] is False
    assert fake.requests == []
    assert "pkg/vault/keys.py matches deny glob 'pkg/vault/'" in result["reason"]
    told = await eventually(lambda: [m.message for m in [*client.message_requests, *client.messages]
                                     if "deny glob" in m.message], "the reason, shown")
    assert "never sent to an LLM agent" in told[0]


async def test_over_budget_gives_a_clear_message(client, fake):
    fake.respond("*", with_comment())
    uri, result = await refactor(client, "budget/pkg/costly.py")
    assert result["applied"] is False and fake.requests == []
    assert "budget: daily 0 USD" in result["reason"]
    await eventually(lambda: [m for m in [*client.message_requests, *client.messages] if "budget" in m.message],
                     "the budget message")


async def test_agent_status_and_history(client, fake):
    fake.respond("*", with_comment())
    uri, result = await refactor(client, "app/pkg/history.py")
    assert result["applied"] is True
    status = await command(client, "orchex.agentStatus")
    app = next(f for f in status["folders"] if f["folder"].endswith("app"))
    assert [a["name"] for a in app["agents"]] == ["primary", "secondary", "onprem", "builtin"]
    assert all(a["circuit"] == "closed" and a["health"] == "ok" for a in app["agents"])
    budget = next(f for f in status["folders"] if f["folder"].endswith("budget"))
    assert budget["budget"]["daily_left_usd"] == 0
    history = await command(client, "orchex.history", 50)
    row = next(r for r in history if r["id"] == result["task_id"])
    assert row["status"] == "succeeded" and row["agent"] == "primary" and row["path"] == "pkg/history.py"
    assert len(await command(client, "orchex.history", 1)) == 1


@pytest.mark.parametrize("name, arguments, message", [
    ("orchex.refactorWithAI", [], "expected one argument"),
    ("orchex.refactorWithAI", [{"uri": 3, "range": {}}], "`uri` must be a string"),
    ("orchex.refactorWithAI", [{"uri": "file:///x.py", "range": {"start": {"line": -1, "character": 0}}}],
     "non-negative integers"),
    ("orchex.refactorWithAI", [{"uri": "file:///x.py", "range": cursor(0), "instruction": 7}], "`instruction`"),
    ("orchex.refactorWithAI", [{"uri": "file:///nowhere.py", "range": cursor(0)}], "not an open document"),
    ("orchex.history", [0], "positive integer"),
    ("orchex.agentStatus", ["file:///elsewhere"], "folder uri"),
])
async def test_bad_arguments_are_invalid_params(client, name, arguments, message):
    with pytest.raises(Exception, match=message) as info:
        await command(client, name, *arguments)
    assert getattr(info.value, "code", None) == -32602, repr(info.value)
    assert "expected" in str(info.value)


# -- a server of its own: litellm stays unloaded ----------------------------------------------

PICK = "def pick(a, b):\n    if a:\n        return 1\n    else:\n        if b:\n            return 2\n        return 3\n"


@pytest_lsp.fixture(config=SERVER)
async def lone_client(lsp_client: LanguageClient, fake: RespondingProvider, tmp_path: Path):
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "pick.py").write_text(PICK)
    (root / "pyproject.toml").write_text(
        "[tool.orchex]\nstate-dir = '.orchex'\n\n[tool.orchex.governance]\ndeny = ['*.py']\n\n"
        + agent_toml("primary", fake.base_url))
    lsp_client.root = root
    instrument(lsp_client)
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
        initialization_options={"settings": {"debounce-ms": 0}},
    ))
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), 10)
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.asyncio(loop_scope="function")
async def test_litellm_stays_unloaded_until_a_task_goes_to_an_llm_agent(lone_client, fake):
    client = lone_client
    uri = open_doc(client, client.root / "pkg" / "pick.py")
    assert "litellm" not in await command(client, "orchex.debug", "modules")
    # Every file is denied to LLM agents: the builtin agent answers, no LLM is consulted.
    result = await command(client, "orchex.refactorWithAI", {"uri": uri, "range": cursor(1)})
    assert result["applied"] is True and result["agent"] == "builtin", result
    assert fake.requests == []
    assert "litellm" not in await command(client, "orchex.debug", "modules")
