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


def discover(paths: list[Path], root: Path, config: OrchexConfig, base: Path | None = None) -> Discovered:
    """Walk ``paths``; exclude globs match paths relative to ``base`` (the config's folder)."""
    base = base or root
    excludes = pathspec.GitIgnoreSpec.from_lines([*config.exclude, *config.extend_exclude])
    files: list[tuple[Path, str]] = []
    problems: list[tuple[str, str]] = []
    seen: set[Path] = set()

    def excluded(path: Path, is_dir: bool) -> bool:
        rel = _relative(path, base)
        return excludes.match_file(rel + "/" if is_dir else rel)

    def add(path: Path) -> None:
        if path not in seen:
            seen.add(path)
            files.append((path, _relative(path, root)))

    for given in paths:
        given = given.absolute()
        if given.is_symlink() and not given.exists():
            problems.append((_relative(given, root), "broken symlink or symlink loop"))
            continue
        if given.is_file():
            add(given)  # named explicitly: analysed even when an exclude would match
            continue
        if not given.is_dir():
            problems.append((_relative(given, root), "no such file or folder"))
            continue
        ignores: list[tuple[Path, pathspec.PathSpec]] = []
        for folder in (given, *given.parents):
            spec = _gitignore(folder)
            if spec and not _names_an_ancestor(spec, folder, given):
                ignores.append((folder, spec))
            if (folder / ".git").exists():
                break

        def ignored(path: Path, is_dir: bool) -> bool:
            for folder, spec in ignores:
                if not path.is_relative_to(folder):
                    continue
                rel = path.relative_to(folder).as_posix()
                if spec.match_file(rel + "/" if is_dir else rel):
                    return True
            return False

        def on_error(error: OSError) -> None:
            problems.append((_relative(Path(error.filename or given), root), f"cannot read folder: {error.strerror}"))

        for dirpath, dirnames, filenames in os.walk(given, onerror=on_error):
            folder = Path(dirpath)
            if folder != given:
                spec = _gitignore(folder)
                if spec:
                    ignores.append((folder, spec))
            dirnames[:] = sorted(
                d for d in dirnames
                if not excluded(folder / d, True) and not ignored(folder / d, True)
            )
            for name in sorted(filenames):
                if not name.endswith(".py"):
                    continue
                path = folder / name
                if excluded(path, False) or ignored(path, False):
                    continue
                if path.is_symlink() and not path.exists():
                    problems.append((_relative(path, root), "broken symlink or symlink loop"))
                    continue
                add(path)
    return Discovered(files, problems)
