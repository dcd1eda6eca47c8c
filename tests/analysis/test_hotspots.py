"""Tests for churn from git history and the hotspot ranking, on real temporary repositories."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from orchex_ls.analysis import hotspots
from orchex_ls.analysis.hotspots import Churn, rank_hotspots, read_churn
from orchex_ls.analysis.models import Hotspot

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

DAY = 86_400


class Repo:
    """A throwaway git repository with a controllable clock."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True)
        self.git("init", "-q")
        self.git("config", "user.name", "Ada")
        self.git("config", "user.email", "ada@example.com")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        full_env.update(env or {})
        return subprocess.run(
            ["git", *args], cwd=self.root, env=full_env, check=True, capture_output=True, text=True
        ).stdout

    def commit(
        self,
        files: dict[str, str | bytes | None],
        *,
        days_ago: float = 0,
        author: tuple[str, str] | None = None,
    ) -> None:
        """Write (None: delete) ``files`` and commit them, dated ``days_ago`` days back."""
        for rel, content in files.items():
            path = self.root / rel
            if content is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        self.git("add", "-A")
        self.last_stamp = int(time.time() - days_ago * DAY)
        stamp = f"@{self.last_stamp} +0000"
        env = {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        if author:
            env.update(GIT_AUTHOR_NAME=author[0], GIT_AUTHOR_EMAIL=author[1])
        self.git("commit", "-q", "-m", "change", env=env)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    return Repo(tmp_path / "repo")


def lines(n: int, tag: str = "x") -> str:
    return "".join(f"{tag}{i}\n" for i in range(n))


@needs_git
def test_counts_per_file(repo: Repo) -> None:
    repo.commit({"a.py": lines(10), "pkg/b.py": lines(3)}, days_ago=5)
    repo.commit({"a.py": lines(10) + lines(2, "y")}, days_ago=4, author=("Bob", "BOB@example.com"))
    repo.commit({"a.py": lines(5)}, days_ago=3, author=("Bob again", "bob@example.com"))
    repo.commit({"pkg/b.py": lines(1), "logo.png": b"\x89PNG\x00\x01"}, days_ago=2)

    churn = read_churn(repo.root)

    assert churn is not None
    assert set(churn) == {"a.py", "pkg/b.py", "logo.png"}
    a = churn["a.py"]
    assert (a.commits, a.lines_added, a.lines_deleted) == (3, 12, 7)
    assert a.authors == 2  # ada + bob (e-mail case doesn't make a new author)
    assert churn["pkg/b.py"] == Churn(2, 3, 2, 1, churn["pkg/b.py"].last_commit_ts)
    assert churn["logo.png"][:3] == (1, 0, 0)  # binary: counted, no lines
    # the last change is the newest commit's own date
    assert churn["pkg/b.py"].last_commit_ts == repo.last_stamp
    assert churn["a.py"].last_commit_ts < churn["pkg/b.py"].last_commit_ts


@needs_git
def test_no_author_emails_are_kept(repo: Repo) -> None:
    repo.commit({"a.py": "x\n"}, author=("Secret", "secret.person@example.com"))
    churn = read_churn(repo.root)
    assert churn is not None
    assert "secret.person" not in repr(churn)
    assert all(isinstance(v, int) for c in churn.values() for v in c)


@needs_git
def test_days_window(repo: Repo) -> None:
    repo.commit({"old.py": "1\n", "both.py": "1\n"}, days_ago=400)
    repo.commit({"both.py": "2\n"}, days_ago=100)
    repo.commit({"new.py": "1\n", "both.py": "3\n"}, days_ago=10)

    default = read_churn(repo.root)
    assert default is not None
    assert set(default) == {"both.py", "new.py"}
    assert default["both.py"].commits == 2

    recent = read_churn(repo.root, days=30)
    assert recent is not None
    assert set(recent) == {"both.py", "new.py"}
    assert recent["both.py"].commits == 1

    everything = read_churn(repo.root, days=1000)
    assert everything is not None
    assert everything["both.py"].commits == 3
    assert everything["old.py"].commits == 1


@needs_git
def test_subfolder_root(repo: Repo) -> None:
    repo.commit({"top.py": "1\n", "sub/dir/mod.py": "1\n", "sub/x.py": "1\n"})
    repo.commit({"sub/dir/mod.py": "2\n", "top.py": "2\n"})

    churn = read_churn(repo.root / "sub")

    assert churn is not None
    assert set(churn) == {"dir/mod.py", "x.py"}
    assert churn["dir/mod.py"].commits == 2


@needs_git
def test_unusual_file_names_are_not_quoted(repo: Repo) -> None:
    repo.commit({"dir with space/é t.py": "1\n", 'q"uote.py': "1\n"})
    churn = read_churn(repo.root)
    assert churn is not None
    assert set(churn) == {"dir with space/é t.py", 'q"uote.py'}


@needs_git
def test_deleted_files_keep_their_history(repo: Repo) -> None:
    repo.commit({"gone.py": lines(4)})
    repo.commit({"gone.py": None})
    churn = read_churn(repo.root)
    assert churn is not None
    assert churn["gone.py"][:3] == (2, 4, 4)


@needs_git
def test_repository_without_commits_is_empty(repo: Repo) -> None:
    assert read_churn(repo.root) == {}


def test_not_a_git_work_tree_is_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # keep git from finding a repository above tmp_path
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    plain = tmp_path / "plain"
    plain.mkdir()
    assert read_churn(plain) is None
    assert read_churn(tmp_path / "does-not-exist") is None


@needs_git
def test_inside_dot_git_is_none(repo: Repo) -> None:
    repo.commit({"a.py": "1\n"})
    assert read_churn(repo.root / ".git") is None


def test_git_missing_is_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert read_churn(tmp_path) is None


def test_timeout_is_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*args: object, **kwargs: object) -> None:
        raise subprocess.TimeoutExpired(cmd="git", timeout=float(kwargs.get("timeout", 0)))

    monkeypatch.setattr(hotspots.subprocess, "run", slow)
    assert read_churn(tmp_path, timeout=0.01) is None


