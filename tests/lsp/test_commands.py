"""`workspace/executeCommand`: analyzeWorkspace, report, hotspots, and their errors."""

from __future__ import annotations

import pytest
from helpers import command, is_pull, make_history, open_doc, wait_for_progress_end
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from samples import CLONE


def refresh_support(capabilities: types.ClientCapabilities) -> None:
    """Real Neovim answers `workspace/diagnostic/refresh`; pytest-lsp's profile omits it."""
    capabilities.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)


@pytest.mark.lsp(capabilities=refresh_support)
async def test_analyze_workspace(client):
    await wait_for_progress_end(client)
    refreshes = client.diagnostic_refresh_count
    result = await command(client, "orchex.analyzeWorkspace")
    assert result["files"] == 3 and result["grade"] in "ABCDEF" and 0 <= result["score"] <= 100
    assert result["findings"] == {"OCX102": 1, "OCX103": 1, "OCX105": 1, "OCX107": 2, "OCX109": 2}
    [_, (_, values)] = await wait_for_progress_end(client, runs=2)  # its own progress
    assert isinstance(values[0], types.WorkDoneProgressBegin) and values[-1].message.startswith("3 files")
    # Pull clients are told to pull again; push clients get publications instead.
    assert client.diagnostic_refresh_count > refreshes if is_pull(client) else client.diagnostic_refresh_count == 0

    one = await command(client, "orchex.analyzeWorkspace", client.root.as_uri())
    assert one["files"] == 3
    with pytest.raises(JsonRpcInvalidParams, match=r"not in a workspace folder; expected arguments: \[folder uri\?\]"):
        await command(client, "orchex.analyzeWorkspace", client.root.parent.as_uri())


async def test_report_of_a_file_and_of_the_workspace(client):
    core = client.root / "pkg" / "core.py"
    uri = open_doc(client, core, core.read_text() + CLONE.format(name="unsaved"))
    live = await command(client, "orchex.report", uri)  # the open document, unsaved edits too
    assert live["path"] == "pkg/core.py"
    assert [f["qualname"] for f in live["functions"]] == ["tangled", "unsaved"]
    # The live file's own score (its functions and maintainability), not a placeholder.
    assert live["score"] < 100 and live["grade"] != "A"
    assert live["score"] <= max(f["score"] for f in live["functions"])
    other = await command(client, "orchex.report", (client.root / "pkg" / "other.py").as_uri())
    assert other["path"] == "pkg/other.py" and [f["code"] for f in other["findings"]] == ["OCX107"]
    everything = await command(client, "orchex.report")
    assert {"version", "summary", "files", "hotspots"} <= set(everything)
    assert [f["path"] for f in everything["files"]] == ["pkg/core.py", "pkg/other.py", "pkg/util.py"]


@pytest.mark.lsp(setup=make_history)
async def test_hotspots_from_git_history(client):
    found = await command(client, "orchex.hotspots")
    assert [h["path"] for h in found][0] == "pkg/core.py" and len(found) == 3
    assert found[0]["commits"] == 4 and found[0]["root"] == str(client.root)
    assert [h["score"] for h in found] == sorted((h["score"] for h in found), reverse=True)
    assert await command(client, "orchex.hotspots", 1) == found[:1]


async def test_unknown_command_and_bad_arguments(client):
    with pytest.raises(JsonRpcInvalidParams) as error:
        await command(client, "orchex.nope")
    for known in ("orchex.analyzeWorkspace", "orchex.report", "orchex.hotspots"):
        assert known in str(error.value)
    assert error.value.code == -32602
    bad = [
        ("orchex.hotspots", ["ten"], "[limit?: positive integer]"),
        ("orchex.hotspots", [0], "[limit?: positive integer]"),
        ("orchex.report", [5], "[file or folder uri?]"),
        ("orchex.report", ["untitled:never-opened"], "[file or folder uri?]"),
        ("orchex.analyzeWorkspace", ["a", "b"], "[folder uri?]"),
    ]
    for name, arguments, expected in bad:
        with pytest.raises(JsonRpcInvalidParams) as error:
            await command(client, name, *arguments)
        assert f"expected arguments: {expected}" in str(error.value), (name, arguments)
