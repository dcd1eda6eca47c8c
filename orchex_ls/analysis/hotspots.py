"""Hotspots: files that change often *and* are complex, from git history × complexity.

Churn comes from one ``git log --numstat`` over the whole tree (never one call per
file). Git problems of any kind — not a work tree, git missing, a timeout, an
error — make :func:`read_churn` return ``None``: history is optional input.

Hotspot score (see ``docs/coupling-and-hotspots.md``)::

    score = 100 × (commits / max commits) × (complexity / max complexity)

over the files that have both churn and complexity. Change *frequency* (commits)
rather than lines changed measures churn: it is the better defect predictor and a
single mass reformat can't dominate it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from orchex_ls.analysis.models import Hotspot

__all__ = ["Churn", "GIT_TIMEOUT", "rank_hotspots", "read_churn"]

GIT_TIMEOUT = 60.0  # seconds per git call; a huge history shouldn't hang the analysis

_COMMIT = "\x1e"  # record separator: starts each commit header in the log output
# Inherited repository overrides (e.g. when run from a git hook) would point git at
# another repository than the one ``root`` is in.
_GIT_ENV_DROP = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX")


class Churn(NamedTuple):
    """Git activity of one file inside the window. Plain, so it pickles and caches."""

    commits: int
    lines_added: int
    lines_deleted: int  # binary changes count as a commit with 0 lines
    authors: int  # distinct author e-mails (after .mailmap); the e-mails aren't kept
    last_commit_ts: int  # committer time of the newest commit, Unix seconds

    @property
    def lines_changed(self) -> int:
        return self.lines_added + self.lines_deleted


def _git(root: Path, *args: str, timeout: float) -> bytes | None:
    env = {k: v for k, v in os.environ.items() if k not in _GIT_ENV_DROP}
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_OPTIONAL_LOCKS"] = "0"  # read-only: never take the index lock
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, env=env, check=False,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None  # git not installed, timeout, unusable path
    return done.stdout if done.returncode == 0 else None


def read_churn(root: Path, days: int = 180, *, timeout: float = GIT_TIMEOUT) -> dict[str, Churn] | None:
    """Per-file churn of the last ``days`` days under ``root``, or None without git history.

    Keys are paths relative to ``root`` with ``/`` separators; ``root`` may be a
    subfolder of the repository. Renames are not followed (``--no-renames``): a
    moved file starts a fresh history. Merge commits are skipped (their changes are
    counted in the commits they merge). The window is by committer date. A work
    tree without commits yet gives ``{}``. Never raises.
    """
    # Call 1: inside a work tree? the prefix of root in it, and does HEAD exist?
    head = _git(root, "rev-parse", "--is-inside-work-tree", "--show-prefix", "--revs-only", "HEAD", timeout=timeout)
    if head is None:
        return None
    lines = head.decode("utf-8", "surrogateescape").splitlines()
    if not lines or lines[0] != "true":
        return None  # e.g. inside .git
    prefix = lines[1] if len(lines) > 1 else ""
    if len(lines) < 3:
        return {}  # no commits yet
    # Call 2: the whole history window. -z keeps paths raw (no quoting of unusual
    # names); -c options pin the output format against the user's git config.
    log = _git(
        root,
        "-c", "log.showSignature=false", "-c", "diff.relative=false", "-c", "log.mailmap=true",
        "log", f"--since={int(days)}.days.ago", "--no-merges", "--no-renames", "--numstat", "-z",
        f"--format={_COMMIT}%ct%x00%aE", "--", ".",
        timeout=timeout,
    )
    if log is None:
        return None
    return _parse_log(log.decode("utf-8", "surrogateescape"), prefix)


def _parse_log(text: str, prefix: str) -> dict[str, Churn]:
    """Parse ``<RS>ts NUL email NUL`` headers followed by ``added TAB deleted TAB path NUL``."""
    commits: dict[str, int] = {}
    added: dict[str, int] = {}
    deleted: dict[str, int] = {}
    last: dict[str, int] = {}
    authors: dict[str, set[int]] = {}
    # E-mails become small ids at once and die with this function: only counts leave it.
    author_ids: dict[str, int] = {}
    ts, author = 0, -1
    tokens = text.split("\0")
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip("\n")
        i += 1
        if token.startswith(_COMMIT):
            try:
                ts = int(token[1:])
            except ValueError:
                ts = 0
            email = tokens[i].strip().lower() if i < len(tokens) else ""
            i += 1
            author = author_ids.setdefault(email, len(author_ids))
            continue
        fields = token.split("\t", 2)
        if len(fields) != 3 or not fields[2]:
            continue  # trailing empty token
        path = fields[2]
        if prefix:
            if not path.startswith(prefix):
                continue  # `-- .` already limits to root; defensive
            path = path[len(prefix):]
        commits[path] = commits.get(path, 0) + 1
        # "-" marks a binary file: it changed, but has no line counts
        added[path] = added.get(path, 0) + (int(fields[0]) if fields[0].isdigit() else 0)
        deleted[path] = deleted.get(path, 0) + (int(fields[1]) if fields[1].isdigit() else 0)
        if ts > last.get(path, 0):
            last[path] = ts
        authors.setdefault(path, set()).add(author)
    return {
        path: Churn(commits[path], added[path], deleted[path], len(authors[path]), last.get(path, 0))
        for path in sorted(commits)
    }


def rank_hotspots(
    churn: Mapping[str, Churn], complexity: Mapping[str, int], limit: int | None = None
) -> list[Hotspot]:
    """Files in both mappings, by hotspot score (0-100) descending.

    ``score = 100 × commits/max_commits × complexity/max_complexity``, the maxima
    taken over the files ranked, rounded to 0.1. Files without commits or with
    complexity 0 can't be hotspots and are left out. Ties: more commits, then more
    complexity, then path.
    """
    paths = [p for p in churn.keys() & complexity.keys() if churn[p].commits > 0 and complexity[p] > 0]
    if not paths:
        return []
    max_commits = max(churn[p].commits for p in paths)
    max_complexity = max(complexity[p] for p in paths)
    hotspots = [
        Hotspot(
            path=p,
            commits=churn[p].commits,
            lines_changed=churn[p].lines_added + churn[p].lines_deleted,
            authors=churn[p].authors,
            complexity=complexity[p],
            score=round(100.0 * churn[p].commits / max_commits * complexity[p] / max_complexity, 1),
        )
        for p in paths
    ]
    hotspots.sort(key=lambda h: (-h.score, -h.commits, -h.complexity, h.path))
    return hotspots if limit is None else hotspots[: max(0, limit)]
