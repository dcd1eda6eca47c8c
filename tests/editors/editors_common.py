"""What the Neovim and Emacs tests share: the sample project, the texts a refactoring must
produce, and finding the editor binaries (skipped only where nothing could install them)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from samples import COMPLEX

REPO = Path(__file__).resolve().parents[2]
EDITORS = REPO / "editors"

SAMPLE = COMPLEX.lstrip("\n") + '''

def classify(n):
    if n < 0:
        return "negative"
    else:
        if n == 0:
            return "zero"
        else:
            return "positive"
'''

# After "Invert `if` into a guard clause" with the cursor on `if x:`.
AFTER_GUARD = SAMPLE.replace('''\
        if x:
            for y in b:
                if y and c or d:
                    while e:
                        if f:
                            total += 1
                        else:
                            total -= 1
''', '''\
        if not x:
            continue
        for y in b:
            if y and c or d:
                while e:
                    if f:
                        total += 1
                    else:
                        total -= 1
''')

# Then "Turn `else: if` into `elif`" on classify's outer `else:`.
AFTER_ELIF = AFTER_GUARD.replace('''\
    else:
        if n == 0:
            return "zero"
        else:
            return "positive"
''', '''\
    elif n == 0:
        return "zero"
    else:
        return "positive"
''')


def make_workspace(root: Path) -> Path:
    """A project with pyproject.toml and pkg/core.py, committed to git (for the hotspots)."""
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "sample"\nversion = "0.0.0"\n')
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "core.py").write_text(SAMPLE)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "sample"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, timeout=30)
    return root


def require_tool(name: str, found: str | None, apt_packages: str) -> str:
    """The binary, or: skip when it is missing and apt is not there to install it; fail when
    apt could have (CI runs .ci/editors.sh first)."""
    if found:
        return found
    if shutil.which("apt-get") is None:
        pytest.skip(f"{name} is not installed and this machine has no apt-get to install it "
                    f"(apt-get install {apt_packages})")
    pytest.fail(f"{name} is not installed; run .ci/editors.sh (apt-get install {apt_packages})")


def system_which(name: str) -> str | None:
    """`which`, leaving out the test venv's bin folder (where pip's nvim lives)."""
    venv_bin = str(Path(sys.executable).parent)
    path = [p for p in os.environ.get("PATH", os.defpath).split(os.pathsep) if p and p != venv_bin]
    return shutil.which(name, path=os.pathsep.join(path))


def tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return f"({path} not written)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
