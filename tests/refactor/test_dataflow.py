"""dataflow: the small flow facts the rewriting rules prove their preconditions with."""

from __future__ import annotations

import textwrap

import libcst as cst

from orchex_ls.refactor import dataflow as df
from orchex_ls.refactor.document import SourceDocument
from orchex_ls.refactor.engine import context_for
from orchex_ls.refactor.models import Selection


def test_shadowed_builtin_sees_bindings_anywhere_in_the_file():
    assert df.shadowed_builtin(SourceDocument("x = any([1])\n"), ["any"]) is None
    assert "redefined" in df.shadowed_builtin(SourceDocument("def f():\n    any = 1\n"), ["any"])
    assert "redefined" in df.shadowed_builtin(SourceDocument("class all:\n    pass\n"), ["any", "all"])
    assert "redefined" in df.shadowed_builtin(SourceDocument("try:\n    pass\nexcept E as any:\n    pass\n"), ["any"])
    assert "star import" in df.shadowed_builtin(SourceDocument("from m import *\n"), ["any"])


def test_file_bindings_of_a_broken_file_is_empty():
    assert df.file_bindings(SourceDocument("def f(:\n")) == frozenset()


def _ctx(source: str, fragment: str):
    source = textwrap.dedent(source)
    start = source.index(fragment)
    line = source.count("\n", 0, start)
    ctx = context_for(SourceDocument(source), Selection.cursor(line, start - source.rfind("\n", 0, start) - 1))
    assert not isinstance(ctx, str)
    return ctx


def test_bound_before_follows_the_blocks_around_a_statement():
    ctx = _ctx(
        """
        def f(a, *rest, k=1, **kw):
            import os.path
            x = 1
            if a:
                y = 2
            for i in a:
                with open(i) as fh:
                    z, (w, *v) = 3, (4, 5)
                    target = 0
            del x
        """,
        "target",
    )
    statement = ctx.innermost(cst.SimpleStatementLine)
    function = ctx.enclosing_function(statement)
    bound = df.bound_before(ctx, statement, function)
    assert {"a", "rest", "k", "kw", "os", "i", "fh", "z", "w", "v"} <= bound
    assert "y" not in bound  # only on one branch
    assert "x" not in bound  # deleted somewhere in the function
    assert "target" not in bound


def test_reads_of_include_reads_from_nested_scopes():
    ctx = _ctx(
        """
        def f(xs):
            total = 0
            show = lambda: total
            return [total for _ in xs]
        """,
        "total = 0",
    )
    scope = ctx.scopes[ctx.innermost(cst.SimpleStatementLine)]
    reads = df.reads_of(scope, "total")
    assert len(reads) == 2


def test_has_comment_skips_what_it_is_told_to():
    statement = cst.parse_statement("# above\nfor x in y:\n    pass\n")
    assert df.has_comment(statement)
    assert not df.has_comment(statement, skip=statement.leading_lines)
