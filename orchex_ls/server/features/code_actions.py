"""Refactorings as code actions, and the `orchex.applyRefactoring` command.

Listing runs every rule's cheap ``match`` on the document version the client sees; the edit
(built, verified, measured) is computed in ``codeAction/resolve`` — or at once, within a small
time budget, so that titles carry the metric change and clients without resolve support get
their edit. An edit always names the version it was computed from; a request for an older
version gets nothing applied.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

if TYPE_CHECKING:  # the refactoring engine (and libcst, ~140 ms) loads on first use
    from ...refactor.document import SourceDocument
    from ...refactor.models import Applied, Offer, Selection, TextEdit
from ..convert import column, units
from ..server import OrchexServer

KINDS = [
    types.CodeActionKind.QuickFix,
    types.CodeActionKind.RefactorExtract,
    types.CodeActionKind.RefactorInline,
    types.CodeActionKind.RefactorRewrite,
]
EAGER_BUDGET_S = 0.04  # edits computed while listing, at most this long per request
_CACHE_SIZE = 16
APPLY_USAGE = "{uri: string, range: {start: {line, character}, end: {line, character}}, refactoring: rule id}"


class _Cache:
    """The parsed forms of recent document versions (libcst units are cached inside)."""

    def __init__(self) -> None:
        self._docs: OrderedDict[str, tuple[int | None, SourceDocument, threading.Lock]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, uri: str, version: int | None, text: str, path: str):
        from ...refactor.document import SourceDocument

        with self._lock:
            entry = self._docs.get(uri)
            if entry is None or entry[0] != version or entry[1].text != text:
                entry = (version, SourceDocument(text, path), threading.Lock())
                self._docs[uri] = entry
            self._docs.move_to_end(uri)
            while len(self._docs) > _CACHE_SIZE:
                self._docs.popitem(last=False)
            return entry[1], entry[2]

    def drop(self, uri: str) -> None:
        with self._lock:
            self._docs.pop(uri, None)


def _selection(source: SourceDocument, rng: types.Range, encoding: str) -> Selection:
    from ...refactor.models import Selection

    def col(line: int, character: int) -> int:
        text = source.lines[line].rstrip("\r\n") if line < len(source.lines) else ""
        return column(text, character, encoding)

    start, end = rng.start, rng.end
    if (end.line, end.character) < (start.line, start.character):
        start, end = end, start
    return Selection(
        start_line=start.line, start_col=col(start.line, start.character),
        end_line=end.line, end_col=col(end.line, end.character),
    )


def lsp_range(source: SourceDocument, edit: TextEdit, encoding: str) -> types.Range:
    def pos(line: int, col: int) -> types.Position:
        text = source.lines[line].rstrip("\r\n") if line < len(source.lines) else ""
        return types.Position(line=line, character=units(text, col, encoding))

    return types.Range(start=pos(edit.start_line, edit.start_col), end=pos(edit.end_line, edit.end_col))


def workspace_edit(ls: OrchexServer, uri: str, version: int | None, source: SourceDocument,
                   applied: Applied) -> types.WorkspaceEdit:
    encoding = ls.position_encoding
    edits = [types.TextEdit(range=lsp_range(source, e, encoding), new_text=e.new_text) for e in applied.edits]
    if _versioned(ls):
        doc = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=doc, edits=edits)])
    return types.WorkspaceEdit(changes={uri: edits})


def _versioned(ls: OrchexServer) -> bool:
    caps = ls.client_capabilities.workspace
    return bool(caps and caps.workspace_edit and caps.workspace_edit.document_changes)


def _resolves_edit(ls: OrchexServer) -> bool:
    caps = ls.client_capabilities.text_document
    support = caps and caps.code_action and caps.code_action.resolve_support
    return bool(support and "edit" in support.properties)


def _wanted_kind(kind: str, only: list[str] | None) -> bool:
    return not only or any(kind == o or kind.startswith(o + ".") for o in only)


def _wanted(offer: Offer, only: list[str] | None) -> bool:
    return _wanted_kind(offer.kind, only) or bool(offer.answers and _wanted_kind("quickfix", only))


FIXABLE = {"OCX101", "OCX102", "OCX103", "OCX104", "OCX107"}


def _fix_targets(ls: OrchexServer, uri: str, version, diags: list[types.Diagnostic]):
    from ...refactor.models import Selection

    """(diagnostic, selection, rule) for the refactorings that could reduce each finding."""
    state = ls.state.documents.get(unquote(uri))
    if state is None or state.version != version or state.analysis is None:
        return []
    out = []
    for diag in diags:
        if diag.code not in FIXABLE:
            continue
        if diag.code == "OCX107":
            out.append((diag, Selection.lines(diag.range.start.line, diag.range.end.line), "extract-duplicate"))
            continue
        symbol = diag.data.get("symbol") if isinstance(diag.data, dict) else None
        for cand in state.analysis.candidates:
            if cand.symbol == symbol:
                out.append((diag, Selection.lines(cand.line - 1, cand.end_line - 1), cand.kind))
    return out


def _overlaps(a: types.Range, b: types.Range) -> bool:
    return (a.start.line, a.start.character) <= (b.end.line, b.end.character) and (
        b.start.line, b.start.character) <= (a.end.line, a.end.character)


def register(server: OrchexServer) -> None:
    cache = _Cache()
    server.refactor_cache = cache  # type: ignore[attr-defined]

    def source_of(ls: OrchexServer, uri: str):
        doc = ls.document(uri)
        if doc is None:
            return None
        _, rel = ls.state.folder_of(uri)
        source, lock = cache.get(uri, doc.version, doc.source, rel)
        return doc, source, lock

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=KINDS, resolve_provider=True),
    )
    async def code_action(ls: OrchexServer, params: types.CodeActionParams):
        from ...refactor import engine
        from ...refactor.models import Offer, Refused

        found = source_of(ls, params.text_document.uri)
        if found is None:
            return None
        doc, source, lock = found
        uri, version = params.text_document.uri, doc.version
        selection = _selection(source, params.range, ls.position_encoding)
        only = params.context.only
        eager_all = not _resolves_edit(ls)
        ours = [
            d for d in params.context.diagnostics
            if d.source == "orchex" and isinstance(d.code, str) and _overlaps(d.range, params.range)
        ]

        fix_targets = _fix_targets(ls, uri, version, ours) if _wanted_kind("quickfix", only) else []
        from . import ai

        ai_offered = ai.offered(ls, uri)

        def work():
            with lock:
                in_function = ai_offered and ai.in_function(source, selection)
                listed = [(o, selection, None) for o in engine.offers(source, selection) if _wanted(o, only)]
                # Quick fixes for a function's diagnostic: the analyzer's opportunities in
                # that function, wherever the cursor is in it.
                for diag, where, rule_id in fix_targets:
                    rule = engine.rule_by_id(rule_id)
                    if rule is not None and not any(o.rule == rule_id and s == where for o, s, _ in listed):
                        offer = Offer(rule=rule.id, title=rule.title, kind=rule.kind, answers=rule.answers)
                        listed.append((offer, where, diag))
                deadline = time.monotonic() + EAGER_BUDGET_S
                results = []
                for offer, where, diag in listed:
                    if eager_all or diag is not None or time.monotonic() < deadline:
                        outcome = engine.apply(source, where, offer.rule)
                        if isinstance(outcome, Refused):
                            continue  # not proven: not offered
                        results.append((offer, where, diag, outcome))
                    else:
                        results.append((offer, where, diag, None))
                return results, in_function

        actions = []
        results, in_function = await ls.run_blocking(work)
        for offer, where, diag, applied in results:
            fixes = [diag] if diag is not None else [d for d in ours if d.code in offer.answers]
            kind = offer.kind
            if fixes and _wanted_kind("quickfix", only):
                kind = types.CodeActionKind.QuickFix
            action = types.CodeAction(
                title=applied.title if applied else offer.title,
                kind=kind,
                diagnostics=fixes or None,
                data={"uri": uri, "version": version, "rule": offer.rule,
                      "selection": where.model_dump()},
            )
            # An unversioned edit (client without documentChanges) is only handed out in
            # resolve, where the version is checked; listing keeps just the measured title.
            if applied is not None and (eager_all or _versioned(ls)):
                action.edit = workspace_edit(ls, uri, version, source, applied)
            actions.append(action)
        if ai_offered:
            actions += ai.code_actions(uri, params.range, ours, in_function, lambda k: _wanted_kind(k, only))
        return actions

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve(ls: OrchexServer, action: types.CodeAction) -> types.CodeAction:
        from ...refactor import engine
        from ...refactor.models import Refused, Selection

        data = action.data if isinstance(action.data, dict) else {}
        try:
            uri, rule, version = data["uri"], data["rule"], data.get("version")
            selection = Selection.model_validate(data["selection"])
        except Exception as exc:  # noqa: BLE001 - whatever the client sent back
            raise JsonRpcInvalidParams(f"codeAction/resolve: not an orchex code action ({exc})") from None
        found = source_of(ls, uri)
        if found is None or found[0].version != version:
            action.disabled = types.CodeActionDisabled(
                reason="the document changed since this action was listed; ask for actions again")
            return action
        doc, source, lock = found

        def work():
            with lock:
                return engine.apply(source, selection, rule)

        outcome = await ls.run_blocking(work)
        if isinstance(outcome, Refused):
            action.disabled = types.CodeActionDisabled(reason=outcome.reason)
            return action
        action.title = outcome.title
        action.edit = workspace_edit(ls, uri, version, source, outcome)
        return action

    @server.command("orchex.applyRefactoring")
    async def apply_refactoring(ls: OrchexServer, args: list[Any]) -> dict:
        from ...refactor import engine
        from ...refactor.models import Refused

        uri, rng, rule = _apply_args(args)
        found = source_of(ls, uri)
        if found is None:
            raise JsonRpcInvalidParams(f"orchex.applyRefactoring: {uri} is not an open document")
        doc, source, lock = found
        version = doc.version
        selection = _selection(source, rng, ls.position_encoding)

        def work():
            with lock:
                return engine.apply(source, selection, rule)

        outcome = await ls.run_blocking(work)
        if isinstance(outcome, Refused):
            ls.tell(types.MessageType.Warning, f"orchex: {outcome.rule}: {outcome.reason}")
            return {"applied": False, "refactoring": rule, "reason": outcome.reason}
        edit = workspace_edit(ls, uri, version, source, outcome)
        result = await ls.ask_client(ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label=outcome.title)))
        if not result.applied:
            reason = result.failure_reason or "the editor did not apply the edit (the document may have changed)"
            return {"applied": False, "refactoring": rule, "reason": reason}
        return {"applied": True, "refactoring": rule, "title": outcome.title,
                "metrics": [m.model_dump(mode="json") for m in outcome.metrics]}


def _apply_args(args: list[Any]) -> tuple[str, types.Range, str]:
    from ...refactor.rules import rule_by_id

    def bad(why: str) -> JsonRpcInvalidParams:
        return JsonRpcInvalidParams(f"orchex.applyRefactoring: {why}; expected one argument {APPLY_USAGE}")

    if len(args) != 1 or not isinstance(args[0], dict):
        raise bad(f"got {args!r}")
    arg = args[0]
    uri, rule, rng = arg.get("uri"), arg.get("refactoring"), arg.get("range")
    if not isinstance(uri, str) or not isinstance(rule, str):
        raise bad("`uri` and `refactoring` must be strings")
    if rule_by_id(rule) is None:
        raise bad(f"unknown refactoring {rule!r}")
    try:
        start, end = rng["start"], rng["end"]
        values = [start["line"], start["character"], end["line"], end["character"]]
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values):
            raise TypeError
    except (TypeError, KeyError):
        raise bad("`range` must have start and end positions of non-negative integers") from None
    return uri, types.Range(
        start=types.Position(line=values[0], character=values[1]),
        end=types.Position(line=values[2], character=values[3]),
    ), rule
