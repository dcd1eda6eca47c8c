"""The per-file cache: hits, changes, corruption and foreign files."""

from __future__ import annotations

import os
from pathlib import Path

from orchex_ls import analyze_paths
from orchex_ls.analysis.cache import FORMAT, AnalysisCache
from orchex_ls.config import OrchexConfig


def run(root: Path, state: Path):
    return analyze_paths([root], OrchexConfig(), state_dir=state, jobs=1)


def functions(report, path):
    return {f.name: f.cyclomatic for f in next(x for x in report.files if x.path == path).functions}


def test_state_dir_is_created_with_a_gitignore(tmp_path):
    (tmp_path / "a.py").write_text("def f():\n    return 1\n")
    analyze_paths([tmp_path], OrchexConfig(), jobs=1)
    state = tmp_path / ".orchex"
    assert (state / ".gitignore").read_text().strip().endswith("*")
    assert (state / "analysis.cache").exists()


def test_unchanged_file_is_served_from_the_cache(tmp_path):
    src, state = tmp_path / "src", tmp_path / "state"
    src.mkdir()
    target = src / "a.py"
    target.write_text("def f(x):\n    if x:\n        return 1\n")
    assert functions(run(src, state), "a.py") == {"f": 2}
    # Same size and modification time, different content: a cache hit serves the old result,
    # which proves the file was not parsed again.
    st = target.stat()
    target.write_text("def g(x):\n    for y in x: return 1\n"[: st.st_size].ljust(st.st_size))
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert functions(run(src, state), "a.py") == {"f": 2}


def test_changed_file_is_analysed_again(tmp_path):
    src, state = tmp_path / "src", tmp_path / "state"
    src.mkdir()
    target = src / "a.py"
    target.write_text("def f(x):\n    return 1\n")
    assert functions(run(src, state), "a.py") == {"f": 1}
    target.write_text("def f(x):\n    if x and x > 1:\n        return 1\n    return 2\n")
    assert functions(run(src, state), "a.py") == {"f": 3}


def test_corrupt_cache_is_discarded_not_fatal(tmp_path):
    src, state = tmp_path / "src", tmp_path / "state"
    src.mkdir()
    (src / "a.py").write_text("def f(x):\n    return 1\n")
    run(src, state)
    cache_file = state / "analysis.cache"
    blob = cache_file.read_bytes()
    cache_file.write_bytes(blob[: len(blob) // 2])
    assert functions(run(src, state), "a.py") == {"f": 1}
    cache_file.write_bytes(b"garbage")
    assert functions(run(src, state), "a.py") == {"f": 1}


def test_foreign_cache_file_is_never_unpickled(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    marker = tmp_path / "pwned"
    # A pickle that would create a file if it were ever loaded.
    import pickle

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    body = pickle.dumps(Evil())
    (state / "analysis.cache").write_bytes(FORMAT + b"\0" * 32 + body)
    cache = AnalysisCache(state / "analysis.cache", "key")
    assert cache.discarded and "signature" in cache.discarded
    assert not marker.exists()


def test_other_settings_do_not_reuse_entries(tmp_path):
    src, state = tmp_path / "src", tmp_path / "state"
    src.mkdir()
    (src / "a.py").write_text("def f(a, b, c):\n    return 1\n")
    strict = OrchexConfig.model_validate({"thresholds": {"parameters": 2}})
    report = analyze_paths([src], strict, state_dir=state, jobs=1)
    assert [f.code for f in report.files[0].findings] == ["OCX105"]
    report = analyze_paths([src], OrchexConfig(), state_dir=state, jobs=1)
    assert report.files[0].findings == ()


def test_models_survive_the_cache_round_trip_unchanged(tmp_path):
    import pickle

    from orchex_ls import analyze_source

    report = analyze_source("def f(a, b, c, d, e, f, g):\n    return a if b else c\n", "m.py")
    again = pickle.loads(pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == report
    assert again.model_dump() == report.model_dump()
    assert again.findings[0].related == ()


def test_deleted_files_are_forgotten(tmp_path):
    src, state = tmp_path / "src", tmp_path / "state"
    src.mkdir()
    (src / "a.py").write_text("def f():\n    return 1\n")
    (src / "b.py").write_text("def g():\n    return 2\n")
    run(src, state)
    (src / "b.py").unlink()
    run(src, state)
    from orchex_ls.analysis.engine import _settings_key

    cache = AnalysisCache(state / "analysis.cache", _settings_key(OrchexConfig()), src)
    assert cache.known("a.py") is not None
    assert cache.known("b.py") is None
    assert not any("b.py" in key for key in cache.entries)


def test_two_roots_sharing_a_state_dir_do_not_mix(tmp_path):
    state = tmp_path / "state"
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    (one / "m.py").write_text("def f(x):\n    return 1\n")
    (two / "m.py").write_text("def g(x):\n    return 1\n")
    st = (one / "m.py").stat()
    os.utime(two / "m.py", ns=(st.st_atime_ns, st.st_mtime_ns))  # same size and mtime
    assert functions(run(one, state), "m.py") == {"f": 1}
    assert functions(run(two, state), "m.py") == {"g": 1}
