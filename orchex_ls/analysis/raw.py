"""Raw line counts and the maintainability index.

radon's raw counts come from the pure-Python ``tokenize`` module, which alone takes ~30 s on
the stdlib here; one compiled regular expression that recognises strings (so a ``#`` inside
a string is not a comment) and comments gives the same counts in a fraction of that.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass

_STRING_OR_COMMENT = re.compile(
    r"""(?:[rRbBuUfF]{1,2})?(?:\"\"\"(?:\\.|[^\\])*?\"\"\"|'''(?:\\.|[^\\])*?'''"""
    r"""|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|(\#[^\n]*)""",
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
    starts = None
    comment_lines: set[int] = set()
    comment_only = 0
    for match in _STRING_OR_COMMENT.finditer(text):
        if match.group(1) is None:
            continue
        if starts is None:
            starts = [0] + [m.end() for m in re.finditer("\n", text)]
        index = bisect.bisect_right(starts, match.start()) - 1
        if index in comment_lines:
            continue
        comment_lines.add(index)
        if not text[starts[index]:match.start()].strip():
            comment_only += 1
    return RawCounts(len(lines), blank, len(comment_lines), comment_only)


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
