"""Per-file analysis cache in ``state-dir``, keyed by path and content hash.

The cache is one pickle, because loading ~2,000 entries must fit in a warm run of under a
second. Pickle executes code on load, and the state dir lives inside a (possibly cloned,
untrusted) project, so every cache file carries an HMAC made with a per-user key kept
outside the project: a file we did not write ourselves is discarded unread. Corrupt,
truncated or foreign files are discarded too — a cache never makes a run fail.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

FORMAT = b"orchex-cache\x00v1\x00"
_DIGEST = 32


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _user_key() -> bytes:
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "orchex"
    path = home / "cache-key"
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
    except FileExistsError:
        return _user_key_retry(path, key)
    except OSError:
        pass  # read-only home: the cache still works within this process
    return key


def _user_key_retry(path: Path, fallback: bytes) -> bytes:
    try:
        key = path.read_bytes()
        return key if len(key) >= 32 else fallback
    except OSError:
        return fallback


def _sign(body: bytes) -> bytes:
    # Keyed BLAKE2b is a MAC by design and hashes ~2x faster than HMAC-SHA256 here.
    return hashlib.blake2b(body, key=_user_key()[:64], digest_size=_DIGEST).digest()


def ensure_state_dir(path: Path) -> bool:
    """Create the state dir with a ``.gitignore`` of ``*``; False if it cannot be written."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        ignore = path / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# created by orchex: nothing here belongs in version control\n*\n")
        return os.access(path, os.W_OK)
    except OSError:
        return False


class AnalysisCache:
    """``stat`` maps ``root\\0path`` to (mtime_ns, size, hash); ``entries`` maps
    ``root\\0path\\0hash`` to a cached per-file analysis. Keys carry the run's root because
    a result holds root-relative paths and module names: two roots sharing a state dir
    must never serve each other's entries."""

    def __init__(self, file: Path | None, settings_key: str, root: Path | None = None) -> None:
        self.file = file
        self.settings_key = settings_key
        self.root = root or Path("/")
        self._prefix = f"{self.root}\0"
        self.stat: dict[str, tuple[int, int, str]] = {}
        self.entries: dict[str, Any] = {}
        self.stages: dict[str, tuple[str, Any]] = {}  # stage name -> (inputs key, result)
        self.discarded: str | None = None  # why an existing cache file was not used
        self._dirty = False
        if file is not None:
            self._load(file)

    def key(self, path: str, digest: str) -> str:
        return f"{self._prefix}{path}\0{digest}"

    def known(self, path: str) -> tuple[int, int, str] | None:
        """(mtime_ns, size, hash) recorded for ``path`` at the last run."""
        return self.stat.get(self._prefix + path)

    def _load(self, file: Path) -> None:
        try:
            blob = file.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            self.discarded = f"unreadable: {exc.strerror}"
            return
        header = len(FORMAT)
        if not blob.startswith(FORMAT) or len(blob) < header + _DIGEST:
            self.discarded = "not an orchex cache file"
            return
        mac, body = blob[header:header + _DIGEST], blob[header + _DIGEST:]
        if not hmac.compare_digest(mac, _sign(body)):
            self.discarded = "signature mismatch (written by someone else, or corrupt)"
            return
        try:
            data = pickle.loads(body)
        except Exception as exc:  # noqa: BLE001 - any unpickling failure means "stale"
            self.discarded = f"unreadable ({type(exc).__name__})"
            return
        if (
            not isinstance(data, dict)
            or data.get("python") != sys.version_info[:2]
            or data.get("settings") != self.settings_key
        ):
            self.discarded = "made by another version or with other settings"
            return
        self.stat = data.get("stat", {})
        self.entries = data.get("entries", {})
        self.stages = data.get("stages", {})

    def get(self, path: str, digest: str) -> Any | None:
        return self.entries.get(self.key(path, digest))

    def put(self, path: str, digest: str, mtime_ns: int, size: int, value: Any) -> None:
        self.entries[self.key(path, digest)] = value
        self.stat[self._prefix + path] = (mtime_ns, size, digest)
        self._dirty = True

    def touch(self, path: str, digest: str, mtime_ns: int, size: int) -> None:
        if self.known(path) != (mtime_ns, size, digest):
            self.stat[self._prefix + path] = (mtime_ns, size, digest)
            self._dirty = True

    def stage_memo(self, inputs: list[tuple[str, str]]) -> Callable[[str, Callable[[], T]], T]:
        """Memo for project-wide stages (clones, coupling) whose result depends only on the
        set of (path, content hash) analysed: a warm run with nothing changed skips them."""
        key = hashlib.blake2b(repr(inputs).encode(), digest_size=16).hexdigest()

        def memo(name: str, compute: Callable[[], T]) -> T:
            stored = self.stages.get(name)
            if stored is not None and stored[0] == key:
                return stored[1]
            value = compute()
            self.stages[name] = (key, value)
            self._dirty = True
            return value

        return memo

    def save(self) -> None:
        if self.file is None or not self._dirty:
            return
        # Forget files of this root that are gone (deleted, renamed, now excluded).
        for key in [k for k in self.stat if k.startswith(self._prefix)]:
            if not (self.root / key[len(self._prefix):]).exists():
                del self.stat[key]
        live = {f"{k}\0{s[2]}" for k, s in self.stat.items()}
        entries = {k: v for k, v in self.entries.items() if k in live}
        body = pickle.dumps(
            {
                "python": sys.version_info[:2], "settings": self.settings_key, "stat": self.stat,
                "entries": entries, "stages": self.stages,
            },
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        mac = _sign(body)
        atomic_write(self.file, FORMAT + mac + body)


def atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write to a temporary file beside ``path`` and rename it over: never half-written.
    ``mode``: permission bits for the result (a temporary file starts as 0600)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
