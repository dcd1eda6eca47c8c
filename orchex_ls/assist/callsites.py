"""Where the target is used, found with jedi, within a count and a time budget.

jedi's own ``get_references(scope="project")`` answers all at once or not at all, and on a
large tree it does not stop soon (the stdlib as a project: 0.6-0.9 s warm, 15 s cold for
``json.dumps``), so the project search is ours: the current file's references come from
jedi in one call, then project files are scanned as bytes for the name *and* the module's
(or its package's, or the class's) name, which a file using the target contains, and each
occurrence in such a file is confirmed with jedi's ``goto``. The search runs in a worker
thread that the caller waits for at most ``budget_ms``: one slow ``goto`` (seconds, on a
big file) cannot hold the request up, the call sites found by then are kept, and the
worker stops at its next check. One search runs at a time (jedi is not documented as
thread-safe); jedi is imported on first use (~0.2 s), ``warm_up`` does that ahead of time.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from ..config import DEFAULT_EXCLUDE
from .models import CallSite

MAX_FILES = 2000  # files scanned per search at most (jedi's own limit)
_SKIP_DIRS = frozenset(DEFAULT_EXCLUDE)
_LOCK = threading.Lock()
_state: dict[str, object] = {}


@dataclass(frozen=True, slots=True)
class Needle:
    """A definition to find uses of: its name and where it is (1-based line, 0-based column)."""

    name: str
    line: int
    column: int
    qualname: str  # `Class.method`: a jedi match's full name must end with it
    also: tuple[str, ...] = ()  # other names a using file must mention (the class of a method)


def warm_up() -> bool:
    """Import jedi and build its environment now (the server's start-up can call this in a
    thread). False when jedi is not installed."""
    with _LOCK:
        try:
            _jedi()
        except ImportError:
            return False
    return True


def _jedi():
    import jedi  # noqa: PLC0415 - heavy, and only the call-site search needs it

    if "environment" not in _state:
        # The running interpreter: no subprocess per search. Project code is parsed, never run;
        # jedi loads no compiled extension from the project (load_unsafe_extensions=False).
        _state["environment"] = jedi.InterpreterEnvironment()
    return jedi


def _project(jedi, root: Path | None):
    key = f"project:{root}"
    if key not in _state:
        _state[key] = jedi.Project(root) if root is not None else None
    return _state[key]


def find_call_sites(
    source: str, path: str, needles: list[Needle], project_root: Path | None, *,
    limit: int = 8, budget_ms: float = 200,
) -> tuple[list[CallSite], str | None]:
    """Up to ``limit`` uses of ``needles`` (definitions and import lines left out): the file's
    own first, then other files under ``project_root``; and a note when the list may be
    incomplete. Never raises: a jedi failure becomes the note."""
    if not needles or limit <= 0:
        return [], None
    search = _Search(source, path, needles, project_root, limit)
    worker = threading.Thread(target=search.run, name="orchex-call-sites", daemon=True)
    worker.start()
    worker.join(budget_ms / 1000)
    search.stop.set()
    found = list(search.found)[:limit]
    if worker.is_alive():
        note = f"the search stopped after {budget_ms:g} ms; there may be more call sites"
    else:
        note = search.note
    return found, note


class _Search:
    def __init__(self, source: str, path: str, needles: list[Needle], root: Path | None, limit: int) -> None:
        self.source = source
        self.given = path
        self.root = root.resolve() if root is not None else None
        self.path: Path | None = None
        if path and not path.startswith("<"):  # "<string>", "<untitled>": no file
            # A relative path is taken as relative to the project (what the server passes).
            given = Path(path)
            self.path = (self.root / given if self.root is not None and not given.is_absolute() else given).resolve()
        self.needles = needles
        self.limit = limit
        self.found: list[CallSite] = []
        self.seen: set[tuple[str, int]] = set()
        self.note: str | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        if not _LOCK.acquire(timeout=5):
            self.note = "another call-site search is still running; none searched"
            return
        try:
            self._run()
        except ImportError:
            self.note = "jedi is not installed: call sites were not searched"
        except Exception as exc:  # noqa: BLE001 - jedi on odd code: no call sites, not a failed request
            self.note = f"the call-site search failed ({type(exc).__name__}: {exc})"
        finally:
            _LOCK.release()

    def _run(self) -> None:
        jedi = _jedi()
        environment = _state["environment"]
        inside = self.root is not None and self.path is not None and self.path.is_relative_to(self.root)
        project = _project(jedi, self.root if inside else None)
        script = jedi.Script(self.source, path=self.path, project=project, environment=environment)
        lines = self.source.splitlines()
        for needle in self.needles:
            for ref in script.get_references(needle.line, needle.column, scope="file"):
                if ref.line != needle.line and self._add(self.path, ref.line, lines):
                    return
        if not inside or self.stop.is_set():
            if self.root is not None and not inside:
                self.note = "the file is outside the project: only its own call sites were searched"
            return
        self._project_files(jedi, project, environment)

    def _add(self, path: Path | None, line: int, lines: list[str]) -> bool:
        """Record a use (True when the limit is reached)."""
        text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        if text.startswith(("import ", "from ")):
            return False  # an import is not a use
        shown = self._shown(path)
        if (shown, line) not in self.seen:
            self.seen.add((shown, line))
            self.found.append(CallSite(path=shown, line=line, text=text))
        if len(self.found) >= self.limit:
            self.note = f"the first {self.limit} call sites found; there may be more"
            return True
        return False

    def _shown(self, path: Path | None) -> str:
        if self.root is not None and path is not None and path.is_relative_to(self.root):
            return path.relative_to(self.root).as_posix()
        return self.given if path == self.path else str(path)

    def _files(self):
        """Python files under the root: the target's own folder first (its neighbours are
        the likeliest users), then the rest, skipping excluded and hidden folders."""
        assert self.root is not None and self.path is not None
        home = self.path.parent
        yield from sorted(p for p in home.glob("*.py") if p != self.path)
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
            if Path(folder) == home:
                continue
            for name in sorted(names):
                if name.endswith(".py"):
                    yield Path(folder, name)

    def _project_files(self, jedi, project, environment) -> None:
        assert self.path is not None
        # A file that uses the target names its module, or the package above it (which may
        # re-export it), or for a method its class.
        folder = self.path.parent
        modules = [folder.name] if self.path.name == "__init__.py" else [self.path.stem]
        if (folder / "__init__.py").exists() and self.path.name != "__init__.py":
            modules.append(folder.name)
        names = {n.name: re.compile(rf"\b{re.escape(n.name)}\b") for n in self.needles}
        keys = [(n.name.encode(), [*(m.encode() for m in modules), *(a.encode() for a in n.also)]) for n in self.needles]
        for count, file in enumerate(self._files()):
            if self.stop.is_set():
                return
            if count >= MAX_FILES:
                self.note = f"searched the first {MAX_FILES} files of the project only"
                return
            try:
                data = file.read_bytes()
            except OSError:
                continue
            if not any(name in data and any(k in data for k in others) for name, others in keys):
                continue
            if self._search_file(jedi, project, environment, file, data.decode("utf-8", "replace"), names):
                return

    def _search_file(self, jedi, project, environment, file: Path, text: str, names: dict) -> bool:
        script = None
        lines = text.splitlines()
        for number, line in enumerate(lines, 1):
            stripped = line.lstrip()
            if stripped.startswith(("#", "import ", "from ")):
                continue
            for name, pattern in names.items():
                for match in pattern.finditer(line):
                    if self.stop.is_set():
                        return True
                    if script is None:
                        script = jedi.Script(text, path=file, project=project, environment=environment)
                    if self._is_target(script.goto(number, match.start(), follow_imports=True), name):
                        if self._add(file, number, lines):
                            return True
                        break
        return False

    def _is_target(self, definitions, name: str) -> bool:
        for d in definitions:
            if d.name != name or d.module_path is None or Path(d.module_path).resolve() != self.path:
                continue
            needle = next(n for n in self.needles if n.name == name)
            full = d.full_name
            if full is None or full == needle.qualname or full.endswith("." + needle.qualname):
                return True
        return False
