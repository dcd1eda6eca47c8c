"""The request and the validator plugged into the real orchestrator, agents on the fake provider."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import CORE, line_of
from fake_provider import FakeProvider
from orchestrator_helpers import agent, orchestrator

from orchex_ls.assist import (
    ValidAnswer,
    answer_validator,
    build_request,
    check_answer,
    render_messages,
)
from orchex_ls.orchestrator.models import Message, Task
from orchex_ls.refactor.models import Selection

SIMPLER = (
    "def tokens(text, strict=False):\n    result = []\n    for part in text.split():\n"
    "        if not strict or part.isalpha():\n            result.append(part)\n    return result\n"
)


@pytest.fixture
def server() -> Iterator[FakeProvider]:
    fake = FakeProvider().start()
    try:
        yield fake
    finally:
        fake.stop()


async def test_an_invalid_answer_falls_back_and_the_valid_one_is_applied(tmp_path, server):
    request = build_request(CORE, "pkg/core.py", Selection.cursor(line_of(CORE, "if part.isalpha()"), 8), None)
    broken = SIMPLER.replace("(text, strict=False)", "(text)")
    server.default("sloppy", f"ok:text=Simpler:\n```python\n{broken}```\n")
    server.default("careful", f"ok:text=```py\n{SIMPLER}```")
    orch = orchestrator(tmp_path, [agent(server, "sloppy"), agent(server, "careful", tier=2)])
    task = Task(task_type="refactor", messages=[Message(**m) for m in render_messages(request)], path="pkg/core.py")
    result = await orch.run(task, validator=answer_validator(request, CORE))
    await orch.aclose()
    assert [(a.agent, a.status, a.error_kind) for a in result.attempts] == [
        ("sloppy", "failed", "invalid_output"), ("careful", "succeeded", None),
    ]
    assert result.attempts[0].message == (
        "invalid output: the answer changes the signature of `tokens`: parameter `strict` removed"
    )
    # What the agents were sent is the rendered request.
    sent = server.requests_for("sloppy")[0].json["messages"]
    assert sent == render_messages(request)
    verdict = check_answer(request, CORE, result.output)
    assert isinstance(verdict, ValidAnswer) and SIMPLER in verdict.new_source


def test_the_builtin_agent_s_whole_file_answer_passes_the_same_validator():
    from orchex_ls.orchestrator.builtin import refactor
    from orchex_ls.orchestrator.models import TaskSelection

    cursor = Selection.cursor(line_of(CORE, "if part:"), 8)
    request = build_request(CORE, "pkg/core.py", cursor, None)
    task = Task(task_type="refactor", code=CORE, path="pkg/core.py", selection=TaskSelection(**cursor.model_dump()))
    answer = refactor(task)  # the engine's verified refactoring, answered as the whole new file
    assert answer_validator(request, CORE)(answer) is None
    verdict = check_answer(request, CORE, answer)
    assert isinstance(verdict, ValidAnswer) and verdict.metrics[0].cognitive[1] < verdict.metrics[0].cognitive[0]
    assert "left out 4 statements the answer copied unchanged from around the target" in verdict.notes
