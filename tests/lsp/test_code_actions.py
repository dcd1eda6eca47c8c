"""Refactorings through the protocol: listed at a range, resolved (or eager for clients
without resolve), applied by the client, re-analysed; stale versions get nothing."""

from __future__ import annotations

import pytest
from helpers import change, command, diagnostics, open_doc
from lsprotocol import types

ELSE_IF = """\
def pick(a, b):
    if a:
        return 1
    else:
        if b:  # keep me
            return 2
        else:
            return 3
"""
ELIF = """\
def pick(a, b):
    if a:
        return 1
    elif b:  # keep me
        return 2
    else:
        return 3
"""


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    """What an editor does with a TextEdit list (UTF-16 = code points for this ASCII text)."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(pos: types.Position) -> int:
        return offsets[min(pos.line, len(lines))] + pos.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


def edits_for(edit: types.WorkspaceEdit, uri: str, version: int | None = None) -> list[types.TextEdit]:
    if edit.document_changes:
        (doc_edit,) = edit.document_changes
        assert doc_edit.text_document.uri == uri
        assert doc_edit.text_document.version == version  # the version it was computed from
        return list(doc_edit.edits)
    return list(edit.changes[uri])


async def actions_at(client, uri: str, line: int, character: int, end=None, only=None, diags=()):
    end_line, end_char = end or (line, character)
    return await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=line, character=character),
                          end=types.Position(line=end_line, character=end_char)),
        context=types.CodeActionContext(diagnostics=list(diags), only=only),
    )) or []


async def resolved(client, action: types.CodeAction) -> types.CodeAction:
    if action.edit is None:
        action = await client.code_action_resolve_async(action)
    return action


async def test_list_resolve_apply_and_reanalyse(client):
    path = client.root / "pkg" / "pick.py"
    path.write_text(ELSE_IF)
    uri = open_doc(client, path)
    actions = await actions_at(client, uri, 3, 4)  # on `else:`
    chosen = [a for a in actions if a.data["rule"] == "elif-chain"]
    assert chosen, [a.title for a in actions]
    action = await resolved(client, chosen[0])
    assert action.kind == types.CodeActionKind.RefactorRewrite
    assert action.title == "Turn `else: if` into `elif` (cognitive 5 → 3)"
    new_text = apply_text_edits(ELSE_IF, edits_for(action.edit, uri, 1))
    assert new_text == ELIF
    change(client, uri, 2, new_text)
    # Re-analysed: the server answers for version 2, and the action is gone there.
    await diagnostics(client, uri)
    assert not [a for a in await actions_at(client, uri, 3, 4) if a.data["rule"] == "elif-chain"]


async def test_nothing_offered_where_it_does_not_apply(client):
    path = client.root / "pkg" / "pick.py"
    path.write_text(ELSE_IF)
    uri = open_doc(client, path)
    assert not [a for a in await actions_at(client, uri, 0, 0) if a.data["rule"] == "elif-chain"]
    # `only` filters by kind.
    assert await actions_at(client, uri, 3, 4, only=[types.CodeActionKind.RefactorExtract]) == []


async def test_stale_version_gets_nothing(client):
    path = client.root / "pkg" / "pick.py"
    path.write_text(ELSE_IF)
    uri = open_doc(client, path)
    (action,) = [a for a in await actions_at(client, uri, 3, 4) if a.data["rule"] == "elif-chain"]
    change(client, uri, 2, "# edited\n" + ELSE_IF)
    await diagnostics(client, uri)
    if action.edit is None:  # resolve after the change: refused, with the reason
        action = await client.code_action_resolve_async(action)
        assert action.edit is None and "changed" in action.disabled.reason
    else:  # eager clients hold an edit naming version 1: the editor refuses it on version 2
        assert action.edit.document_changes[0].text_document.version == 1


async def test_apply_refactoring_command(client):
    path = client.root / "pkg" / "pick.py"
    path.write_text(ELSE_IF)
    uri = open_doc(client, path)
    received: list[types.ApplyWorkspaceEditParams] = []

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        received.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    rng = {"start": {"line": 3, "character": 4}, "end": {"line": 3, "character": 4}}
    result = await command(client, "orchex.applyRefactoring", {"uri": uri, "range": rng, "refactoring": "elif-chain"})
    assert result["applied"] is True and "cognitive 5 → 3" in result["title"]
    (params,) = received
    assert params.label == result["title"]
    assert apply_text_edits(ELSE_IF, edits_for(params.edit, uri, 1)) == ELIF

    # Not applicable: refused with the reason, nothing sent to the editor.
    rng0 = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
    result = await command(client, "orchex.applyRefactoring", {"uri": uri, "range": rng0, "refactoring": "elif-chain"})
    assert result["applied"] is False and "else" in result["reason"]
    assert len(received) == 1


@pytest.mark.parametrize("arguments, message", [
    ([], "expected one argument"),
    ([{"uri": 3, "range": {}, "refactoring": "elif-chain"}], "must be strings"),
    ([{"uri": "file:///x.py", "range": {"start": {"line": -1, "character": 0}, "end": {"line": 0, "character": 0}},
       "refactoring": "elif-chain"}], "non-negative"),
    ([{"uri": "file:///x.py", "range": {}, "refactoring": "no-such-rule"}], "unknown refactoring"),
])
async def test_apply_refactoring_bad_arguments(client, arguments, message):
    with pytest.raises(Exception, match=message):
        await command(client, "orchex.applyRefactoring", *arguments)
