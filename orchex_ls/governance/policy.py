"""Which files may go to which agent, and how large a request may be.

    policy = Policy.from_config(config, root)       # GovernanceConfig, or OrchexConfig
    policy.check("pkg/secrets.py", agent)           # PolicyDecision: allowed, or why not
    router = Router(..., policy=policy.agent_filter())

``deny`` globs: never sent to an LLM agent. ``local-only`` globs: only to agents with
``local = true``. The builtin agent (``model = "builtin"``) runs in this process, so neither
applies to it. Globs are gitignore-style, relative to the project root; ``deny`` wins over
``local-only``. Paths may be relative to the root or absolute, ``file://`` URIs too; a
backslash is read as a separator, so ``pkg\\secrets.py`` cannot dodge ``pkg/secrets*``. A path
outside the root is matched as its absolute path: only globs that match at any depth
(``*.pem``, ``secrets/``, ``**/.env``) can catch it. A symlink is judged by its own path and by
its target's: the stricter rule wins.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import unquote, urlparse

import pathspec
from pydantic import BaseModel, ConfigDict

from .settings import GovernanceConfig

BUILTIN_MODEL = "builtin"  # as orchex_ls.config.BUILTIN_MODEL (not imported: config imports us)
Rule = Literal["deny", "local-only", "max-payload-kb"]


class AgentLike(Protocol):
    name: str
    model: str
    local: bool


class PolicyDecision(BaseModel):
    """Allowed, or refused by ``rule`` (with the ``glob`` that matched) for ``reason``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    allowed: bool
    rule: Rule | None = None
    glob: str | None = None
    path: str | None = None  # as shown in the reason: relative to the root when inside it
    reason: str | None = None


ALLOWED = PolicyDecision(allowed=True)


def is_local(agent: Any) -> bool:
    """Does ``agent`` keep code on this machine: ``local = true`` or the builtin agent."""
    return bool(getattr(agent, "local", False)) or getattr(agent, "model", None) == BUILTIN_MODEL


def _from_uri(text: str) -> str:
    parsed = urlparse(text)
    path = unquote(parsed.path)
    if len(path) >= 3 and path[0] == "/" and path[2] == ":":  # file:///C:/x -> C:/x
        path = path[1:]
    return path


def _is_absolute(text: str) -> bool:
    return text.startswith("/") or (len(text) >= 3 and text[1] == ":" and text[2] == "/" and text[0].isalpha())


def _normalised(path: str | os.PathLike[str]) -> str:
    text = os.fspath(path)
    if text.startswith("file:"):
        text = _from_uri(text)
    text = text.replace("\\", "/")
    if _is_absolute(text):
        drive, rest = (text[:2], text[2:]) if text[1:2] == ":" else ("", text)
        return drive + posixpath.normpath("/" + rest.lstrip("/"))  # normpath keeps a leading "//"
    return posixpath.normpath(text)


def _outside(path: str) -> str:
    """What the globs see of a path outside the root: the path below a folder no glob names,
    so that only globs matching at any depth (``*.pem``, ``**/.env``) can match it."""
    if path[1:2] == ":":
        path = path[2:]
    return "<outside the project>/" + path.lstrip("/")


