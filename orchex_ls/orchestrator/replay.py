"""Rebuild a task of the history for ``retry``: its texts were not stored (only their
hashes), so they come from the caller, the prompt file, the code's path, or the database
when content logging was on; whichever it is must hash as the original did."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from ..storage.store import ACTIVE, Store
from .models import Task, TaskSelection
from .prompts import input_fingerprint


class RetryRefused(Exception):
    """The task cannot be run again as asked: says why and what to do."""


def _read(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RetryRefused(f"cannot read the {what} {path}: {exc}") from None


def rebuild(store: Store, task_id: str, *, task: Task | None = None, prompt: str | None = None,
            prompt_file: str | None = None) -> tuple[Task, str | None]:
    """The task to run again and its prompt file (if any). ``task`` replaces it whole;
    ``prompt`` or ``prompt_file`` give its prompt again (the rest comes from the database)."""
    row = store.get_task(task_id)
    if row is None:
        raise RetryRefused(f"no task {task_id} in {store.path or 'the database'}")
    if row["status"] == "succeeded":
        raise RetryRefused(f"task {task_id} already succeeded")
    if row["status"] in ACTIVE:
        raise RetryRefused(f"task {task_id} is {row['status']} in another process (owner {row['owner']})")
    spec = row.get("spec") or {}
    if prompt_file is not None:
        prompt = _read(prompt_file, "prompt file")
    else:
        prompt_file = row.get("prompt_file")
    if task is not None:
        task = task.model_copy(update={"id": task_id})
    else:
        task = _from_row(row, spec, prompt_file, prompt)
    _, digest = input_fingerprint(task)
    if row.get("input_sha256") and digest != row["input_sha256"]:
        source = f"the prompt file {prompt_file} or the code" if prompt_file else "the prompt or code given"
        raise RetryRefused(f"{source} changed since task {task_id} ran (SHA-256 differs); run it as a new task instead")
    return task, prompt_file


def _from_row(row: dict, spec: dict, prompt_file: str | None, prompt: str | None) -> Task:
    fields: dict = {
        "id": row["id"], "task_type": row["task_type"], "local_only": row["local_only"], "path": row.get("path"),
        "metadata": row.get("metadata") or {}, "max_tokens": spec.get("max_tokens"),
    }
    if spec.get("selection"):
        fields["selection"] = TaskSelection(**spec["selection"])
    if row.get("input"):  # content logging was on
        fields.update({k: v for k, v in json.loads(row["input"]).items() if v is not None})
    else:
        if spec.get("messages") or spec.get("code_from") == "inline" or (
                spec.get("prompt_from") == "inline" and prompt is None):
            raise RetryRefused(
                f"the prompt of task {row['id']} was not stored (content logging is off); "
                "give it again (--prompt or --prompt-file)"
            )
        if prompt is not None:
            fields["prompt"] = prompt
        elif prompt_file:
            fields["prompt"] = _read(prompt_file, "prompt file")
        if spec.get("code_from") == "path" and row.get("path"):
            fields["code"] = _read(row["path"], "code file")
    try:
        return Task(**fields)
    except ValidationError as exc:
        raise RetryRefused(f"task {row['id']} cannot be rebuilt: {exc.errors()[0]['msg']}") from None
