"""What crosses the orchestrator's boundary: tasks in, results and routing decisions out."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

TaskStatus = Literal[
    "queued", "routed", "running", "succeeded", "failed", "escalated", "cancelled", "interrupted", "rejected",
]
FINAL_STATUSES = frozenset({"succeeded", "failed", "escalated", "cancelled", "interrupted", "rejected"})
AttemptStatus = Literal["succeeded", "failed", "skipped", "cancelled"]


def new_task_id() -> str:
    return uuid.uuid4().hex[:16]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Message(_Model):
    role: Literal["system", "user", "assistant"]
    content: str


class TaskSelection(_Model):
    """Where in ``code`` a refactoring applies: 0-based lines and columns (code points);
    ``whole_lines``: the whole statements on those lines."""

    start_line: int = Field(ge=0)
    start_col: int = Field(0, ge=0)
    end_line: int = Field(ge=0)
    end_col: int = Field(0, ge=0)
    whole_lines: bool = False


class Task(_Model):
    """A unit of work for an agent. At least one of ``prompt``, ``messages`` or ``code``."""

    id: str = Field(default_factory=new_task_id, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    task_type: str = Field(min_length=1, max_length=64)
    prompt: str | None = None
    messages: list[Message] | None = None
    code: str | None = None
    path: str | None = None  # where ``code`` comes from (shown to agents; the builtin agent reads it if no code)
    selection: TaskSelection | None = None
    local_only: bool = False  # the code must not leave this machine/network
    max_tokens: int | None = Field(None, ge=1)
    metadata: dict[str, Any] = {}

    @model_validator(mode="after")
    def _has_input(self) -> Task:
        if not (self.prompt or self.messages or self.code or self.path):
            raise ValueError("a task needs a prompt, messages, code or a path")
        return self


class Attempt(_Model):
    """One call (or a skipped agent) in a task's fallback chain."""

    agent: str
    status: AttemptStatus
    error_kind: str | None = None
    message: str | None = None
    latency_ms: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    model: str | None = None


class CandidateScore(_Model):
    """One agent as the router saw it: filtered out (and why) or scored (and from what).
    The parts are 0..1, higher is better; ``score`` is their weighted mean."""

    agent: str
    tier: int
    filtered: str | None = None
    score: float | None = None
    quality: float | None = None
    cost: float | None = None
    latency: float | None = None
    load: float | None = None
    expected_cost_usd: float | None = None
    expected_latency_ms: float | None = None
    p95_latency_ms: float | None = None
    in_flight: int = 0

    @classmethod
    def fast(cls, agent: str, tier: int, filtered: str | None, score: float | None = None,
             quality: float | None = None, cost: float | None = None, latency: float | None = None,
             load: float | None = None, expected_cost_usd: float | None = None,
             expected_latency_ms: float | None = None, p95_latency_ms: float | None = None,
             in_flight: int = 0) -> CandidateScore:
        """Built without validation, every field set: the router makes one per agent per
        decision (50 agents: a third of the decision's time with ``model_construct``)."""
        obj = cls.__new__(cls)
        values = {
            "agent": agent, "tier": tier, "filtered": filtered, "score": score, "quality": quality, "cost": cost,
            "latency": latency, "load": load, "expected_cost_usd": expected_cost_usd,
            "expected_latency_ms": expected_latency_ms, "p95_latency_ms": p95_latency_ms, "in_flight": in_flight,
        }
        object.__setattr__(obj, "__dict__", values)
        object.__setattr__(obj, "__pydantic_fields_set__", set(values))
        object.__setattr__(obj, "__pydantic_extra__", None)
        object.__setattr__(obj, "__pydantic_private__", None)
        return obj


class RoutingDecision(_Model):
    """Which agents a task goes to, in fallback order, and why."""

    task_type: str
    strategy: str
    order: list[str]
    candidates: list[CandidateScore]
    reason: str | None = None  # why no agent is left, when ``order`` is empty
    reason_kind: str | None = None  # budget | policy | ... when every candidate was filtered for it

    @property
    def chosen(self) -> str | None:
        return self.order[0] if self.order else None


class TaskResult(_Model):
    task_id: str
    status: TaskStatus
    output: str | None = None
    agent: str | None = None
    attempts: list[Attempt] = []
    cost_usd: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    routing: RoutingDecision | None = None
    reason: str | None = None  # why it did not succeed
    error_kind: str | None = None  # the failure kind behind ``reason`` (e.g. budget)
