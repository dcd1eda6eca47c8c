"""Per-file analysis: findings with value, threshold and location; robustness."""

from __future__ import annotations

import textwrap

from orchex_ls import OrchexConfig, analyze_source
from orchex_ls.config import validate_config

NESTED = textwrap.dedent(
    """
    def tangled(a, b, c, d, e, f, g):
        for x in a:
            if x:
                for y in b:
                    if y:
                        while c:
                            if d and e or f:
                                return 1
        return 0

    def simple(x):
        return x + 1
    """
)


def test_findings_name_value_threshold_and_point_at_the_function_name():
    report = analyze_source(NESTED, "m.py")
    by_code = {f.code: f for f in report.findings}
    assert {"OCX102", "OCX103", "OCX105"} <= set(by_code)
    nesting = by_code["OCX103"]
    assert nesting.value == 6 and nesting.threshold == 4
    assert "is 6" in nesting.message and "threshold 4" in nesting.message
    assert (nesting.line, nesting.column, nesting.end_column) == (2, 5, 12)  # `tangled`
    assert nesting.symbol == "tangled"
    params = by_code["OCX105"]
    assert params.value == 7 and params.severity == "warning"


def test_function_scores_rank_the_tangled_function_below_the_simple_one():
    report = analyze_source(NESTED, "m.py")
    scores = {f.name: f for f in report.functions}
    assert scores["simple"].score == 100.0 and scores["simple"].grade == "A"
    assert scores["tangled"].score < 60
    assert report.score < 100


def test_thresholds_change_what_is_reported():
    relaxed = validate_config({"thresholds": {"nesting": 10, "cognitive": 100, "parameters": 10}})
    report = analyze_source(NESTED, "m.py", relaxed)
    assert not [f for f in report.findings if f.code in {"OCX102", "OCX103", "OCX105"}]


def test_syntax_error_is_an_ocx100_finding_with_position():
    report = analyze_source("def f(:\n    pass\n", "broken.py")
    (finding,) = report.findings
    assert finding.code == "OCX100" and finding.severity == "error" and finding.line == 1
    assert report.grade == "F"


def test_five_hundred_levels_of_nesting_do_not_escape_as_recursion_error():
    depth = 500
    lines = [" " * i + "if x:" for i in range(depth)] + [" " * depth + "pass"]
    code = "def deep(x):\n" + "\n".join("    " + line for line in lines) + "\n"
    report = analyze_source(code, "deep.py")
    # Either measured (nesting 500) or reported as too deep for Python's parser: never a crash.
    if report.functions:
        assert report.functions[0].nesting == depth
    else:
        assert report.findings[0].code == "OCX100"


def test_deeply_nested_expression_is_reported_not_raised():
    code = "x = " + "(" * 300 + "1" + ")" * 300 + "\n"
    report = analyze_source(code, "parens.py")
    assert all(f.code == "OCX100" for f in report.findings)


def test_empty_source_is_an_empty_report():
    report = analyze_source("", "empty.py")
    assert report.functions == () and report.findings == ()


def test_module_metrics_are_filled():
    report = analyze_source(NESTED + "\n# comment\n", "m.py", OrchexConfig())
    m = report.metrics
    assert m.functions == 2 and m.comments == 1 and m.lloc > 0
    assert 0 < m.maintainability <= 100
    assert m.halstead.volume > 0
    assert m.max_nesting == 6
