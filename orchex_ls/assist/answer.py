"""Read an agent's answer and decide whether it may reach the editor.

``extract_code`` takes the one fenced block out of the answer; ``validate`` splices it in
(see ``splice``) and checks, in this order, stopping at the first failure:

1. the request is for this very text (``stale``), and the answer changes something;
2. the result parses and compiles (``compile``);
3. the answer's new names replace nothing outside the target (``scope``);
4. unless the instruction asks for an interface change (``RefactorRequest.allow_interface_change``):
   every function of the target keeps its name, parameters (names, kinds, order, defaults),
   decorators and async-ness (``signature``), and the module's public names, and those of
   the classes around the target, stay the same (``public-names``);
5. no name is read that binds nowhere and is not a builtin, unless the file read it before
   (``undefined-names``);
6. no function of the target gets more complex (cyclomatic, cognitive, nesting), and no new
   helper is more complex than the target's functions were (``metrics``).

A failure is an ``InvalidAnswer`` whose reason is written for the person (and the agent's
next attempt) to read. For the orchestrator, ``answer_validator`` wraps all of it as a
``Callable[[str], str | None]``.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable

from ..refactor.document import split_lines
from ..refactor.models import TextEdit
from . import checks
from . import syntax as S
from .context import source_hash
from .models import AnswerProblem, InvalidAnswer, RefactorRequest, ValidAnswer
from .splice import splice

_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*?)[ \t]*$")
_PYTHON = frozenset({"", "python", "py", "python3", "py3"})


def extract_code(answer: str) -> str | AnswerProblem:
    """The code of the answer's only fenced block (```` ``` ````, longer fences and ``~~~``;
    marked ``python``, ``py``, ``python3``, ``py3`` or not marked)."""
    lines = answer.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[tuple[str, list[str]]] = []
    unclosed = False
    i = 0
    while i < len(lines):
        match = _OPEN.match(lines[i])
        if match is None or (match["fence"][0] == "`" and "`" in match["info"]):
            i += 1
            continue
        fence, indent = match["fence"], len(match["indent"])
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = next((j for j in range(i + 1, len(lines)) if closing.match(lines[j])), None)
        if end is None:
            unclosed = True
            end = len(lines)
        body = [line[min(indent, len(line) - len(line.lstrip(" "))):] for line in lines[i + 1 : end]]
        blocks.append(((match["info"].split() or [""])[0].lower(), body))
        i = end + 1
    if not blocks:
        return AnswerProblem(reason="the answer has no fenced code block (```python ... ```)")
    if len(blocks) > 1:
        return AnswerProblem(reason=f"the answer has {len(blocks)} code blocks; exactly one is expected")
    if unclosed:
        return AnswerProblem(reason="the answer's code block is not closed (the answer may have been cut off)")
    language, body = blocks[0]
    language = language.lstrip("{.").rstrip("}")
    if language not in _PYTHON:
        return AnswerProblem(reason=f"the code block is marked `{language}`, not Python")
    code = "\n".join(body).strip("\n")
    if not code.strip():
        return AnswerProblem(reason="the code block is empty")
    return code + "\n"


def _invalid(check: str, reason: str) -> InvalidAnswer:
    return InvalidAnswer(check=check, reason=reason)  # type: ignore[arg-type]


def _compile(source: str, path: str) -> ast.Module | str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source, path)
            compile(tree, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f" (line {exc.lineno})" if exc.lineno else ""
        return f"the result does not compile: {exc.msg}{where}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"the result does not compile: {exc}"
    return tree


def validate(request: RefactorRequest, source: str, code: str) -> ValidAnswer | InvalidAnswer:
    """Splice ``code`` (an answer's block, see ``extract_code``) into ``source`` at the
    request's target and check the result (see the module's docstring)."""
    if source_hash(source) != request.source_sha256:
        return _invalid("stale", f"{request.path} has changed since the request was built; ask again")
    try:
        old_tree = ast.parse(source, request.path)
    except (SyntaxError, ValueError) as exc:  # the hash matched, so this is not the request's text
        return _invalid("stale", f"{request.path} does not parse: {exc}")
    lines = split_lines(source)
    spliced = splice(request, lines, old_tree, code)
    if isinstance(spliced, InvalidAnswer):
        return spliced
    if spliced.new_source == source:
        return _invalid("unchanged", "the answer is the code as it was: there is nothing to apply")
    new_tree = _compile(spliced.new_source, request.path)
    if isinstance(new_tree, str):
        return _invalid("compile", new_tree)
    target = request.target
    old = S.locate(old_tree, target.start_line, target.end_line)
    new = S.locate(new_tree, spliced.start, spliced.end)
    if old is None or new is None:
        return _invalid("scope", "the answer's code cannot be told apart from the code around it")
    reason = checks.clashes(old, new, spliced.hoisted, old_tree)
    if reason:
        return _invalid("scope", reason)
    if not request.allow_interface_change:
        reason = checks.signatures(old, new)
        if reason:
            return _invalid("signature", reason)
        reason = checks.public_names(old_tree, new_tree, old, new)
        if reason:
            return _invalid("public-names", reason)
    reason = checks.undefined_names(source, spliced.new_source, new_tree, new, request.path)
    if reason:
        return _invalid("undefined-names", reason)
    changes, reason = checks.metrics(checks.measure(old), checks.measure(new))
    if reason:
        return _invalid("metrics", reason)
    edit = minimal_edit(lines, spliced.new_source)
    edits: tuple[TextEdit, ...] = (edit,)
    if spliced.import_text:
        at = spliced.import_line
        edits = (TextEdit(start_line=at, start_col=0, end_line=at, end_col=0, new_text=spliced.import_text),
                 minimal_edit(lines, spliced.without_imports))
    return ValidAnswer(new_source=spliced.new_source, edit=edit, edits=edits, metrics=tuple(changes),
                       code=spliced.code, notes=tuple(spliced.notes))


def minimal_edit(lines: list[str], new_source: str) -> TextEdit:
    """The one replacement turning ``lines`` into ``new_source``, as small as the common
    start and end of the two texts allow (compared line by line, then by character)."""
    new_lines = split_lines(new_source)
    top = 0
    limit = min(len(lines), len(new_lines))
    while top < limit and lines[top] == new_lines[top]:
        top += 1
    bottom = 0
    while bottom < limit - top and lines[-1 - bottom] == new_lines[-1 - bottom]:
        bottom += 1
    old_mid = "".join(lines[top : len(lines) - bottom])
    new_mid = "".join(new_lines[top : len(new_lines) - bottom])
    head = 0
    while head < min(len(old_mid), len(new_mid)) and old_mid[head] == new_mid[head]:
        head += 1
    tail = 0
    while tail < min(len(old_mid), len(new_mid)) - head and old_mid[-1 - tail] == new_mid[-1 - tail]:
        tail += 1
    start = _position(old_mid, head, top)
    end = _position(old_mid, len(old_mid) - tail, top)
    return TextEdit(start_line=start[0], start_col=start[1], end_line=end[0], end_col=end[1],
                    new_text=new_mid[head : len(new_mid) - tail])


def _position(text: str, offset: int, first_line: int) -> tuple[int, int]:
    before = split_lines(text[:offset]) if offset else [""]
    if before[-1].endswith(("\n", "\r")):
        return first_line + len(before), 0
    return first_line + len(before) - 1, len(before[-1])


# -- for the orchestrator ---------------------------------------------------------------------


def check_answer(request: RefactorRequest, source: str, answer: str) -> ValidAnswer | InvalidAnswer:
    """``extract_code`` then ``validate``: the verdict on an agent's whole answer."""
    code = extract_code(answer)
    if isinstance(code, AnswerProblem):
        return _invalid("extract", code.reason)
    return validate(request, source, code)


def answer_validator(request: RefactorRequest, source: str) -> Callable[[str], str | None]:
    """An orchestrator ``Validator`` for one task, ``Orchestrator.run(task, validator=...)``:
    None for a valid answer, else the reason (an ``invalid_output`` failure there). Kept out
    of ``Task.metadata`` on purpose: that is stored, and the request holds code."""
    def check(answer: str) -> str | None:
        verdict = check_answer(request, source, answer)
        return verdict.reason if isinstance(verdict, InvalidAnswer) else None

    return check