@needs_git
def test_one_git_log_for_the_whole_run(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.commit({f"m{i}.py": "1\n" for i in range(20)})
    calls: list[list[str]] = []
    real_run = subprocess.run

    def spy(cmd: list[str], *args: object, **kwargs: object) -> subprocess.CompletedProcess:
        calls.append(cmd)
        return real_run(cmd, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(hotspots.subprocess, "run", spy)
    churn = read_churn(repo.root)
    assert churn is not None and len(churn) == 20
    assert len(calls) == 2
    assert sum("log" in cmd for cmd in calls) == 1


# --- ranking --------------------------------------------------------------------------


def churn_of(commits: int, added: int = 10, deleted: int = 5, authors: int = 1) -> Churn:
    return Churn(commits, added, deleted, authors, 0)


def test_rank_hotspots_order_and_score() -> None:
    churn = {
        "hot.py": churn_of(10, authors=3),
        "busy_simple.py": churn_of(10),
        "complex_stable.py": churn_of(1),
        "mid.py": churn_of(5),
        "only_churn.py": churn_of(50),
        "trivial.py": churn_of(3),
    }
    complexity = {
        "hot.py": 40,
        "busy_simple.py": 4,
        "complex_stable.py": 80,
        "mid.py": 40,
        "only_complexity.py": 100,
        "trivial.py": 0,
    }
    ranked = rank_hotspots(churn, complexity)
    assert [h.path for h in ranked] == ["hot.py", "mid.py", "complex_stable.py", "busy_simple.py"]
    hot = ranked[0]
    assert hot == Hotspot(path="hot.py", commits=10, lines_changed=15, authors=3, complexity=40, score=50.0)
    # 100 × 5/10 × 40/80
    assert ranked[1].score == 25.0
    assert ranked[2].score == 10.0  # 100 × 1/10 × 80/80
    assert ranked[3].score == 5.0  # 100 × 10/10 × 4/80
    assert all(0 <= h.score <= 100 for h in ranked)


def test_rank_hotspots_top_file_scores_100_and_limit() -> None:
    churn = {"a.py": churn_of(8), "b.py": churn_of(4), "c.py": churn_of(2)}
    complexity = {"a.py": 30, "b.py": 20, "c.py": 10}
    ranked = rank_hotspots(churn, complexity, limit=2)
    assert [(h.path, h.score) for h in ranked] == [("a.py", 100.0), ("b.py", 33.3)]
    assert rank_hotspots(churn, complexity, limit=0) == []


def test_rank_hotspots_ties_are_stable() -> None:
    churn = {"b.py": churn_of(2), "a.py": churn_of(2), "c.py": churn_of(4)}
    complexity = {"a.py": 10, "b.py": 10, "c.py": 5}
    assert [h.path for h in rank_hotspots(churn, complexity)] == ["c.py", "a.py", "b.py"]


def test_rank_hotspots_nothing_in_common() -> None:
    assert rank_hotspots({"a.py": churn_of(3)}, {"b.py": 5}) == []
    assert rank_hotspots({}, {}) == []


@needs_git
def test_read_then_rank_end_to_end(repo: Repo) -> None:
    repo.commit({"core.py": lines(5), "util.py": lines(5)}, days_ago=20)
    for day in (15, 10, 5):
        repo.commit({"core.py": lines(5) + lines(day, "v")}, days_ago=day)
    churn = read_churn(repo.root, days=30)
    assert churn is not None
    ranked = rank_hotspots(churn, {"core.py": 12, "util.py": 12})
    assert [(h.path, h.commits) for h in ranked] == [("core.py", 4), ("util.py", 1)]
