"""The builtin agent (``model = "builtin"``): refactor tasks done by orchex's own engine.

Deterministic, local and free, so the orchestrator works with no API key at all. It takes
the task's code (or reads ``path``) and selection (default: the whole file), applies the
refactoring named in ``metadata["rule"]`` or else the first offered one that applies, and
answers like an LLM would: one fenced Python block with the complete new code, or with
``metadata["reply"] = "region"`` (editor tasks) the new text of the lines
``metadata["region"] = [start, end)`` only (0-based; default: the selection's lines), a
helper the refactoring added right before or after them included.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from .failures import FailureKind, ProviderError
from .models import Task
from .providers import Completion


def _source(task: Task) -> str:
    if task.code is not None:
        return task.code
    if task.path:
        try:
            return Path(task.path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ProviderError(FailureKind.bad_request, f"builtin agent: cannot read {task.path}: {exc}") from None
    raise ProviderError(FailureKind.bad_request, "builtin agent: the task has no code to refactor (give code or path)")


def refactor(task: Task) -> str:
    """The answer for ``task`` (blocking: run it in a thread)."""
    source = _source(task)
    try:
        from ..refactor.engine import apply_refactoring, list_refactorings
        from ..refactor.models import Applied, Selection
    except ImportError as exc:
        raise ProviderError(FailureKind.bad_request, f"builtin agent: the refactoring engine is not available ({exc})") from None
    if task.selection is not None:
        s = task.selection
        selection = Selection(start_line=s.start_line, start_col=s.start_col, end_line=s.end_line,
                              end_col=s.end_col, whole_lines=s.whole_lines)
    else:
        selection = Selection.lines(0, max(0, len(source.splitlines()) - 1))
    path = task.path or "<task>"
    offers = list_refactorings(source, selection, path=path)
    wanted = task.metadata.get("rule")
    if wanted:
        chosen = [o for o in offers if o.rule == wanted]
        if not chosen:
            offered = ", ".join(o.rule for o in offers) or "none"
            raise ProviderError(FailureKind.bad_request, f"builtin agent: {wanted} does not apply here (offered: {offered})")
        offers = chosen
    refusals = []
    for offer in offers:
        outcome = apply_refactoring(source, selection, offer.rule, path=path)
        if isinstance(outcome, Applied):
            new_source = outcome.new_source if outcome.new_source.endswith("\n") else outcome.new_source + "\n"
            if task.metadata.get("reply") == "region":
                try:
                    new_source = region_reply(source, new_source, _region(task, selection))
                except ValueError as exc:
                    refusals.append(f"{offer.rule}: {exc}")
                    continue
            return f"{outcome.title} ({outcome.rule})\n\n```python\n{new_source}```\n"
        refusals.append(f"{offer.rule}: {outcome.reason}")
    detail = "; ".join(refusals) if refusals else "no refactoring is offered at the selection"
    raise ProviderError(FailureKind.bad_request, f"builtin agent: nothing to apply ({detail})")


def _region(task: Task, selection) -> tuple[int, int]:
    region = task.metadata.get("region")
    if (isinstance(region, list | tuple) and len(region) == 2 and all(isinstance(v, int) for v in region)
            and 0 <= region[0] < region[1]):
        return region[0], region[1]
    return selection.start_line, selection.end_line + 1


def region_reply(old: str, new: str, region: tuple[int, int]) -> str:
    """The new text of the lines ``[start, end)`` of ``old``: ``new`` without the lines before
    and after the region, which must be unchanged (a helper inserted right before or after
    the region is part of the reply)."""
    start, end = region
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    end = min(end, len(old_lines))
    after = len(old_lines) - end
    if (new_lines[:start] != old_lines[:start] or len(new_lines) < start + after
            or (after and new_lines[len(new_lines) - after:] != old_lines[end:])):
        raise ValueError(f"the change reaches outside lines {start + 1}-{end}")
    text = "".join(new_lines[start:len(new_lines) - after])
    return text if text.endswith("\n") else text + "\n"


class BuiltinAgent:
    async def run(self, task: Task) -> Completion:
        started = time.perf_counter()
        try:
            text = await asyncio.to_thread(refactor, task)
        except ProviderError:
            raise
        except Exception as exc:  # noqa: BLE001 - an engine bug is this task's failure, not the orchestrator's
            raise ProviderError(FailureKind.bad_request, f"builtin agent failed: {type(exc).__name__}: {exc}") from None
        return Completion(text=text, model="builtin", tokens_in=0, tokens_out=0, cost_usd=0.0,
                          latency_ms=(time.perf_counter() - started) * 1000)
