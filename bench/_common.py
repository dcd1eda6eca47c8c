"""Shared by the bench scripts: run a command in a child and measure only that child."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def stdlib() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def python_files(root: Path) -> list[str]:
    """``*.py`` below ``root`` (``/``-separated, relative), skipping site-packages."""
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "__pycache__"))
        found += [os.path.relpath(os.path.join(folder, n), root) for n in sorted(names) if n.endswith(".py")]
    return [p.replace(os.sep, "/") for p in found]


def measure(cmd: list[str], cwd: Path | None = None, check: bool = True) -> tuple[str, float, float, float]:
    """Run ``cmd``: its stdout, wall seconds, CPU seconds (children included) and peak RSS
    in MB of the largest process in its tree. CPU time is what to compare on a busy machine."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if check and code:
            sys.exit(f"{cmd[:4]} failed ({code}):\n{err.read().decode()[-2000:]}")
        rss_kb = usage.ru_maxrss / (1024 if sys.platform == "darwin" else 1)
        return out.read().decode(errors="replace"), wall, usage.ru_utime + usage.ru_stime, rss_kb / 1024
