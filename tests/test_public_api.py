"""The public surface: `from orchex_ls import ...` for everything documented, nothing stale."""

from __future__ import annotations

import subprocess
import sys

import orchex_ls


def test_all_matches_the_lazy_exports():
    assert sorted(orchex_ls.__all__) == sorted([*orchex_ls._EXPORTS, "__version__"])


def test_every_exported_name_resolves():
    for name in orchex_ls.__all__:
        assert getattr(orchex_ls, name) is not None, name


def test_unknown_attribute_is_an_attribute_error():
    try:
        orchex_ls.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_importing_the_package_stays_light():
    code = "import sys, orchex_ls; print(sorted(m for m in ('pydantic', 'litellm', 'rich', 'pygls') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_sdk_round_trip(tmp_path):
    (tmp_path / "m.py").write_text("def f(x):\n    return x\n")
    report = orchex_ls.analyze_path(tmp_path)
    assert isinstance(report, orchex_ls.Report)
    assert report.summary.files == 1 and report.files[0].functions[0].name == "f"
