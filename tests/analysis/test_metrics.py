"""Structural metrics from one walk: cyclomatic (radon's rules), nesting, length, parameters,
returns, Halstead and the maintainability index."""

from __future__ import annotations

import ast
import sysconfig
import textwrap
from pathlib import Path

import pytest

from orchex_ls.analysis.metrics import walk_module
from orchex_ls.analysis.raw import maintainability_index, raw_counts


def functions(code: str) -> dict[str, object]:
    walk = walk_module(ast.parse(textwrap.dedent(code)))
    return {f.qualname: f for f in walk.functions}


def only(code: str):
    (record,) = functions(code).values()
    return record


CYCLOMATIC = [
    ("def f(): pass", 1),
    ("def f(a):\n    if a: pass", 2),
    ("def f(a):\n    if a: pass\n    elif a > 1: pass\n    else: pass", 3),
    ("def f(a): return 1 if a else 2", 2),
    ("def f(a):\n    for x in a: pass", 2),
    ("def f(a):\n    for x in a: pass\n    else: pass", 3),
    ("def f(a):\n    while a: pass\n    else: pass", 3),
    ("def f(a):\n    try: pass\n    except A: pass\n    except B: pass\n    else: pass\n    finally: pass", 4),
    ("def f(a): return a and b and c", 3),
    ("def f(a): return (a and b) or c", 3),
    ("def f(a): return [x for x in a if x if x > 1]", 4),
    ("def f(a): assert a and b", 2),  # radon counts the assert, not what is inside it
    ("def f(a):\n    with a: pass", 1),
    ("def f(a):\n    match a:\n        case 1: pass\n        case 2: pass\n        case _: pass", 3),
    ("def f(a):\n    match a:\n        case 1: pass\n        case x: pass", 2),
    ("def f(a):\n    def g():\n        if a: pass\n    return g", 1),  # closures are their own units
    ("def f(a=1 if x else 2):\n    pass", 1),  # defaults are not counted
    ("def f(a): return lambda: 1 if a else 2", 2),  # lambdas are part of the function
]


@pytest.mark.parametrize(("code", "expected"), CYCLOMATIC)
def test_cyclomatic_table(code, expected):
    assert functions(code)["f"].cyclomatic == expected


def test_nesting_depth_counts_blocks_and_treats_elif_as_same_level():
    f = only(
        """
        def f(a):
            for x in a:
                if x:
                    while x:
                        with x:
                            pass
                elif x > 1:
                    pass
                elif x > 2:
                    try:
                        pass
                    except E:
                        pass
        """
    )
    assert f.nesting == 4


def test_nested_function_bodies_do_not_deepen_their_owner():
    fs = functions(
        """
        def outer(a):
            if a:
                def inner():
                    for x in a:
                        if x:
                            pass
                return inner
        """
    )
    assert fs["outer"].nesting == 1
    assert fs["outer.<locals>.inner"].nesting == 2


def test_length_counts_statements_without_docstring():
    f = only(
        '''
        def f(a):
            """Docstring."""
            x = 1
            if a:
                x = 2
            return x
        '''
    )
    assert f.lines == 4
    assert f.returns == 1


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("def f(a, b, /, c, *args, d, **kw): pass", 6),
        ("class C:\n    def m(self, a, b): pass", 2),
        ("class C:\n    @classmethod\n    def m(cls, a): pass", 1),
        ("class C:\n    @staticmethod\n    def m(a, b): pass", 2),
        ("def f(): pass", 0),
    ],
)
def test_parameters_exclude_self_and_cls(code, expected):
    assert only(code).parameters == expected


def test_qualnames_and_methods():
    fs = functions(
        """
        class A:
            def m(self):
                def helper(): pass
            class B:
                async def n(self): pass
        def top(): pass
        """
    )
    assert set(fs) == {"A.m", "A.m.<locals>.helper", "A.B.n", "top"}
    assert fs["A.m"].is_method and fs["A.B.n"].is_method
    assert not fs["top"].is_method and not fs["A.m.<locals>.helper"].is_method


def test_halstead_matches_radon():
    radon_metrics = pytest.importorskip("radon.metrics")
    code = textwrap.dedent(
        """
        import os
        def f(a, b):
            x = a + b * 2
            if not x and a < b <= 3:
                x += -a
            return x
        class C:
            y = 1 + 2
            def g(self):
                return self.y - f(1, 2)
        """
    )
    ours = walk_module(ast.parse(code)).halstead.report()
    theirs = radon_metrics.h_visit(code).total
    assert ours["distinct_operators"] == theirs.h1
    assert ours["distinct_operands"] == theirs.h2
    assert ours["operators"] == theirs.N1
    assert ours["operands"] == theirs.N2
    assert ours["volume"] == pytest.approx(theirs.volume)
    assert ours["difficulty"] == pytest.approx(theirs.difficulty)


def test_module_total_complexity_matches_radon():
    radon_complexity = pytest.importorskip("radon.visitors")
    code = textwrap.dedent(
        """
        if X: pass
        def f(a):
            if a and b: pass
            def inner():
                if a: pass
        class C:
            z = 1 if X else 2
            def m(self):
                for x in y: pass
            def n(self): pass
        """
    )
    ours = walk_module(ast.parse(code)).total_cyclomatic
    theirs = radon_complexity.ComplexityVisitor.from_code(code).total_complexity
    assert ours == theirs


def _stdlib_sample() -> list[Path]:
    std = Path(sysconfig.get_paths()["stdlib"])
    names = ["argparse.py", "json/decoder.py", "email/_header_value_parser.py", "difflib.py", "ast.py", "tarfile.py"]
    return [std / n for n in names if (std / n).exists()]


@pytest.mark.parametrize("path", _stdlib_sample(), ids=lambda p: p.name)
def test_cyclomatic_equals_radon_on_stdlib_modules(path):
    radon_complexity = pytest.importorskip("radon.complexity")
    tree = ast.parse(path.read_bytes())
    ours = {(f.node.lineno, f.name): f.cyclomatic for f in walk_module(tree).functions}

    def every(blocks):
        for block in blocks:
            if hasattr(block, "methods"):
                yield from every(block.methods)
                yield from every(block.inner_classes)
            else:
                yield block
                yield from every(block.closures)

    theirs = {(b.lineno, b.name): b.complexity for b in every(radon_complexity.cc_visit_ast(tree))}
    assert theirs, "radon found no functions"
    assert {k: ours.get(k) for k in theirs} == theirs


def test_raw_counts_ignore_hash_inside_strings():
    text = 'x = "# not a comment"  # a comment\n\n# only a comment\ny = 1\n'
    raw = raw_counts(text, text.splitlines())
    assert (raw.lines, raw.blank, raw.comments, raw.comment_only) == (4, 1, 2, 1)


def test_maintainability_index_matches_radon_formula():
    radon_metrics = pytest.importorskip("radon.metrics")
    for args in [(100.0, 3, 20, 10.0), (5000.0, 40, 400, 0.0), (0.0, 1, 0, 0.0)]:
        assert maintainability_index(*args) == pytest.approx(radon_metrics.mi_compute(*args))
