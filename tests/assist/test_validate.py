"""validate: an answer is spliced in and checked; reasons say what and where."""

from __future__ import annotations

import ast
import textwrap

import pytest
from conftest import CORE, apply_edits, line_of

from orchex_ls.assist import (
    InvalidAnswer,
    RefactorRequest,
    ValidAnswer,
    build_request,
    check_answer,
    validate,
)
from orchex_ls.refactor.models import Selection

PATH = "pkg/core.py"


def request_at(needle: str, source: str = CORE, instruction: str | None = None, col: int = 8) -> RefactorRequest:
    req = build_request(source, PATH, Selection.cursor(line_of(source, needle), col), instruction)
    assert isinstance(req, RefactorRequest), req
    return req


def tokens_request() -> RefactorRequest:
    return request_at("if part.isalpha()")


def parse_request() -> RefactorRequest:
    return request_at('if line.startswith("#")')


def valid(req: RefactorRequest, code: str, source: str = CORE) -> ValidAnswer:
    verdict = validate(req, source, code)
    assert isinstance(verdict, ValidAnswer), verdict
    assert apply_edits(source, [verdict.edit]) == verdict.new_source
    assert apply_edits(source, verdict.edits) == verdict.new_source
    return verdict


def invalid(req: RefactorRequest, code: str, check: str, source: str = CORE) -> str:
    verdict = validate(req, source, code)
    assert isinstance(verdict, InvalidAnswer), verdict
    assert verdict.check == check, verdict.reason
    return verdict.reason


def run_tokens(source: str, *args, **kwargs):
    namespace: dict = {}
    exec(compile(source, PATH, "exec"), namespace)  # our own sample, no I/O
    return namespace["tokens"](*args, **kwargs)


SIMPLER_TOKENS = """\
def tokens(text, strict=False):
    result = []
    for part in text.split():
        if not strict or part.isalpha():
            result.append(part)
    return result
"""


def test_a_real_simplification_is_accepted_with_its_metrics():
    verdict = valid(tokens_request(), SIMPLER_TOKENS)
    assert SIMPLER_TOKENS in verdict.new_source and verdict.new_source.count("def tokens(") == 1
    (change,) = verdict.metrics
    assert change.function == "tokens"
    assert change.cognitive == (11, 4) and change.nesting == (4, 2) and change.cyclomatic == (5, 4)
    # Same behaviour on a few inputs (`text.split()` never yields an empty part).
    for args in [("a b1 c", True), ("a b1 c", False), ("", True), ("  x  ",)]:
        assert run_tokens(verdict.new_source, *args) == run_tokens(CORE, *args)
    # The edit is as small as the change: it starts inside the function, not at its top.
    assert verdict.edit.start_line > tokens_request().target.start_line
    assert verdict.notes == ()


METHOD_AT_0 = '''\
def parse(self, text, *, limit=LIMIT):
    """Lines that are not comments, at most `limit`.

    Blank lines are skipped.
    """
    out = []
    for line in text.splitlines():
        if line and not line.startswith("#") and len(out) < limit:
            out.append(line.strip())
    return out
'''


@pytest.mark.parametrize("indent", ["", "    ", "        ", "\t"])
def test_a_method_comes_back_at_any_indentation_and_is_reindented(indent):
    code = "".join(indent + line if line.strip() else line for line in METHOD_AT_0.splitlines(keepends=True))
    verdict = valid(parse_request(), code)
    expected = textwrap.indent(METHOD_AT_0, "    ")
    assert expected in verdict.new_source
    assert verdict.code == expected
    assert ast.get_docstring(_function(verdict.new_source, "parse")) == ast.get_docstring(ast.parse(METHOD_AT_0).body[0])


def _function(source: str, name: str) -> ast.FunctionDef:
    return next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef) and n.name == name)


def test_a_multiline_string_s_text_is_not_reindented():
    # Indented by two, with a string whose second line is at column 0: that line is a value.
    code = '  def parse(self, text, *, limit=LIMIT):\n      sep = """\n"""\n      return text.split(sep)[:limit]\n'
    verdict = valid(parse_request(), code)
    assert '    def parse(self, text, *, limit=LIMIT):\n        sep = """\n"""\n        return' in verdict.new_source
    assert _function(verdict.new_source, "parse").body[0].value.value == "\n"


