"""build_request on real code: target, class header, imports, metrics, findings, call sites."""

from __future__ import annotations

import textwrap

from conftest import CLI, CORE, line_of

from orchex_ls.assist import DEFAULT_INSTRUCTION, RefactorRequest, RequestProblem, build_request
from orchex_ls.assist.context import asks_interface_change
from orchex_ls.config import Thresholds
from orchex_ls.refactor.models import Selection

# Generous: the tests check what is found, never how fast (jedi's first use is slow).
BUDGET = 60_000


def request(project, selection, instruction=None, **kwargs) -> RefactorRequest:
    path = project / "pkg" / "core.py"
    kwargs.setdefault("call_site_budget_ms", BUDGET)
    result = build_request(CORE, str(path), selection, instruction, project_root=project, **kwargs)
    assert isinstance(result, RefactorRequest), result
    return result


def test_a_method_with_its_class_header_imports_metrics_and_call_sites_in_two_files(project):
    line = line_of(CORE, 'if line.startswith("#")')
    req = request(project, Selection.cursor(line, 12), thresholds=Thresholds(cognitive=5))
    target = req.target
    assert (target.kind, target.qualname, target.name) == ("function", "Parser.parse", "parse")
    assert target.start_line == line_of(CORE, "def parse(") and target.end_line == line_of(CORE, "return out") + 1
    assert target.indent == "    " and target.code.startswith("    def parse(self, text, *, limit=LIMIT):\n")
    assert target.code.endswith("        return out\n") and "def size" not in target.code
    assert target.functions == ("Parser.parse",) and target.scope == ("Parser",)
    (header,) = req.enclosing_classes
    assert header.header == "@dataclass(frozen=True)\nclass Parser(object):"
    assert (header.name, header.bases, header.decorators) == ("Parser", ("object",), ("dataclass(frozen=True)",))
    assert "strict: bool" not in header.header and "Parses lines" not in header.header
    assert req.imports == ("from __future__ import annotations", "import os", "from dataclasses import dataclass")
    (metrics,) = req.metrics
    assert (metrics.qualname, metrics.cognitive, metrics.nesting) == ("Parser.parse", 11, 4)
    assert [f.code for f in req.findings] == ["OCX102"]  # cognitive 11 over the threshold of 5
    assert req.instruction == DEFAULT_INSTRUCTION and not req.allow_interface_change
    cli_line = line_of(CLI, "Parser().parse") + 1
    assert [(s.path, s.line, s.text) for s in req.call_sites] == [
        ("pkg/cli.py", cli_line, "lines = Parser().parse(text, limit=3)"),
    ]


def test_a_function_s_call_sites_in_its_own_file_and_another_not_the_namesake(project):
    req = request(project, Selection.cursor(line_of(CORE, "if part.isalpha()"), 16))
    assert req.target.qualname == "tokens" and req.target.indent == "" and req.enclosing_classes == ()
    sites = [(s.path, s.line) for s in req.call_sites]
    assert sites == [
        ("pkg/core.py", line_of(CORE, "return tokens(") + 1),
        ("pkg/cli.py", line_of(CLI, "words = tokens(") + 1),
        ("pkg/cli.py", line_of(CLI, "core.tokens(text)") + 1),
    ]
    assert all("unrelated" not in s.path for s in req.call_sites)  # another `tokens`, not this one
    assert all(not s.text.startswith("from ") for s in req.call_sites)  # imports are not uses
    assert req.call_sites_note is None


def test_call_sites_are_bounded(project):
    req = request(project, Selection.cursor(line_of(CORE, "if part.isalpha()"), 16), max_call_sites=2)
    assert len(req.call_sites) == 2
    assert req.call_sites_note == "the first 2 call sites found; there may be more"


def test_without_a_project_only_the_file_s_own_call_sites(project):
    path = project / "pkg" / "core.py"
    req = build_request(CORE, str(path), Selection.cursor(line_of(CORE, "if part.isalpha()"), 16), None,
                        project_root=None, call_site_budget_ms=BUDGET)
    assert [(s.path, s.line) for s in req.call_sites] == [(str(path), line_of(CORE, "return tokens(") + 1)]


def test_init_call_sites_are_the_class_s_calls(tmp_path):
    (tmp_path / "shapes.py").write_text("class Box:\n    def __init__(self, w):\n        self.w = w\n\n\nBIG = Box(10)\n")
    (tmp_path / "use.py").write_text("from shapes import Box\n\nsmall = Box(1)\n")
    source = (tmp_path / "shapes.py").read_text()
    req = build_request(source, str(tmp_path / "shapes.py"), Selection.cursor(2, 8), None,
                        project_root=tmp_path, call_site_budget_ms=BUDGET)
    assert req.target.qualname == "Box.__init__"
    assert sorted((s.path, s.line) for s in req.call_sites) == [("shapes.py", 6), ("use.py", 3)]


