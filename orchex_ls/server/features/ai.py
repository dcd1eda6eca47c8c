"""Refactoring with AI agents in the editor: code actions, `orchex.refactorWithAI`, the
agents' status and history.

A request is built from the document as the client sees it (``assist.build_request``), run
on the workspace folder's orchestrator (one per folder, created on first use; litellm is
loaded only once a task may go to an LLM agent) with a per-task validator, so an answer
that fails validation falls back to the next agent. The answer that passed is checked again
against the document's current text and applied with ``workspace/applyEdit``, naming the
version it was computed from; a document that changed in the meantime gets nothing.
Governance (deny, local-only, redaction, payload limit, audit) is the orchestrator's, so
CLI and SDK tasks obey the same rules.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

# The assist and refactor layers (and so libcst, ~140 ms) load on first use, not at start.
if TYPE_CHECKING:
    from ...refactor.document import SourceDocument
    from ...refactor.models import Selection
from ..orchestras import Orchestras, failure_message, filtered_notes, governed_path, status_of
from ..server import OrchexServer
from ..state import FolderState, fs_path

COMMAND = "orchex.refactorWithAI"
USAGE = {
    COMMAND: "one argument {uri: string, range: {start: {line, character}, end: {line, character}}, "
             "instruction?: string}",
    "orchex.agentStatus": "[folder uri?]",
    "orchex.history": "[limit?: positive integer]",
}
COMPLEXITY_CODES = frozenset({"OCX101", "OCX102", "OCX103", "OCX104"})
REDUCE_TITLE = "Refactor with AI: reduce complexity"
REWRITE_TITLE = "Refactor with AI…"
STATUS_METHOD = "orchex/status"
ANNOTATION_ID = "orchex.ai"
# The user may look at a preview (needsConfirmation) or at the escalation dialog for long.
APPLY_TIMEOUT_S = 3600.0
ASK_USER_TIMEOUT_S = 3600.0
RETRY, SHOW_ATTEMPTS, DISMISS = "Retry", "Show attempts", "Dismiss"


def _bad(command: str, why: str) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(f"{command}: {why}; expected {USAGE[command]}")


# -- code actions ---------------------------------------------------------------------------


def offered(ls: OrchexServer, uri: str) -> bool:
    """AI actions are listed in workspace folders with an LLM agent configured (the builtin
    agent's refactorings are offered on their own)."""
    folder, _ = ls.state.folder_of(uri)
    return folder is not ls.state.default and any(not a.is_builtin for a in folder.config.agents)


def in_function(source: SourceDocument, selection: Selection) -> bool:
    """Is the selection inside a function (the document parsed)? Call with the document's lock."""
    if isinstance(source.tree, SyntaxError):
        return False
    unit = source.unit_for(selection)
    return unit is not None and source.def_path_for(unit, selection) is not None


def _range_json(rng: types.Range) -> dict[str, Any]:
    return {"start": {"line": rng.start.line, "character": rng.start.character},
            "end": {"line": rng.end.line, "character": rng.end.character}}


def _command(title: str, uri: str, rng: types.Range, instruction: str | None = None) -> types.Command:
    argument: dict[str, Any] = {"uri": uri, "range": _range_json(rng)}
    if instruction:
        argument["instruction"] = instruction
    return types.Command(title=title, command=COMMAND, arguments=[argument])


def code_actions(uri: str, rng: types.Range, ours: list[types.Diagnostic], inside_function: bool,
                 wanted) -> list[types.CodeAction]:
    """The AI actions at ``rng`` (where ``offered``): a quick fix per function with a
    complexity finding in the request's context, and a rewrite when the selection lies
    inside a function."""
    actions = []
    if wanted(types.CodeActionKind.QuickFix):
        by_symbol: dict[Any, list[types.Diagnostic]] = {}
        for diag in ours:
            if diag.code in COMPLEXITY_CODES:
                symbol = diag.data.get("symbol") if isinstance(diag.data, dict) else None
                by_symbol.setdefault(symbol, []).append(diag)
        for diags in by_symbol.values():
            actions.append(types.CodeAction(
                title=REDUCE_TITLE, kind=types.CodeActionKind.QuickFix, diagnostics=diags,
                command=_command(REDUCE_TITLE, uri, diags[0].range)))
    if wanted(types.CodeActionKind.RefactorRewrite) and inside_function:
        actions.append(types.CodeAction(title=REWRITE_TITLE, kind=types.CodeActionKind.RefactorRewrite,
                                        command=_command(REWRITE_TITLE, uri, rng)))
    return actions


# -- progress -------------------------------------------------------------------------------


class _Progress:
    """A cancellable work done progress (nothing when the client has none)."""

    def __init__(self, ls: OrchexServer, token: str | None) -> None:
        self.ls = ls
        self.token = token
        self.cancelled = False
        self._on_cancel: list[Any] = []

    @classmethod
    async def begin(cls, ls: OrchexServer, title: str) -> _Progress:
        if not ls.supports_progress:
            return cls(ls, None)
        token = f"orchex-ai-{uuid.uuid4().hex[:12]}"
        try:
            await ls.ask_client(ls.work_done_progress.create_async(token))
        except Exception:  # noqa: BLE001 - the client refused: run without a bar
            return cls(ls, None)
        progress = cls(ls, token)
        ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title, cancellable=True, message="routing"))
        future = ls.work_done_progress.tokens.get(token)
        if future is not None:
            loop = asyncio.get_running_loop()
            future.add_done_callback(lambda f: f.cancelled() and loop.call_soon_threadsafe(progress._cancel))
        return progress

    def on_cancel(self, callback) -> None:
        self._on_cancel.append(callback)

    def _cancel(self) -> None:
        self.cancelled = True
        for callback in self._on_cancel:
            callback()

    def report(self, message: str) -> None:
        if self.token is not None:
            self.ls.work_done_progress.report(self.token, types.WorkDoneProgressReport(message=message))

    def end(self, message: str) -> None:
        if self.token is not None:
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
            self.ls.work_done_progress.tokens.pop(self.token, None)
            self.token = None


