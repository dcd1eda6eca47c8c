"""Sample code shared by the tests."""

from __future__ import annotations

import textwrap

COMPLEX = textwrap.dedent(
    """
    def tangled(a, b, c, d, e, f, g):
        total = 0
        for x in a:
            if x:
                for y in b:
                    if y and c or d:
                        while e:
                            if f:
                                total += 1
                            else:
                                total -= 1
        return total
    """
)

CLONE = textwrap.dedent(
    """
    def {name}(items, factor):
        result = []
        for item in items:
            value = item * factor
            if value > 10:
                value = value - 10
            result.append(value)
        total = sum(result)
        return total / len(result)
    """
)

# An `else:` holding only an `if` (elif-chain applies on the `else:` line, 0-based line 3).
ELSE_IF = """\
def pick(a, b):
    if a:
        return 1
    else:
        if b:  # keep me
            return 2
        else:
            return 3
"""
ELIF = """\
def pick(a, b):
    if a:
        return 1
    elif b:  # keep me
        return 2
    else:
        return 3
"""
