"""The chat messages for a refactoring request, from the templates in ``prompts/``.

Templates are files so the wording can be read and changed without touching code. Their
syntax is a small subset of Mustache: ``{{name}}`` is replaced by a value, and
``{{#name}}...{{/name}}`` keeps its text only when ``name`` has a non-empty value. Values
are inserted once and never scanned again, so code containing braces is safe. Code is
fenced with more backticks than it contains anywhere, so a docstring holding a Markdown
fence cannot close the block early.
"""

from __future__ import annotations

import re
import tokenize
from functools import cache
from importlib import resources

from . import syntax as S
from .models import RefactorRequest

_SECTION = re.compile(r"\{\{#(\w+)\}\}\n?(.*?)\{\{/\1\}\}\n?", re.DOTALL)
_VALUE = re.compile(r"\{\{(\w+)\}\}")
_BACKTICKS = re.compile(r"`{3,}")


@cache
def template(name: str) -> str:
    """A template shipped in ``orchex_ls/assist/prompts`` (``system.md``, ``refactor.md``)."""
    return resources.files(__package__).joinpath("prompts", name).read_text(encoding="utf-8")


def render(text: str, values: dict[str, str]) -> str:
    """Fill ``text``; a placeholder without a value is a bug in the template (KeyError)."""
    text = _SECTION.sub(lambda m: m.group(2) if values[m.group(1)] else "", text)
    return _VALUE.sub(lambda m: values[m.group(1)], text)


def fence_for(*texts: str) -> str:
    longest = max((len(m.group()) for t in texts for m in _BACKTICKS.finditer(t)), default=2)
    return "`" * max(3, longest + 1)


def _inline(text: str) -> str:
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _what(request: RefactorRequest) -> str:
    target = request.target
    if target.kind == "function":
        kind = "method" if target.scope and target.qualname and "<locals>" not in target.qualname else "function"
        return f"the {kind} `{target.qualname}`"
    return "the statements below"


def values(request: RefactorRequest) -> dict[str, str]:
    """The template's values for ``request`` (exposed for tests and custom templates)."""
    target, limits = request.target, request.thresholds
    code = _dedent(target.code, target.indent)
    classes = "\n".join(c.header for c in request.enclosing_classes)
    imports = "\n".join(request.imports)
    metrics = "\n".join(
        f"- `{m.qualname}` (line {m.line}): cyclomatic {m.cyclomatic}, cognitive {m.cognitive}, "
        f"nesting {m.nesting}, {m.lines} lines, {m.parameters} parameters"
        for m in request.metrics
    )
    findings = "\n".join(f"- {f.code} {f.name}, line {f.line}: {f.message}" for f in request.findings)
    sites = "\n".join(f"- `{s.path}:{s.line}`: {_inline(s.text)}" for s in request.call_sites)
    return {
        "instruction": request.instruction,
        "what": _what(request),
        "path": request.path,
        "first_line": str(target.start_line + 1),
        "last_line": str(target.end_line),
        "fence": fence_for(code, classes, imports),
        "code": code.rstrip("\n"),
        "classes": classes,
        "imports": imports,
        "metrics": metrics,
        "findings": findings,
        "call_sites": sites,
        "call_sites_note": (request.call_sites_note or "").rstrip("."),
        "interface_change": "yes" if request.allow_interface_change else "",
        "limit_cyclomatic": str(limits.cyclomatic),
        "limit_cognitive": str(limits.cognitive),
        "limit_nesting": str(limits.nesting),
        "limit_lines": str(limits.function_lines),
    }


def _dedent(code: str, indent: str) -> str:
    """The span without its own indentation, except inside multi-line strings: their
    lines are values, shown as they are (``validate`` leaves them so when re-indenting)."""
    if not indent:
        return code
    try:
        frozen = S.string_rows(code)
    except (SyntaxError, tokenize.TokenError):  # not expected of code that parsed
        frozen = set()
    return "".join(
        line[len(indent):] if line.startswith(indent) and row not in frozen else line
        for row, line in enumerate(code.splitlines(keepends=True))
    )


def render_messages(request: RefactorRequest) -> list[dict[str, str]]:
    """``[{"role": "system", ...}, {"role": "user", ...}]`` for ``request``: the shape
    ``Task.messages`` and litellm take."""
    return [
        {"role": "system", "content": template("system.md").strip()},
        {"role": "user", "content": render(template("refactor.md"), values(request)).strip()},
    ]