# -- the command ----------------------------------------------------------------------------


def _refactor_args(args: list[Any]) -> tuple[str, types.Range, str | None]:
    if len(args) != 1 or not isinstance(args[0], dict):
        raise _bad(COMMAND, f"got {args!r}")
    arg = args[0]
    uri, rng, instruction = arg.get("uri"), arg.get("range"), arg.get("instruction")
    if not isinstance(uri, str) or not uri:
        raise _bad(COMMAND, "`uri` must be a string")
    if instruction is not None and not isinstance(instruction, str):
        raise _bad(COMMAND, "`instruction` must be a string")
    try:
        start, end = rng["start"], rng["end"]
        values = [start["line"], start["character"], end["line"], end["character"]]
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values):
            raise TypeError
    except (TypeError, KeyError):
        raise _bad(COMMAND, "`range` must have start and end positions of non-negative integers") from None
    return uri, types.Range(start=types.Position(line=values[0], character=values[1]),
                            end=types.Position(line=values[2], character=values[3])), instruction


def _refused(reason: str) -> dict[str, Any]:
    """No task was run: nothing to route (outside a folder, no target, no orchestrator)."""
    return {"applied": False, "status": "refused", "reason": reason, "agent": None, "cost_usd": 0.0, "task_id": None}


def _metric_text(metrics) -> str:
    """``cognitive 15 → 4, nesting 5 → 2`` (per function when the edit touches several)."""
    parts = []
    for m in metrics:
        changed = [f"{name} {before} → {after}" for name in ("cognitive", "cyclomatic", "nesting", "lines")
                   for before, after in [getattr(m, name)] if before != after]
        if changed:
            parts.append(", ".join(changed) if len(metrics) == 1 else f"{m.function}: {', '.join(changed)}")
    return "; ".join(parts) or "metrics unchanged"


def _cost(value: float) -> str:
    return f"${value:.4f}" if value else "no cost"