def test_the_cursor_in_a_nested_function_targets_the_outer_one():
    source = "def outer(x):\n    def inner(y):\n        return y + 1\n    return inner(x)\n"
    req = build_request(source, "m.py", Selection.cursor(2, 10), None)
    assert req.target.qualname == "outer" and (req.target.start_line, req.target.end_line) == (0, 4)
    assert [m.qualname for m in req.metrics] == ["outer", "outer.<locals>.inner"]


def test_statements_mode_over_two_functions_and_module_code():
    source = textwrap.dedent(
        """\
        import sys

        A = 1; B = 2


        def f():
            return A


        def g():
            return B
        """
    )
    # From inside f to inside g: no single function holds it.
    req = build_request(source, "m.py", Selection(start_line=6, start_col=4, end_line=10, end_col=5), None)
    assert req.target.kind == "statements" and req.target.qualname is None
    assert req.target.functions == ("f", "g") and (req.target.start_line, req.target.end_line) == (5, 11)
    # A statement sharing its line with another takes it along.
    req = build_request(source, "m.py", Selection.cursor(2, 0), None)
    assert req.target.kind == "statements" and req.target.code == "A = 1; B = 2\n"


def test_statements_in_a_class_body_keep_the_class_scope():
    source = "class C:\n    X = 1\n    Y = 2\n\n    def m(self):\n        return self.X\n"
    req = build_request(source, "m.py", Selection.lines(1, 2), None)
    assert req.target.kind == "statements" and req.target.indent == "    " and req.target.scope == ("C",)
    assert req.enclosing_classes[0].header == "class C:"


def test_problems_are_values_with_reasons():
    assert build_request("def f(:\n", "bad.py", Selection.cursor(0, 0), None).reason.startswith("bad.py does not parse (line 1)")
    problem = build_request("x = 1\n\n\n\ny = 2\n", "m.py", Selection.cursor(2, 0), None)
    assert isinstance(problem, RequestProblem) and problem.reason == "there is no code at the selection (line 3)"
    assert "past the end" in build_request("x = 1\n", "m.py", Selection.cursor(9, 0), None).reason


def test_the_instruction_and_the_interface_heuristic():
    source = "def parse(text):\n    return text\n"
    assert build_request(source, "m.py", Selection.cursor(1, 4), "  ").instruction == DEFAULT_INSTRUCTION
    req = build_request(source, "m.py", Selection.cursor(1, 4), "Rename parse to parse_text")
    assert req.allow_interface_change
    assert not asks_interface_change(DEFAULT_INSTRUCTION)
    assert not asks_interface_change("rename the variable x to count")
    assert not asks_interface_change("keep the signature, split the loop")
    assert asks_interface_change("add a timeout parameter")
    assert asks_interface_change("make strict keyword-only")
    assert asks_interface_change("rename parse", ("parse",))


def test_a_file_outside_the_project_is_searched_alone(project, tmp_path):
    outside = tmp_path / "elsewhere.py"
    source = "def f():\n    return 1\n\n\nf()\n"
    outside.write_text(source)
    req = build_request(source, str(outside), Selection.cursor(1, 4), None, project_root=project,
                        call_site_budget_ms=BUDGET)
    assert [(s.path, s.line) for s in req.call_sites] == [(str(outside), 5)]
    assert req.call_sites_note == "the file is outside the project: only its own call sites were searched"


def test_a_use_through_the_package_s_re_export_is_found(tmp_path):
    pkg = tmp_path / "lib"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from lib.impl import helper\n")
    (pkg / "impl.py").write_text("def helper(x):\n    return x\n")
    (tmp_path / "app.py").write_text("from lib import helper\n\nVALUE = helper(2)\n")
    source = (pkg / "impl.py").read_text()
    req = build_request(source, str(pkg / "impl.py"), Selection.cursor(1, 4), None, project_root=tmp_path,
                        call_site_budget_ms=BUDGET)
    assert [(s.path, s.line, s.text) for s in req.call_sites] == [("app.py", 3, "VALUE = helper(2)")]


def test_a_path_relative_to_the_project_finds_the_same_call_sites(project):
    selection = Selection.cursor(line_of(CORE, "if part.isalpha()"), 16)
    relative = build_request(CORE, "pkg/core.py", selection, None, project_root=project, call_site_budget_ms=BUDGET)
    absolute = request(project, selection)
    assert relative.call_sites == absolute.call_sites and len(relative.call_sites) == 3
