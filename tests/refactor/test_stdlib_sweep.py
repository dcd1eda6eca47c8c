"""Property: at sampled positions of real stdlib modules, every refactoring that is offered
either applies to code that compiles, with edits that produce exactly the new source, or is
refused with a reason — never a crash, never an invalid result. (The whole-stdlib sweep is
`bench/refactor.py`.)"""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchex_ls.refactor.sweep import sweep_source

STDLIB = Path(sysconfig.get_paths()["stdlib"])
MODULES = [
    "textwrap.py", "shlex.py", "csv.py", "difflib.py", "argparse.py", "json/decoder.py",
    "configparser.py", "tokenize.py", "inspect.py", "pprint.py", "fractions.py", "ftplib.py",
]


def source(name: str) -> str:
    return (STDLIB / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", MODULES[:4])
def test_fixed_sample(name):
    result = sweep_source(source(name), name, limit=80)
    assert result.invalid == []
    assert result.crashed == []
    assert result.selections > 0


def test_the_sweep_exercises_the_catalogue():
    total = None
    for name in MODULES[:6]:
        result = sweep_source(source(name), name, limit=150)
        if total is None:
            total = result
        else:
            total.merge(result)
    assert total.invalid == [] and total.crashed == []
    # Real code offers real refactorings, and most of what is offered applies.
    assert sum(total.applied.values()) >= 10, total.offered
    assert sum(total.applied.values()) >= sum(total.refused.values()), (total.applied, total.refused)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(MODULES), seed=st.integers(0, 2**32 - 1))
def test_random_positions(name, seed):
    result = sweep_source(source(name), name, limit=12, seed=seed)
    assert result.invalid == [] and result.crashed == []