def test_the_method_wrapped_in_its_class_is_taken_out():
    wrapped = "@dataclass(frozen=True)\nclass Parser(object):\n" + textwrap.indent(METHOD_AT_0, "    ")
    verdict = valid(parse_request(), wrapped)
    assert verdict.notes == ("took the code out of the answer's `class Parser`",)
    assert verdict.new_source.count("class Parser") == 1 and textwrap.indent(METHOD_AT_0, "    ") in verdict.new_source


def test_a_whole_module_answer_keeps_only_the_target_s_change():
    whole = CORE.replace(tokens_request().target.code, SIMPLER_TOKENS)
    verdict = valid(tokens_request(), whole)
    assert verdict.new_source == whole
    # The docstring, LIMIT, Parser and main (the imports are there already).
    assert verdict.notes == ("left out 4 statements the answer copied unchanged from around the target",)


def test_a_whole_module_answer_that_changes_other_code_is_refused():
    whole = CORE.replace(tokens_request().target.code, SIMPLER_TOKENS).replace('"WORDS"', '"OTHER"')
    reason = invalid(tokens_request(), whole, "scope")
    main = line_of(CORE, "def main") + 1
    assert reason == (f"the answer changes or redefines `main` (line {main}), which is outside the code to refactor: "
                      "only the target may change, and new helpers need new names")
    whole = CORE.replace(parse_request().target.code, textwrap.indent(METHOD_AT_0, "    ")).replace('"WORDS"', '"OTHER"')
    assert invalid(parse_request(), whole, "scope") == "the answer changes `main`, outside class `Parser`"


def test_imports_the_answer_adds_move_to_the_module_s_imports():
    code = "import itertools\n\n\ndef tokens(text, strict=False):\n    parts = itertools.chain(text.split())\n" \
           "    return [p for p in parts if not strict or p.isalpha()]\n"
    verdict = valid(tokens_request(), code)
    lines = verdict.new_source.splitlines()
    assert lines[line_of(CORE, "from dataclasses import dataclass") + 1] == "import itertools"
    assert verdict.notes == ("moved `import itertools` to the module's imports",)
    assert [e.start_line for e in verdict.edits] == [line_of(CORE, "from dataclasses") + 1, line_of(CORE, "result = []")]
    # An import the module already has is dropped, not repeated.
    again = valid(tokens_request(), "import os\n" + SIMPLER_TOKENS)
    assert again.new_source.count("import os") == 1 and len(again.edits) == 1


def test_a_helper_with_a_private_name_is_allowed_and_measured():
    code = SIMPLER_TOKENS.replace("not strict or part.isalpha()", "_keep(part, strict)") + \
        "\n\ndef _keep(part, strict):\n    return not strict or part.isalpha()\n"
    verdict = valid(tokens_request(), code)
    assert [m.function for m in verdict.metrics] == ["tokens", "_keep"]
    assert verdict.metrics[1].cyclomatic == (0, 2)


# -- refusals -----------------------------------------------------------------------------------


def test_code_that_does_not_parse():
    reason = invalid(tokens_request(), "def tokens(text, strict=False)\n    return []\n", "parse")
    assert reason == "the answer does not parse: expected ':' (line 1 of the code block)"


def test_code_that_parses_but_does_not_compile():
    code = "def tokens(text, strict=False):\n    nonlocal text\n    return []\n"
    reason = invalid(tokens_request(), code, "compile")
    assert reason.startswith("the result does not compile: ") and f"(line {line_of(CORE, 'def tokens') + 2})" in reason


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ("def tokens(text):", "parameter `strict` removed"),
        ("def tokens(text, strict=True):", "the default of `strict` changed from `False` to `True`"),
        ("def tokens(text, *, strict=False):", "parameter `strict` became keyword-only (was positional)"),
        ("def tokens(strict=False, text=''):", "parameter `text` got a default `''`; parameters reordered: (text, strict) → (strict, text)"),
        ("async def tokens(text, strict=False):", "it became async"),
        ("@staticmethod\ndef tokens(text, strict=False):", "decorator `@staticmethod` added"),
        ("def tokens(text, strict=False, *rest):", "parameter `rest` added"),
    ],
)
def test_a_changed_signature_is_named_precisely(signature, reason):
    code = SIMPLER_TOKENS.replace("def tokens(text, strict=False):", signature)
    assert invalid(tokens_request(), code, "signature") == f"the answer changes the signature of `tokens`: {reason}"