def _edit(ls: OrchexServer, uri: str, version: int | None, source: SourceDocument, verdict, label: str,
          description: str) -> types.WorkspaceEdit:
    from .code_actions import lsp_range

    rng = lsp_range(source, verdict.edit, ls.position_encoding)
    caps = ls.client_capabilities.workspace
    edit_caps = caps.workspace_edit if caps else None
    doc = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
    if edit_caps and edit_caps.document_changes and edit_caps.change_annotation_support is not None:
        # A preview where the client has one: the user confirms the agent's change.
        annotated = types.AnnotatedTextEdit(range=rng, new_text=verdict.edit.new_text, annotation_id=ANNOTATION_ID)
        return types.WorkspaceEdit(
            document_changes=[types.TextDocumentEdit(text_document=doc, edits=[annotated])],
            change_annotations={ANNOTATION_ID: types.ChangeAnnotation(
                label=label, needs_confirmation=True, description=description)})
    plain = types.TextEdit(range=rng, new_text=verdict.edit.new_text)
    if edit_caps and edit_caps.document_changes:
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=doc, edits=[plain])])
    return types.WorkspaceEdit(changes={uri: [plain]})


class AIFeature:
    """Everything the AI feature keeps per server: orchestrators, running tasks, the status."""

    def __init__(self, server: OrchexServer) -> None:
        self.server = server
        self.orchestras = Orchestras()
        self.running = 0
        self._last_status: dict[str, Any] | None = None

    # -- status ---------------------------------------------------------------------------
    def send_status(self, force: bool = False) -> None:
        ls = self.server
        status = status_of(ls.state.folders.values(), self.orchestras, self.running)
        if force or status != self._last_status:
            self._last_status = status
            try:
                ls.protocol.notify(STATUS_METHOD, status)
            except Exception:  # noqa: BLE001 - the client may be gone
                pass

    # -- one refactoring -------------------------------------------------------------------
    async def refactor(self, uri: str, rng: types.Range, instruction: str | None) -> dict[str, Any]:
        from ...assist import RequestProblem, build_request, render_messages
        from ...assist import answer_validator as make_validator
        from ...refactor.document import SourceDocument

        ls = self.server
        doc = ls.document(uri)
        if doc is None:
            raise _bad(COMMAND, f"{uri} is not an open document")
        folder, rel = ls.state.folder_of(uri)
        if folder is ls.state.default:
            reason = "Refactor with AI works on files inside a workspace folder (its settings say which agents to use)"
            ls.tell(types.MessageType.Warning, f"orchex: {reason}")
            return _refused(reason)
        version, text = doc.version, doc.source
        source = SourceDocument(text, rel)
        from .code_actions import _selection

        selection = _selection(source, rng, ls.position_encoding)
        state = ls.state.documents.get(unquote(uri))
        report = state.analysis.report if state and state.version == version and state.analysis else None
        request = await ls.run_blocking(functools.partial(
            build_request, text, rel, selection, instruction, project_root=folder.path,
            thresholds=folder.config.thresholds, report=report))
        if isinstance(request, RequestProblem):
            ls.tell(types.MessageType.Warning, f"orchex: Refactor with AI: {request.reason}")
            return _refused(request.reason)
        target = request.target
        what = f"`{target.qualname}`" if target.qualname else f"lines {target.start_line + 1}–{target.end_line}"
        try:
            orch = self.orchestras.get(folder)
        except Exception as exc:  # noqa: BLE001 - a bad state dir: the user must hear why
            reason = f"cannot start the orchestrator: {exc}"
            ls.tell(types.MessageType.Error, f"orchex: Refactor with AI: {reason}")
            return _refused(reason)
        from ...orchestrator.models import Message, Task, TaskSelection

        path, local_only = governed_path(orch, fs_path(uri), rel)
        task = Task(
            task_type="refactor", messages=[Message(**m) for m in render_messages(request)], code=text, path=path,
            selection=TaskSelection(start_line=target.start_line, end_line=max(target.start_line, target.end_line - 1),
                                    whole_lines=True),
            local_only=local_only,
            metadata={"source": "editor", "reply": "region", "region": [target.start_line, target.end_line],
                      "target": target.qualname or "statements"},
        )
        progress = await _Progress.begin(ls, f"orchex: refactoring {what} with AI")
        progress.on_cancel(lambda: orch.cancel(task.id))
        self.running += 1
        self.orchestras.busy(orch, +1)
        self.send_status()
        try:
            if progress.cancelled:
                return self._cancelled(progress, task.id)
            result = await orch.run(task, validator=make_validator(request, text), progress=progress.report)
        except asyncio.CancelledError:  # the client cancelled the command's request
            progress.end("cancelled: nothing applied")
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. the database is gone: say so, keep serving
            progress.end("failed")
            ls.tell(types.MessageType.Error, f"orchex: Refactor {what} with AI failed: {exc}")
            return {**_refused(str(exc)), "status": "failed", "task_id": task.id}
        finally:
            self.running -= 1
            self.orchestras.busy(orch, -1)
            self.send_status()
        base = {"task_id": task.id, "agent": result.agent, "cost_usd": round(result.cost_usd, 6)}
        if result.status == "cancelled" or progress.cancelled:
            return {**self._cancelled(progress, task.id), **base, "agent": None}
        if result.status != "succeeded":
            message = failure_message(result, what, rel)
            progress.end("nothing applied")
            if result.status == "escalated" and result.error_kind not in ("policy", "budget"):
                ls.background(self.escalate(orch, result, message, what, rel, (uri, rng, instruction)))
            else:
                ls.tell(types.MessageType.Error, message)
            return {**base, "applied": False, "reason": message, "status": result.status}
        return await self._apply(uri, version, rel, request, result, progress, base, what)

    def _cancelled(self, progress: _Progress, task_id: str) -> dict[str, Any]:
        progress.end("cancelled: nothing applied")
        return {"applied": False, "reason": "cancelled: nothing applied", "task_id": task_id, "status": "cancelled"}

    async def _apply(self, uri, version, rel, request, result, progress: _Progress, base, what) -> dict[str, Any]:
        from ...assist import InvalidAnswer, check_answer
        from ...refactor.document import SourceDocument

        ls = self.server
        doc = ls.document(uri)
        if doc is None or doc.version != version:
            now = "closed" if doc is None else f"now at version {doc.version}"
            reason = (f"the document changed since the request (version {version}, {now}): "
                      f"the answer of {result.agent} was not applied; ask again")
            progress.end("nothing applied: the document changed")
            ls.tell(types.MessageType.Warning, f"orchex: Refactor with AI: {reason}")
            return {**base, "applied": False, "reason": reason, "status": "stale"}
        progress.report(f"validating the answer of {result.agent}")
        verdict = await ls.run_blocking(check_answer, request, doc.source, result.output or "")
        if isinstance(verdict, InvalidAnswer):
            progress.end("nothing applied")
            reason = f"the answer of {result.agent} does not fit the current text: {verdict.reason}"
            ls.tell(types.MessageType.Warning, f"orchex: Refactor with AI: {reason}")
            return {**base, "applied": False, "reason": reason, "status": "invalid"}
        metric_text = _metric_text(verdict.metrics)
        label = f"Refactor {what} with AI by {result.agent} ({_cost(result.cost_usd)}): {metric_text}"
        notes = filtered_notes(result)
        description = f"{request.instruction}." + (f" Not asked: {notes}." if notes else "")
        edit = _edit(ls, uri, version, SourceDocument(doc.source, rel), verdict, label, description)
        progress.report("waiting for the editor to apply the edit")
        if progress.cancelled:
            return {**self._cancelled(progress, base["task_id"]), **base}
        try:
            response = await asyncio.wait_for(
                ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label=label)), APPLY_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - timeout or an error from the client
            progress.end("nothing applied")
            return {**base, "applied": False, "reason": f"the editor did not answer the edit: {exc}", "status": "error"}
        if not response.applied:
            progress.end("not applied")
            reason = response.failure_reason or "the editor did not apply the edit (it may have been declined or the document changed)"
            return {**base, "applied": False, "reason": reason, "status": "declined"}
        progress.end(f"applied: {metric_text}")
        return {**base, "applied": True, "title": label, "status": "applied",
                "metrics": [m.model_dump(mode="json") for m in verdict.metrics]}

    # -- escalation -------------------------------------------------------------------------
    async def escalate(self, orch, result, message: str, what: str, rel: str, again: tuple) -> None:
        ls = self.server
        params = types.ShowMessageRequestParams(
            type=types.MessageType.Warning, message=message,
            actions=[types.MessageActionItem(title=t) for t in (RETRY, SHOW_ATTEMPTS, DISMISS)])
        try:
            choice = await asyncio.wait_for(ls.window_show_message_request_async(params), ASK_USER_TIMEOUT_S)
        except Exception:  # noqa: BLE001 - no answer: as good as Dismiss
            return
        title = choice.title if choice is not None else DISMISS
        if title == RETRY:
            if ls.document(again[0]) is None:
                ls.tell(types.MessageType.Warning, "orchex: Refactor with AI: the document was closed; nothing to retry")
                return
            await self.refactor(*again)
        elif title == SHOW_ATTEMPTS:
            await self.show_attempts(orch, result, what, rel)

    async def show_attempts(self, orch, result, what: str, rel: str) -> None:
        from ...orchestrator import report

        ls = self.server
        title = f"Refactor {what} with AI: attempts"
        details = {"File": rel}
        state_dir = orch.store.state_dir
        text = report.render(result, title=title, details=details)
        caps = ls.client_capabilities.window
        if state_dir is not None:
            path = report.write(state_dir, result, title=title, details=details)
            if caps and caps.show_document and caps.show_document.support:
                try:
                    shown = await ls.ask_client(ls.window_show_document_async(
                        types.ShowDocumentParams(uri=path.as_uri(), take_focus=True)))
                    if shown.success:
                        return
                except Exception:  # noqa: BLE001 - fall back to a message
                    pass
        ls.tell(types.MessageType.Info, text)


