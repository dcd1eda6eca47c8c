"""A code lens above each function over a threshold (`cognitive 23 · cyclomatic 14 ·
grade D`), computed cheaply and titled in `codeLens/resolve`."""

from __future__ import annotations

from lsprotocol import types

from ...analysis.models import FunctionMetrics
from ...config import Thresholds
from ..convert import function_range
from ..server import OrchexServer
from .diagnostics import current_state

_CHECKS = (("cognitive", "cognitive"), ("cyclomatic", "cyclomatic"), ("nesting", "nesting"),
           ("lines", "function_lines"), ("parameters", "parameters"))


def over_threshold(function: FunctionMetrics, t: Thresholds) -> bool:
    return any(getattr(function, attr) > getattr(t, limit) for attr, limit in _CHECKS)


def title(function: FunctionMetrics, t: Thresholds) -> str:
    parts = [f"cognitive {function.cognitive}", f"cyclomatic {function.cyclomatic}"]
    for attr, limit in _CHECKS[2:]:
        if getattr(function, attr) > getattr(t, limit):
            parts.append(f"{attr} {getattr(function, attr)}")
    parts.append(f"grade {function.grade}")
    return " · ".join(parts)


def register(server: OrchexServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=True))
    async def code_lens(ls: OrchexServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        uri = params.text_document.uri
        state = await current_state(ls, uri)
        if state is None or state.analysis is None or state.analysis.report is None:
            return []
        folder, _ = ls.state.folder_of(uri)
        t = folder.config.thresholds
        return [
            types.CodeLens(range=function_range(f), data={"uri": uri, "qualname": f.qualname, "line": f.line})
            for f in state.analysis.report.functions if over_threshold(f, t)
        ]

    @server.feature(types.CODE_LENS_RESOLVE)
    async def resolve(ls: OrchexServer, lens: types.CodeLens) -> types.CodeLens:
        data = lens.data if isinstance(lens.data, dict) else {}
        uri = data.get("uri") if isinstance(data.get("uri"), str) else ""  # echoed by the client: untrusted
        state = await current_state(ls, uri) if uri else None
        functions = state.analysis.report.functions if state and state.analysis and state.analysis.report else ()
        match = next((f for f in functions if f.qualname == data.get("qualname") and f.line == data.get("line")), None)
        folder, _ = ls.state.folder_of(uri)
        text = title(match, folder.config.thresholds) if match else "orchex: function changed — analysing again"
        lens.command = types.Command(title=text, command="orchex.report", arguments=[uri])
        return lens