class Policy:
    """The ``deny`` and ``local-only`` globs and the payload limit of one project root."""

    def __init__(self, config: GovernanceConfig, root: Path | str | None = None) -> None:
        """``root``: the folder the globs are relative to (default: the current folder)."""
        self.config = config
        self.root = Path(root if root is not None else Path.cwd()).absolute()
        self._roots = {_normalised(str(self.root)), _normalised(os.path.realpath(self.root))}
        self._deny = pathspec.GitIgnoreSpec.from_lines(config.deny)
        self._local_only = pathspec.GitIgnoreSpec.from_lines(config.local_only)
        self._active = bool(config.deny or config.local_only)
        self._cache: dict[str, tuple[Rule | None, str | None, str]] = {}
        self._refusals: dict[tuple[str, str | None], PolicyDecision] = {}
        self._sized: tuple[object, int] | None = None

    @classmethod
    def from_config(cls, config: Any, root: Path | str | None = None) -> Policy:
        """From a ``GovernanceConfig``, or any configuration with a ``governance`` section."""
        section = config if isinstance(config, GovernanceConfig) else getattr(config, "governance", None)
        if not isinstance(section, GovernanceConfig):
            raise TypeError(f"expected a GovernanceConfig or a config with one, got {type(config).__name__}")
        return cls(section, root)

    # -- paths --------------------------------------------------------------------------------

    def relative(self, path: str | os.PathLike[str]) -> str | None:
        """``path`` relative to the root (``/``-separated), or None if it is outside."""
        text = _normalised(path)
        if not _is_absolute(text):
            return None if text == ".." or text.startswith("../") else text
        folded = text.lower() if os.name == "nt" else text
        for root in self._roots:
            base = root.lower() if os.name == "nt" else root
            if folded == base:
                return "."
            if folded.startswith(base.rstrip("/") + "/"):
                return text[len(base.rstrip("/")) + 1:]
        return None

    def _candidates(self, path: str | os.PathLike[str]) -> list[tuple[str, str]]:
        """(what the globs see, what the user is shown) for the path and its symlink target."""
        rel = self.relative(path)
        if rel is not None:
            absolute, out = str(self.root / rel), [(rel, rel)]
        else:
            text = _normalised(path)
            absolute = text if _is_absolute(text) else _normalised(os.path.join(self.root, text))
            out = [(_outside(absolute), absolute)]
        if not os.path.isabs(absolute):  # a Windows drive path read on POSIX: no link to follow
            return out
        try:
            real = os.path.realpath(absolute)
        except (OSError, ValueError):
            return out
        if _normalised(real) != _normalised(absolute):
            real_rel = self.relative(real)
            seen = real_rel if real_rel is not None else _outside(_normalised(real))
            out.append((seen, f"{out[0][1]} (a link to {real_rel or _normalised(real)})"))
        return out

    def match(self, path: str | os.PathLike[str] | None) -> tuple[Rule | None, str | None, str | None]:
        """``(rule, glob, shown path)``: the strictest rule whose globs match ``path``."""
        if path is None or not self._active:
            return None, None, None if path is None else str(path)
        key = os.fspath(path)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._match(key)
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[key] = cached
        return cached

    def _match(self, path: str) -> tuple[Rule | None, str | None, str]:
        candidates = self._candidates(path)
        for rule, spec in (("deny", self._deny), ("local-only", self._local_only)):
            for seen, shown in candidates:
                if seen in ("", "."):
                    continue
                result = spec.check_file(seen)
                if result.include:
                    return rule, spec.patterns[result.index].pattern, shown  # type: ignore[index,attr-defined]
        return None, None, candidates[0][1]

    # -- decisions ----------------------------------------------------------------------------

    def check(self, path: str | os.PathLike[str] | None, agent: Any) -> PolicyDecision:
        """May the file at ``path`` (None: no file) be sent to ``agent``?"""
        if path is None or not self._active or getattr(agent, "model", None) == BUILTIN_MODEL:
            return ALLOWED
        rule, glob, shown = self.match(path)
        if rule is None or (rule == "local-only" and is_local(agent)):
            return ALLOWED
        # The router asks for every agent of every routing decision: refusals are remembered.
        name = getattr(agent, "name", "this agent") if rule == "local-only" else None
        key = (os.fspath(path), name)
        decision = self._refusals.get(key)
        if decision is None:
            if rule == "deny":
                reason = f"{shown} matches deny glob {glob!r}: never sent to an LLM agent"
            else:
                reason = f"{shown} matches local-only glob {glob!r}: sent only to local agents, and {name} is not local"
            decision = PolicyDecision(allowed=False, rule=rule, glob=glob, path=shown, reason=reason)
            if len(self._refusals) > 4096:
                self._refusals.clear()
            self._refusals[key] = decision
        return decision

    def is_local_only(self, path: str | os.PathLike[str] | None) -> bool:
        """Must the file stay on this machine: does it match a ``local-only`` glob, or a
        ``deny`` glob (stricter: not even local LLM agents get it)?"""
        return path is not None and self.match(path)[0] is not None

    def check_payload(self, size_bytes: int) -> PolicyDecision:
        """May a request of ``size_bytes`` go out (``max-payload-kb``, in KiB)?"""
        limit = self.config.max_payload_kb
        if size_bytes <= limit * 1024:
            return ALLOWED
        return PolicyDecision(allowed=False, rule="max-payload-kb",
                              reason=f"the request is {size_bytes / 1024:.1f} KiB, over max-payload-kb = {limit}: "
                                     f"not sent (select less code, or raise the limit)")

    def check_task(self, task: Any, agent: Any) -> PolicyDecision:
        """``check`` for the task's ``path``, then ``check_payload`` for its text (prompt,
        code, messages; the request adds a few hundred bytes of framing)."""
        if getattr(agent, "model", None) == BUILTIN_MODEL:
            return ALLOWED
        decision = self.check(getattr(task, "path", None), agent)
        if not decision.allowed:
            return decision
        return self.check_payload(self._task_bytes(task))

    def _task_bytes(self, task: Any) -> int:
        # The router asks once per agent for the same task: remember the last one's size.
        if self._sized is not None and self._sized[0] is task:
            return self._sized[1]
        texts = [getattr(task, "prompt", None), getattr(task, "code", None)]
        texts += [getattr(m, "content", None) for m in getattr(task, "messages", None) or ()]
        size = sum(len(t) if t.isascii() else len(t.encode("utf-8", "surrogatepass")) for t in texts if t)
        self._sized = (task, size)
        return size

    def agent_filter(self, payload: bool = False) -> Callable[[Any, Any], str | None]:
        """``(task, agent) -> reason | None`` for the orchestrator's router: why ``agent`` may
        not take ``task`` (its ``path``), or None. ``payload``: also judge the size of the
        task's texts; off by default, because they are not what is sent (an editor task
        carries the whole file for the builtin agent; messages are redacted first): the exact
        request is measured when it is prepared (``Governance.prepare``)."""
        if payload:
            def veto(task: Any, agent: Any) -> str | None:
                decision = self.check_task(task, agent)
                return None if decision.allowed else decision.reason
        else:
            def veto(task: Any, agent: Any) -> str | None:
                decision = self.check(getattr(task, "path", None), agent)
                return None if decision.allowed else decision.reason

        return veto
