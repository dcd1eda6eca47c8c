"""Which process owns a task, and whether it is still alive.

Each process that runs tasks holds an exclusive ``flock`` on ``<state-dir>/owners/<id>.lock``
for its lifetime. The kernel drops the lock when the process ends, however it ends (kill -9
included), so a lock that can be taken belongs to a dead owner: its unfinished tasks were
interrupted. A process id alone would not do: ids are reused, and several processes (the
language server, CLI runs) share one database.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: fall back to "is the pid alive"
    fcntl = None  # type: ignore[assignment]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


class OwnerLock:
    """This process's identity (``<uuid>:<pid>``) and the lock that proves it is alive."""

    def __init__(self, folder: Path | None) -> None:
        self.id = f"{uuid.uuid4().hex[:16]}:{os.getpid()}"
        self.folder = folder
        self._fd: int | None = None
        if folder is not None and fcntl is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                fd = os.open(self._path(self.id), os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._fd = fd
            except OSError:
                self._fd = None  # a read-only state dir: the pid check still works

    def _path(self, owner: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{owner.split(':', 1)[0]}.lock"

    def is_alive(self, owner: str) -> bool:
        """True if the process that wrote ``owner`` still runs (this one included)."""
        if owner == self.id:
            return True
        _, _, pid_text = owner.partition(":")
        pid = int(pid_text) if pid_text.isdigit() else -1
        if self.folder is None or fcntl is None:
            return pid > 0 and _pid_alive(pid)
        path = self._path(owner)
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return False
        except OSError:
            return pid > 0 and _pid_alive(pid)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return pid > 0 and _pid_alive(pid)
        finally:
            os.close(fd)
        return False

    def forget(self, owner: str) -> None:
        """Remove a dead owner's lock file."""
        if self.folder is not None and owner != self.id:
            try:
                self._path(owner).unlink()
            except OSError:
                pass

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            try:
                self._path(self.id).unlink()
            except OSError:
                pass
