"""Which files a run analyses: Python files under the given paths, minus excludes and
whatever ``.gitignore`` files (at any depth) ignore. Symlinked folders are not followed, so a
symlink loop cannot trap the walk."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pathspec

from ..config import OrchexConfig


@dataclass(frozen=True, slots=True)
class Discovered:
    files: list[tuple[Path, str]]  # (absolute path, path relative to root)
    problems: list[tuple[str, str]]  # (relative path, reason)


def common_root(paths: list[Path]) -> Path:
    resolved = [p.resolve() if p.exists() else p.absolute() for p in paths]
    folders = [p if p.is_dir() else p.parent for p in resolved]
    return Path(os.path.commonpath([str(f) for f in folders]))


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _gitignore(folder: Path) -> pathspec.PathSpec | None:
    try:
        text = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(text.splitlines())


def _names_an_ancestor(spec: pathspec.PathSpec, folder: Path, given: Path) -> bool:
    """A folder the user named explicitly is analysed even if an enclosing .gitignore
    ignores it (e.g. the stdlib inside pyenv's ``versions/``); such a file is skipped whole."""
    parts = given.relative_to(folder).parts
    return any(spec.match_file("/".join(parts[: i + 1]) + "/") for i in range(len(parts)))


class _Ignores:
    """The .gitignore files in force for one walk, each applying below its own folder."""

    def __init__(self, given: Path) -> None:
        self.specs: list[tuple[Path, pathspec.PathSpec]] = []
        for folder in (given, *given.parents):
            spec = _gitignore(folder)
            if spec and not _names_an_ancestor(spec, folder, given):
                self.specs.append((folder, spec))
            if (folder / ".git").exists():
                break

    def enter(self, folder: Path) -> None:
        spec = _gitignore(folder)
        if spec:
            self.specs.append((folder, spec))

    def match(self, path: Path, is_dir: bool) -> bool:
        for folder, spec in self.specs:
            if path.is_relative_to(folder):
                rel = path.relative_to(folder).as_posix()
                if spec.match_file(rel + "/" if is_dir else rel):
                    return True
        return False


class _Discovery:
    def __init__(self, root: Path, base: Path, config: OrchexConfig) -> None:
        self.root, self.base = root, base
        self.excludes = pathspec.GitIgnoreSpec.from_lines([*config.exclude, *config.extend_exclude])
        self.files: list[tuple[Path, str]] = []
        self.problems: list[tuple[str, str]] = []
        self._seen: set[Path] = set()

    def problem(self, path: Path, reason: str) -> None:
        self.problems.append((_relative(path, self.root), reason))

    def add(self, path: Path) -> None:
        if path not in self._seen:
            self._seen.add(path)
            self.files.append((path, _relative(path, self.root)))

    def excluded(self, path: Path, is_dir: bool) -> bool:
        rel = _relative(path, self.base)
        return self.excludes.match_file(rel + "/" if is_dir else rel)

    def given(self, path: Path) -> None:
        path = path.absolute()
        if path.is_symlink() and not path.exists():
            self.problem(path, "broken symlink or symlink loop")
        elif path.is_file():
            self.add(path)  # named explicitly: analysed even when an exclude would match
        elif path.is_dir():
            self.walk(path)
        else:
            self.problem(path, "no such file or folder")

    def walk(self, top: Path) -> None:
        ignores = _Ignores(top)

        def skip(path: Path, is_dir: bool) -> bool:
            return self.excluded(path, is_dir) or ignores.match(path, is_dir)

        def on_error(error: OSError) -> None:
            self.problem(Path(error.filename or top), f"cannot read folder: {error.strerror}")

        for dirpath, dirnames, filenames in os.walk(top, onerror=on_error):
            folder = Path(dirpath)
            if folder != top:
                ignores.enter(folder)
            dirnames[:] = sorted(d for d in dirnames if not skip(folder / d, True))
            for name in sorted(filenames):
                path = folder / name
                if not name.endswith(".py") or skip(path, False):
                    continue
                if path.is_symlink() and not path.exists():
                    self.problem(path, "broken symlink or symlink loop")
                else:
                    self.add(path)


def discover(paths: list[Path], root: Path, config: OrchexConfig, base: Path | None = None) -> Discovered:
    """Walk ``paths``; exclude globs match paths relative to ``base`` (the config's folder)."""
    run = _Discovery(root, base or root, config)
    for path in paths:
        run.given(path)
    return Discovered(run.files, run.problems)
