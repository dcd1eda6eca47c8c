"""Shared fixtures: small real projects on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from samples import CLONE, COMPLEX


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small package with a complex function, a clone pair, an import cycle and bad files."""
    root = tmp_path / "proj"
    pkg = root / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "core.py").write_text("from pkg import util\n" + COMPLEX)
    (pkg / "util.py").write_text("from pkg import core\n" + CLONE.format(name="scale"))
    (pkg / "other.py").write_text(CLONE.format(name="stretch"))
    (pkg / "broken.py").write_text("def f(:\n    pass\n")
    (pkg / "latin.py").write_bytes(b"x = '\xe9'\n")
    (pkg / "blob.py").write_bytes(b"\x00\x01\x02binary")
    return root
