"""Properties that must hold for any input (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchex_ls import OrchexConfig, analyze_source
from orchex_ls.analysis.file_analysis import analyze_bytes
from orchex_ls.analysis.score import file_score, function_score

THRESHOLDS = OrchexConfig().thresholds
metric = st.integers(min_value=0, max_value=500)

# Fragments that combine into mostly-valid, sometimes-broken Python.
FRAGMENTS = st.sampled_from([
    "def f(a, b):\n", "    if a:\n", "        return b\n", "    for x in a:\n", "        pass\n",
    "    while b and a or not b:\n", "class C:\n", "    def m(self):\n", "        yield 1\n",
    "x = [i for i in range(3) if i]\n", "try:\n    pass\nexcept E:\n    pass\n", "import os\n",
    "from . import y\n", "'''doc'''\n", "# comment\n", "lambda: (1 if 2 else 3)\n", "):\n", "\t\n",
    "match x:\n    case 1:\n        pass\n", "async def g():\n    await h()\n", "\"#not a comment\"\n",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FRAGMENTS, max_size=25))
def test_any_mix_of_python_fragments_is_analysed_without_raising(parts):
    report = analyze_source("".join(parts), "m.py")
    assert 0.0 <= report.score <= 100.0
    for f in report.findings:
        assert f.line >= 1 and f.end_line >= f.line


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data):
    result = analyze_bytes(data, "m.py", THRESHOLDS)
    assert result.report is not None or result.skipped


@settings(max_examples=300, deadline=None)
@given(metric, metric, metric, metric, metric, st.sampled_from(["cyclomatic", "cognitive", "nesting", "lines", "parameters"]), st.integers(1, 100))
def test_function_score_never_rises_when_a_metric_rises(cyc, cog, nest, lines, params, which, step):
    values = {"cyclomatic": cyc, "cognitive": cog, "nesting": nest, "lines": lines, "parameters": params}
    before = function_score(**values, thresholds=THRESHOLDS)
    values[which] += step
    after = function_score(**values, thresholds=THRESHOLDS)
    assert after <= before
    assert 0.0 <= after <= 100.0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0, 100), min_size=0, max_size=8),
    st.floats(0, 100), st.floats(0, 1), st.integers(0, 60), st.booleans(),
    st.floats(0, 0.5), st.integers(0, 10),
)
def test_file_score_never_rises_when_a_module_metric_worsens(scores, mi, dup, fan_out, cycle, d_dup, d_fan):
    pairs = [(s, 1.0) for s in scores]
    base = file_score(functions=pairs, maintainability=mi, duplicated_fraction=dup, fan_out=fan_out,
                      in_cycle=cycle, thresholds=THRESHOLDS)
    worse = file_score(functions=pairs, maintainability=max(0.0, mi - 10), duplicated_fraction=dup + d_dup,
                       fan_out=fan_out + d_fan, in_cycle=True, thresholds=THRESHOLDS)
    assert worse <= base