def test_a_removed_or_renamed_function():
    code = SIMPLER_TOKENS.replace("def tokens(", "def split_tokens(")
    assert invalid(tokens_request(), code, "signature") == \
        "the answer removes `tokens` (renamed to `split_tokens`?); its name must stay"


def test_an_interface_change_is_allowed_when_the_instruction_asks_for_it():
    req = request_at("if part.isalpha()", instruction="Make strict keyword-only")
    assert req.allow_interface_change
    verdict = valid(req, SIMPLER_TOKENS.replace("(text, strict=False)", "(text, *, strict=False)"))
    assert "def tokens(text, *, strict=False):" in verdict.new_source


def test_a_removed_public_name():
    req = build_request(CORE, PATH, Selection.lines(line_of(CORE, "LIMIT = 10")), None)
    assert req.target.kind == "statements"
    reason = invalid(req, "_LIMIT = 10\n", "public-names")
    assert reason == f"the answer removes the public name `LIMIT` (line {line_of(CORE, 'LIMIT = 10') + 1}) from the module"


def test_an_added_public_name():
    code = SIMPLER_TOKENS.replace("not strict or part.isalpha()", "keep(part, strict)") + \
        "\n\ndef keep(part, strict):\n    return not strict or part.isalpha()\n"
    assert invalid(tokens_request(), code, "public-names") == \
        "the answer adds the public name `keep` to the module; name new helpers with a leading underscore"


def test_a_new_undefined_name():
    code = SIMPLER_TOKENS.replace("not strict or part.isalpha()", "_keep(part, strict)")
    line = line_of(CORE, "if part:") + 1
    assert invalid(tokens_request(), code, "undefined-names") == f"`_keep` is not defined anywhere (line {line})"


def test_a_method_helper_at_class_level_is_explained():
    code = METHOD_AT_0.replace('line and not line.startswith("#")', "_wanted(line)") + \
        '\ndef _wanted(line):\n    return bool(line) and not line.startswith("#")\n'
    reason = invalid(parse_request(), code, "undefined-names")
    assert reason.startswith("`_wanted` is not defined anywhere (line ")
    assert reason.endswith("it is defined in the body of `Parser`, where a method sees it only as `self.` or `ClassName.`")


def test_a_new_name_that_replaces_one_outside_the_target():
    code = SIMPLER_TOKENS.replace("not strict or part.isalpha()", "main(part)") + "\n\ndef main(part):\n    return True\n"
    main = line_of(CORE, "def main") + 1
    assert invalid(tokens_request(), code, "scope").startswith(f"the answer changes or redefines `main` (line {main})")
    code = "from os.path import join as main\n" + SIMPLER_TOKENS
    assert invalid(tokens_request(), code, "scope") == f"the answer imports `main`, which the module already defines (line {main})"


def test_worse_metrics():
    worse = CORE.split("def tokens")[1].split("\n\n\ndef main")[0].replace(
        "                if part.isalpha():\n                    result.append(part)",
        "                if part.isalpha():\n                    if part:\n                        result.append(part)")
    reason = invalid(tokens_request(), "def tokens" + worse + "\n", "metrics")
    assert reason == "the answer makes the code more complex: `tokens`: cyclomatic 5 → 6, cognitive 11 → 16, nesting 4 → 5"


def test_a_new_helper_more_complex_than_the_code_it_replaces():
    code = (
        "def tokens(text, strict=False):\n    return _all(text, strict)\n\n\n"
        "def _all(text, strict):\n    out = []\n    for part in text.split():\n        if part:\n"
        "            if strict:\n                if part.isalpha():\n                    if part.isascii():\n"
        "                        out.append(part)\n            else:\n                out.append(part)\n    return out\n"
    )
    reason = invalid(tokens_request(), code, "metrics")
    assert reason == ("the answer makes the code more complex: the new `_all`: cyclomatic 6 (the code had at most 5), "
                      "cognitive 16 (the code had at most 11), nesting 5 (the code had at most 4)")


