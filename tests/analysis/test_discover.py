"""Which files a run picks up: excludes, nested .gitignore files, explicit paths."""

from __future__ import annotations

from pathlib import Path

from orchex_ls.analysis.discover import discover
from orchex_ls.config import OrchexConfig, validate_config


def rels(root: Path, config: OrchexConfig | None = None, paths: list[Path] | None = None) -> list[str]:
    found = discover(paths or [root], root, config or OrchexConfig())
    return [rel for _, rel in found.files]


def make(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def test_default_excludes_skip_virtualenvs_and_caches(tmp_path):
    make(tmp_path, "a.py", ".venv/lib/x.py", "node_modules/y.py", "build/z.py", "pkg/b.py", "notes.txt")
    assert rels(tmp_path) == ["a.py", "pkg/b.py"]


def test_nested_gitignore_applies_below_its_folder_only(tmp_path):
    make(tmp_path, "gen.py", "sub/gen.py", "sub/keep.py", "other/gen.py")
    (tmp_path / "sub" / ".gitignore").write_text("gen.py\n")
    assert rels(tmp_path) == ["gen.py", "other/gen.py", "sub/keep.py"]


def test_extend_exclude_adds_to_the_defaults(tmp_path):
    make(tmp_path, "a.py", "migrations/m1.py", ".venv/x.py")
    config = validate_config({"extend-exclude": ["migrations/"]})
    assert rels(tmp_path, config) == ["a.py"]


def test_exclude_replaces_the_defaults(tmp_path):
    make(tmp_path, "a.py", "build/b.py")
    config = validate_config({"exclude": []})
    assert rels(tmp_path, config) == ["a.py", "build/b.py"]


def test_an_explicit_folder_inside_an_ignored_one_is_still_analysed(tmp_path):
    make(tmp_path, "versions/lib/mod.py")
    (tmp_path / ".gitignore").write_text("/versions/\n")
    (tmp_path / ".git").mkdir()
    target = tmp_path / "versions" / "lib"
    found = discover([target], target, OrchexConfig())
    assert [rel for _, rel in found.files] == ["mod.py"]


def test_an_explicit_file_is_analysed_even_if_excluded(tmp_path):
    make(tmp_path, "build/b.py")
    target = tmp_path / "build" / "b.py"
    assert rels(tmp_path, paths=[target]) == ["build/b.py"]


def test_missing_path_is_a_problem_not_an_exception(tmp_path):
    found = discover([tmp_path / "nope"], tmp_path, OrchexConfig())
    assert found.files == [] and found.problems == [("nope", "no such file or folder")]


def test_symlinked_folder_loop_is_not_followed(tmp_path):
    make(tmp_path, "a/m.py")
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a", target_is_directory=True)
    assert rels(tmp_path) == ["a/m.py"]
