"""The chat messages an LLM agent gets for a task."""

from __future__ import annotations

import hashlib
import json

from .models import Task

SYSTEM = {
    "refactor": (
        "You refactor Python code without changing its behaviour. Answer with exactly one fenced "
        "```python code block holding the complete new code, and nothing else."
    ),
    "docstring": (
        "You write docstrings for Python code. Answer with exactly one fenced ```python code block "
        "holding the complete code with its docstrings, and nothing else."
    ),
    "explain": "You explain Python code to a developer, clearly and briefly.",
    "review": "You review Python code: list concrete problems and how to fix them, most important first.",
}
GENERIC = "You are a careful assistant for Python developers."


def build_messages(task: Task, code: str | None = None) -> list[dict[str, str]]:
    """Messages as given, or a system message for the task type and the prompt with the code."""
    code = task.code if code is None else code
    if task.messages:
        messages = [m.model_dump() for m in task.messages]
        if messages[0]["role"] != "system":
            messages.insert(0, {"role": "system", "content": SYSTEM.get(task.task_type, GENERIC)})
        return messages
    parts = [task.prompt] if task.prompt else []
    if code is not None:
        where = f" ({task.path})" if task.path else ""
        parts.append(f"Code{where}:\n```python\n{code.rstrip()}\n```")
    return [
        {"role": "system", "content": SYSTEM.get(task.task_type, GENERIC)},
        {"role": "user", "content": "\n\n".join(parts) or task.task_type},
    ]


def input_fingerprint(task: Task) -> tuple[int, str]:
    """Size in characters and SHA-256 of what the task says (prompt, messages, code): what the
    database keeps instead of the text itself."""
    body = {
        "prompt": task.prompt,
        "messages": [m.model_dump() for m in task.messages] if task.messages else None,
        "code": task.code,
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False)
    chars = len(task.prompt or "") + len(task.code or "") + sum(len(m.content) for m in task.messages or ())
    return chars, hashlib.sha256(text.encode("utf-8")).hexdigest()


# What a call adds to the task's own text: our system message and the chat framing.
FRAMING_CHARS = max(len(t) for t in SYSTEM.values()) + 40


def estimate_tokens(text_chars: int) -> int:
    """Input tokens of a call for a task of ``text_chars``: about four characters per token,
    for English and code, framing included."""
    return max(1, (text_chars + FRAMING_CHARS) // 4)