def register(server: OrchexServer) -> None:
    feature = AIFeature(server)
    server.ai = feature  # type: ignore[attr-defined]

    @server.command(COMMAND)
    async def refactor_with_ai(ls: OrchexServer, args: list[Any]) -> dict:
        uri, rng, instruction = _refactor_args(args)
        if ls.document(uri) is None:
            raise _bad(COMMAND, f"{uri} is not an open document")
        return await feature.refactor(uri, rng, instruction)

    @server.command("orchex.agentStatus")
    async def agent_status(ls: OrchexServer, args: list[Any]) -> dict:
        folders = _folders_arg(ls, "orchex.agentStatus", args)
        out = []
        for folder in folders:
            orch = feature.orchestras.get(folder)
            out.append({"folder": str(folder.path), **orch.agents_status()})
        feature.send_status()
        return {"folders": out, "status": feature._last_status}

    @server.command("orchex.history")
    async def history(ls: OrchexServer, args: list[Any]) -> list[dict]:
        if len(args) > 1 or (args and args[0] is not None and (
                not isinstance(args[0], int) or isinstance(args[0], bool) or args[0] < 1)):
            raise _bad("orchex.history", f"got {args!r}")
        limit = args[0] if args and args[0] is not None else 20
        rows: list[dict] = []
        for folder in ls.state.folders.values():
            orch = feature.orchestras.get(folder)
            rows += [{**_history_row(r), "folder": str(folder.path)} for r in orch.store.history(limit)]
        rows.sort(key=lambda r: -(r.get("created_at") or 0))
        return rows[:limit]

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: OrchexServer, params: None) -> None:
        await feature.orchestras.aclose()

    # `orchex/status` once the settings (and so the agents) are known: after `initialized`
    # has fetched them. That handler belongs to the lifecycle feature; ours runs beside it.
    original = server.protocol.fm.features.get(types.INITIALIZED)

    async def initialized(params: types.InitializedParams) -> None:
        async def first_status() -> None:
            async with server.settings_lock:
                feature.orchestras.open_existing(server.state.folders.values())
                feature.send_status(force=True)

        server.background(first_status())
        if original is not None:
            outcome = original(params)
            if asyncio.iscoroutine(outcome):
                await outcome

    server.protocol.fm.features[types.INITIALIZED] = initialized


_HISTORY_KEYS = ("id", "task_type", "status", "created_at", "updated_at", "agent", "reason", "path", "local_only",
                 "cost_usd", "tokens_in", "tokens_out", "runs", "metadata")


def _history_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in _HISTORY_KEYS}


def _folders_arg(ls: OrchexServer, command: str, args: list[Any]) -> list[FolderState]:
    if len(args) > 1:
        raise _bad(command, f"got {len(args)} arguments")
    if not args or args[0] in (None, ""):
        return list(ls.state.folders.values())
    uri = args[0]
    path = fs_path(uri) if isinstance(uri, str) else None
    chosen = [f for f in ls.state.folders.values() if path is not None and (path == f.path or path.is_relative_to(f.path))]
    if not chosen:
        raise _bad(command, f"{uri!r} is not a file: URI in a workspace folder")
    return chosen
