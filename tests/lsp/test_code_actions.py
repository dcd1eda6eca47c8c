"""Refactorings through the protocol: listed at a range, resolved (or eager for clients
without resolve), applied by the client, re-analysed; stale versions get nothing."""

from __future__ import annotations

import pytest
from helpers import change, command, diagnostics, open_doc
from lsprotocol import types
from refactor_examples import example
from samples import ELIF, ELSE_IF

from orchex_ls.refactor.rules import RULES


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


# -- every refactoring in the catalogue, end to end -----------------------------------------


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
async def test_every_refactoring_through_the_protocol(client, rule):
    before, after, selection, _ = example(rule)
    assert selection is not None, f"{rule.id}: its docs example does not apply (see tests/refactor/test_docs.py)"
    path = client.root / "pkg" / "example.py"
    path.write_text(before)
    uri = open_doc(client, path)
    lines = before.splitlines()
    if selection.whole_lines:
        start = (selection.start_line, 0)
        end = (selection.end_line, len(lines[selection.end_line]))
    else:
        start = (selection.start_line, selection.start_col)
        end = (selection.end_line, selection.end_col)
    actions = await actions_at(client, uri, *start, end=end)
    chosen = [a for a in actions if a.data["rule"] == rule.id]
    assert chosen, f"{rule.id} not offered; got {[a.title for a in actions]}"
    action = await resolved(client, chosen[0])
    assert action.title.startswith(rule.title)
    assert action.kind in (rule.kind, types.CodeActionKind.QuickFix)
    new_text = apply_text_edits(before, edits_for(action.edit, uri, 1))
    assert new_text == after
    change(client, uri, 2, new_text)
    await diagnostics(client, uri)  # the server took the new text and analysed it


async def test_quick_fixes_on_complexity_findings(client):
    """On `tangled`'s OCX102/OCX103 diagnostics (its name line), the analyzer's
    opportunities in that function come back as verified quick fixes."""
    uri = open_doc(client, client.root / "pkg" / "core.py")
    found = await diagnostics(client, uri, lambda d: {"OCX102", "OCX103"} <= {x.code for x in d})
    ours = [d for d in found if d.code in ("OCX102", "OCX103")]
    rng = ours[0].range
    actions = await actions_at(client, uri, rng.start.line, rng.start.character,
                               end=(rng.end.line, rng.end.character), diags=ours)
    fixes = [a for a in actions if a.kind == types.CodeActionKind.QuickFix]
    assert fixes, [a.title for a in actions]
    fix = await resolved(client, fixes[0])
    assert fix.data["rule"] == "extract-function"
    assert {d.code for d in fix.diagnostics} <= {"OCX102", "OCX103"}
    assert fix.title.startswith("Extract function (cognitive 24 → ")
    text = (client.root / "pkg" / "core.py").read_text()
    new_text = apply_text_edits(text, edits_for(fix.edit, uri, 1))
    compile(new_text, "core.py", "exec")
    change(client, uri, 2, new_text)
    # The fix did what it said: the cognitive-complexity finding on `tangled` is gone.
    after = await diagnostics(client, uri, lambda d: "OCX102" not in {x.code for x in d},
                              what="diagnostics without OCX102")
    assert "OCX102" not in {d.code for d in after}