def test_several_code_blocks_and_no_block():
    req = tokens_request()
    answer = f"Option A:\n```python\n{SIMPLER_TOKENS}```\nOption B:\n```python\n{SIMPLER_TOKENS}```\n"
    verdict = check_answer(req, CORE, answer)
    assert isinstance(verdict, InvalidAnswer) and verdict.check == "extract"
    assert verdict.reason == "the answer has 2 code blocks; exactly one is expected"
    assert isinstance(check_answer(req, CORE, f"Sure!\n```python\n{SIMPLER_TOKENS}```"), ValidAnswer)


def test_the_code_as_it_was_is_no_answer():
    req = parse_request()
    dedented = textwrap.dedent(req.target.code)
    assert invalid(req, dedented, "unchanged") == "the answer is the code as it was: there is nothing to apply"


def test_a_stale_request():
    req = tokens_request()
    reason = invalid(req, SIMPLER_TOKENS, "stale", source=CORE.replace("LIMIT = 10", "LIMIT = 11"))
    assert reason == "pkg/core.py has changed since the request was built; ask again"


def test_inconsistent_indentation_is_refused():
    code = "    def tokens(text, strict=False):\n        return []\n  # a comment may sit anywhere\nx = 1\n"
    assert invalid(tokens_request(), code, "indentation") == \
        "line 4 of the code block is indented less than the code above it"
    code = '    def tokens(text, strict=False):\n        """Docstring."""\n        return []\n  x = 1\n'
    assert invalid(tokens_request(), code, "indentation") == ("line 4 of the code block is indented inconsistently "
                                                             "(unindent does not match any outer indentation level)")


# -- file shapes --------------------------------------------------------------------------------


def test_crlf_files_keep_their_line_endings():
    source = CORE.replace("\n", "\r\n")
    req = build_request(source, PATH, Selection.cursor(line_of(CORE, "if part.isalpha()"), 8), None)
    verdict = valid(req, SIMPLER_TOKENS, source=source)
    assert "\r\n" in verdict.new_source and "\n" not in verdict.new_source.replace("\r\n", "")
    assert SIMPLER_TOKENS.replace("\n", "\r\n") in verdict.new_source


def test_tab_indented_methods_get_their_tab_back():
    source = "class A:\n\tdef f(self, x):\n\t\tif x:\n\t\t\tif x > 1:\n\t\t\t\treturn 2\n\t\treturn 0\n"
    req = build_request(source, "a.py", Selection.cursor(2, 2), None)
    code = "def f(self, x):\n    if x and x > 1:\n        return 2\n    return 0\n"
    verdict = valid(req, code, source=source)
    assert verdict.new_source == "class A:\n\tdef f(self, x):\n\t    if x and x > 1:\n\t        return 2\n\t    return 0\n"


def test_a_file_without_a_final_line_break():
    source = "def f(x):\n    if x:\n        if x > 1:\n            return 2\n    return 0"
    req = build_request(source, "a.py", Selection.cursor(1, 4), None)
    verdict = valid(req, "def f(x):\n    if x and x > 1:\n        return 2\n    return 0\n", source=source)
    assert verdict.new_source == "def f(x):\n    if x and x > 1:\n        return 2\n    return 0"


def test_statements_mode_checks_the_region_s_own_code():
    source = "import sys\n\nfor arg in sys.argv:\n    if arg:\n        if arg.startswith('-'):\n            print(arg)\n"
    req = build_request(source, "s.py", Selection.lines(2, 5), None)
    assert req.target.kind == "statements"
    verdict = valid(req, "for arg in sys.argv:\n    if arg.startswith('-'):\n        print(arg)\n", source=source)
    assert [(m.function, m.nesting) for m in verdict.metrics] == [("<statements>", (3, 2))]


def test_top_level_code_next_to_a_function_is_refused():
    code = SIMPLER_TOKENS + '\n\nif __name__ == "__main__":\n    print(tokens("a b"))\n'
    assert invalid(tokens_request(), code, "scope") == (
        "the answer adds `if __name__ == '__main__':` (line 9 of the code block) next to the function; "
        "only definitions may go with it"
    )
    # A private constant for the function is a definition.
    code = "_ALPHA = str.isalpha\n\n\n" + SIMPLER_TOKENS.replace("part.isalpha()", "_ALPHA(part)")
    assert "_ALPHA = str.isalpha\n" in valid(tokens_request(), code).new_source
