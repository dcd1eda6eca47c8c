"""The messages an agent gets: from the template files, with the request's parts in them."""

from __future__ import annotations

from importlib import resources

from conftest import CORE, line_of

from orchex_ls.assist import build_request, render_messages
from orchex_ls.assist.prompt import fence_for, render, template, values
from orchex_ls.refactor.models import Selection


def test_the_templates_are_package_files_with_no_placeholder_left(project):
    folder = resources.files("orchex_ls.assist").joinpath("prompts")
    assert {p.name for p in folder.iterdir() if p.name.endswith(".md")} >= {"system.md", "refactor.md"}
    path = project / "pkg" / "core.py"
    req = build_request(CORE, str(path), Selection.cursor(line_of(CORE, 'startswith("#")'), 12), None,
                        project_root=project, call_site_budget_ms=60_000)
    system, user = render_messages(req)
    assert system == {"role": "system", "content": template("system.md").strip()}
    assert "exactly ONE fenced code block" in system["content"] and "```python" in system["content"]
    assert user["role"] == "user" and "{{" not in user["content"] and "}}" not in user["content"]


def test_the_user_message_holds_the_request(project):
    path = project / "pkg" / "core.py"
    req = build_request(CORE, str(path), Selection.cursor(line_of(CORE, 'startswith("#")'), 12), None,
                        project_root=project, call_site_budget_ms=60_000)
    text = render_messages(req)[1]["content"]
    assert text.startswith(req.instruction)
    first = req.target.start_line + 1
    assert f"the method `Parser.parse` in `{path}`, lines {first}–{req.target.end_line}" in text
    assert "\ndef parse(self, text, *, limit=LIMIT):\n    out = []\n" in text  # dedented
    assert "@dataclass(frozen=True)\nclass Parser(object):" in text
    assert "import os\nfrom dataclasses import dataclass" in text
    assert "`Parser.parse` (line 17): cyclomatic 5, cognitive 11, nesting 4" in text
    assert "- `pkg/cli.py:7`: `lines = Parser().parse(text, limit=3)`" in text
    assert "interface change" not in text  # the default instruction keeps the interface
    assert text.rstrip().endswith("in one ```python block.")


def test_empty_sections_disappear_and_interface_changes_are_announced():
    source = "def f(x):\n    return x\n"
    req = build_request(source, "m.py", Selection.cursor(1, 4), "Rename f to identity")
    text = render_messages(req)[1]["content"]
    assert "inside this class" not in text and "imports" not in text and "used" not in text
    assert "The instruction asks for an interface change" in text


def test_code_holding_a_fence_gets_a_longer_one():
    source = 'def f():\n    """Example:\n\n    ```python\n    f()\n    ```\n    """\n    return 1\n'
    req = build_request(source, "m.py", Selection.cursor(7, 4), None)
    assert values(req)["fence"] == "````"
    assert "````python\ndef f():" in render_messages(req)[1]["content"]
    assert fence_for("no fences") == "```"


def test_render_keeps_values_verbatim_and_drops_empty_sections():
    text = "{{a}}|{{#b}}B={{b}}\n{{/b}}{{#c}}C\n{{/c}}end"
    assert render(text, {"a": "{{b}} {x}", "b": "1", "c": ""}) == "{{b}} {x}|B=1\nend"
