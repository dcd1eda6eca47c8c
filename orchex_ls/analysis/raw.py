"""Raw line counts and the maintainability index.

radon's raw counts come from the pure-Python ``tokenize`` module, which alone takes ~30 s on
the stdlib here; one compiled regular expression that recognises strings (so a ``#`` inside
a string is not a comment) and comments gives the same counts in a fraction of that.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# String prefixes (r, b, f, u) are left out on purpose: they don't change where a string
# ends, and a pattern that starts with a character class lets `re` skip ahead to the next
# quote or `#` — twice as fast on the stdlib (0.73 s vs 1.52 s), same counts.
_STRING_OR_COMMENT = re.compile(
    r"""(\#[^\n]*)|\"\"\"(?:\\.|[^\\])*?\"\"\"|'''(?:\\.|[^\\])*?'''"""
    r"""|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'""",
    re.S,
)


@dataclass(frozen=True, slots=True)
class RawCounts:
    lines: int
    blank: int
    comments: int  # lines holding a comment
    comment_only: int  # lines holding nothing but a comment


def raw_counts(text: str, lines: list[str]) -> RawCounts:
    blank = sum(1 for line in lines if not line.strip())
    comments = comment_only = 0
    line = 0  # 0-based line of `pos`
    pos = 0
    last_comment_line = -1
    for match in _STRING_OR_COMMENT.finditer(text):
        if match.group(1) is None:
            continue
        start = match.start()
        line += text.count("\n", pos, start)
        pos = start
        if line == last_comment_line:
            continue
        last_comment_line = line
        comments += 1
        line_start = text.rfind("\n", 0, start) + 1
        if not text[line_start:start].strip():
            comment_only += 1
    return RawCounts(len(lines), blank, comments, comment_only)


def maintainability_index(volume: float, complexity: int, lloc: int, comment_percent: float) -> float:
    """radon's MI: 171 - 5.2 ln V - 0.23 G - 16.2 ln L + 50 sin(sqrt(2.46 rad(C))), scaled to 0..100
    (V Halstead volume, G cyclomatic complexity, L logical lines, C comment percentage)."""
    if volume <= 0 or lloc <= 0:
        return 100.0
    nn_mi = (
        171
        - 5.2 * math.log(volume)
        - 0.23 * complexity
        - 16.2 * math.log(lloc)
        + 50 * math.sin(math.sqrt(2.46 * math.radians(comment_percent)))
    )
    return min(max(0.0, nn_mi * 100 / 171.0), 100.0)
