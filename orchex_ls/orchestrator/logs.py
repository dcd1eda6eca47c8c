"""Structured logs: one JSON object per line, with the task id as correlation id.

The orchestrator logs events (``task.routed``, ``attempt.failed``, ...) with their fields on
the ``orchex.orchestrator`` logger and never configures handlers itself: the CLI and the
language server do (``json_handler``). Every line goes through ``redact``: values of the API
key variables the configuration names, and anything shaped like a bearer token, never leave.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
import time
from collections.abc import Iterable
from typing import Any, TextIO

logger = logging.getLogger("orchex.orchestrator")
logger.addHandler(logging.NullHandler())  # a library: silent unless the host attaches a handler

current_task_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("orchex_task_id", default=None)

_secret_vars: set[str] = set()


def register_secret_vars(names: Iterable[str | None]) -> None:
    """Environment variables whose values must never be written anywhere."""
    _secret_vars.update(n for n in names if n)


def redact(text: str) -> str:
    """``text`` without the values of the registered key variables, credential-looking
    environment values, or anything shaped like a key or bearer token."""
    from .failures import scrub

    values = [v for v in (os.environ.get(n) for n in _secret_vars) if v and len(v) >= 4]
    return scrub(text, values)


def event(level: int, name: str, /, **fields: Any) -> None:
    """Log event ``name`` with ``fields`` (cheap when the level is off)."""
    if logger.isEnabledFor(level):
        logger.log(level, name, extra={"orchex": fields})


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        task_id = getattr(record, "task_id", None) or current_task_id.get()
        fields = getattr(record, "orchex", None) or {}
        if "task_id" not in fields and task_id:
            out["task_id"] = task_id
        out.update(fields)
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return redact(json.dumps(out, default=str, ensure_ascii=False))


def json_handler(stream: TextIO | None = None, level: int | str = logging.INFO) -> logging.Handler:
    """A handler writing JSON lines to ``stream`` (stderr by default), for the caller to attach."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(level)
    return handler
