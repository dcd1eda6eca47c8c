"""The fake provider, answering from what it received: for answers that must echo the code
they were sent (placeholders of redacted secrets included, which no test can know before the
request is made). Still a real HTTP server reached by litellm; nothing of ours is patched."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from fake_provider import FakeProvider

Responder = Callable[[list[str]], str]  # the request's message texts -> the answer's text
_BLOCK = re.compile(r"^(`{3,})python\n(.*?)\n\1$", re.DOTALL | re.MULTILINE)


class RespondingProvider(FakeProvider):
    """``respond(model, fn)``: an ``ok`` answer without a fixed text is ``fn(texts)``."""

    def reset(self) -> None:
        super().reset()
        self._responders: dict[str, Responder] = {}

    def respond(self, model: str, fn: Responder) -> None:
        with self._lock:
            self._responders[model] = fn

    def _answer(self, handler, api, record, fault, texts) -> None:
        fn = self._responders.get(record.model) or self._responders.get("*")
        if fn is not None and fault.kind in ("ok", "slow") and fault.text is None:
            fault = dataclasses.replace(fault, text=fn(texts))
        super()._answer(handler, api, record, fault, texts)


def first_block(texts: list[str]) -> str:
    """The code of the first fenced Python block of the last message that has one."""
    for text in reversed(texts):
        match = _BLOCK.search(text)
        if match:
            return match.group(2)
    raise AssertionError("no ```python block in the request")


def with_comment(comment: str = "# reviewed") -> Responder:
    """Answer with the code as sent plus a comment line after its first line (a change that
    keeps every name, signature and metric): a valid refactoring answer for any function."""

    def respond(texts: list[str]) -> str:
        lines = first_block(texts).split("\n")
        body = next((line for line in lines[1:] if line.strip()), "    pass")
        indent = body[: len(body) - len(body.lstrip())]
        lines.insert(1, f"{indent}{comment}")
        return "Here it is:\n\n```python\n" + "\n".join(lines) + "\n```\n"

    return respond
