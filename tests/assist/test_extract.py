"""extract_code: exactly one fenced Python block, or why not."""

from __future__ import annotations

import pytest

from orchex_ls.assist import AnswerProblem, extract_code

CODE = "def f(x):\n    return x + 1\n"


@pytest.mark.parametrize(
    ("opening", "closing"),
    [("```python", "```"), ("```py", "```"), ("```python3", "```"), ("```Python", "```"), ("```", "```"),
     ("~~~python", "~~~"), ("````python", "````"), ("```python title=f.py", "```"), ("```{.python}", "```")],
)
def test_python_blocks_in_their_usual_spellings(opening, closing):
    answer = f"Here is the simpler version:\n\n{opening}\n{CODE}{closing}\n\nIt keeps the behaviour."
    assert extract_code(answer) == CODE


def test_the_block_s_own_indentation_and_crlf_are_handled():
    answer = "1. The code:\n\n   ```python\n   def f(x):\n       return x + 1\n   ```\n"
    assert extract_code(answer) == CODE
    assert extract_code("```python\r\ndef f(x):\r\n    return x + 1\r\n```\r\n") == CODE


def test_a_longer_fence_holds_a_shorter_one():
    inner = 'def f():\n    """\n    ```\n    f()\n    ```\n    """\n'
    assert extract_code(f"````python\n{inner}````\n") == inner


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("def f(): pass", "the answer has no fenced code block (```python ... ```)"),
        ("```python\ndef f(): pass\n```\nor\n```python\ndef g(): pass\n```",
         "the answer has 2 code blocks; exactly one is expected"),
        ("```python\ndef f(): pass\n```\n```text\noutput\n```", "the answer has 2 code blocks; exactly one is expected"),
        ("```python\ndef f(x):\n    return", "the answer's code block is not closed (the answer may have been cut off)"),
        ("```javascript\nfunction f() {}\n```", "the code block is marked `javascript`, not Python"),
        ("```python\n\n\n```", "the code block is empty"),
    ],
)
def test_refusals_say_why(answer, reason):
    problem = extract_code(answer)
    assert isinstance(problem, AnswerProblem) and problem.reason == reason
