"""Phase 1 of clone detection: turn one file into a compact list of hashed *units*.

A unit is one logical source line as the ``ast`` sees it: a simple statement (all its
physical lines), the header of a compound statement (``def f(...):``, ``if x:``,
decorators included) or a clause line (``else:``, ``except E:``, ``case p:``).
Imports and docstrings (any bare string statement) produce no unit; comments, blank
lines, indentation and line continuations are not part of any.

Each unit gets two hashes of its text with all whitespace removed:

* ``keys`` (type-2, "same shape"): names become a backtick, string literals (prefix
  included) ``$``, numbers ``?``; keywords and operators are kept.
* ``raw`` (type-1, "same text"): every name and literal as written.

The scan is a few whole-file ``re`` passes that run in C (strings and comments, names,
numbers, token widths) and ``map`` over C functions; the only Python-level loop runs
once per statement of the ``ast``, never per token, because the pure-Python
``tokenize`` module is ~10x too slow for a whole project.  Token counts still equal
``tokenize``'s (layout and comment tokens aside).  Hashes are ``zlib`` checksums, not
``hash()``, so a fingerprint made in one process (a worker, the disk cache) compares
equal in another.
"""

from __future__ import annotations

import ast
import keyword
import re
import sys
import zlib
from array import array
from bisect import bisect_left
from itertools import accumulate, chain, compress
from operator import methodcaller, sub
from typing import NamedTuple

__all__ = ["CloneFingerprint", "fingerprint"]


class CloneFingerprint(NamedTuple):
    """One file's units, each field a packed native array (``bytes``): small to pickle.

    Per unit, in source order: ``keys`` uint64 type-2 hash, ``raw`` uint32 type-1
    hash, ``tokens`` its token count, ``line`` its first line, ``end_line`` the last
    line of the statement it starts (of the unit itself if it starts none), ``code``
    its lines that hold a token, ``block`` the id of the statement list holding the
    statement it starts, or -1 for a clause line such as ``else:``.
    """

    keys: bytes
    raw: bytes
    tokens: bytes
    line: bytes
    end_line: bytes
    code: bytes
    block: bytes

    @property
    def units(self) -> int:
        """How many units the file has."""
        return len(self.keys) // 8


TYPECODES = {"keys": "Q", "raw": "I"}  # every other field is "i"


def unpack(fp: CloneFingerprint, field: str) -> array:
    """One field of a fingerprint as an ``array``."""
    out = array(TYPECODES.get(field, "i"))
    out.frombytes(getattr(fp, field))
    return out


# --- text masking -------------------------------------------------------------------

# Strings without their prefix letters: starting every alternative with a quote (or
# ``#``) lets ``re`` skip ahead with a first-character set, which makes this pass ~6x
# faster than a pattern that starts with an optional prefix group.
_STRING = (
    r"'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''"
    r'|"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"""'
    r"|'[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*'"
    r'|"[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*"'
)
_STRINGS_AND_COMMENTS = re.compile(_STRING + r"|#[^\n]*")


def _trie(words: list[str]) -> str:
    """An alternation factored by first letter: ``re`` then tests ~2 branches, not 35."""
    groups: dict[str, list[str]] = {}
    for word in words:
        groups.setdefault(word[:1], []).append(word[1:])
    alternatives = []
    for head, tails in sorted(groups.items()):
        if not head:
            continue
        rest = _trie(tails)
        optional = "?" if "" in tails else ""
        alternatives.append(head + (f"(?:{rest}){optional}" if rest else ""))
    return "|".join(alternatives)


# Identifiers that are not keywords -> "`".  Soft keywords (match, case, type, _) are
# ordinary names almost everywhere, so they are masked too.
_NAME = re.compile(r"(?=[^\W\d])(?<!\w)(?!(?:" + _trie(keyword.kwlist) + r")\b)\w+")
# Run after _NAME, so every digit left starts a number: ``0x1F``, ``1_000``, ``1.5e-3j``
# (a sign only after a decimal exponent: ``0xE+1`` is three tokens).  ``.5`` keeps its
# dot: a leading ``\.?`` would cost the pattern its fast first-character scan.
_NUMBER = re.compile(r"\d(?:(?<=0)[xXoObB]\w*|\w*(?:\.\w*)?(?:(?<=[eE])[-+]\d\w*)?)")
# In the masked text every name, number and string is one character, so a unit's
# token count is its length once keywords and multi-character operators are folded to
# one character each; cheaper than matching every token.
_WIDE_TOKEN = re.compile(r"[a-zA-Z]+|\*\*=?|//=?|>>=?|<<=?|->|:=|!=|[-+*/%&|^@<>=]=|\.\.\.|\.\?")


def _mask(match: re.Match[str]) -> str:
    """Comment -> nothing; string -> ``$<crc>`` keeping its line breaks."""
    text = match.group()
    if text[0] == "#":
        return ""
    # The crc keeps the literal's identity for the type-1 hash without its whitespace.
    masked = f"${zlib.crc32(text.encode('utf-8', 'surrogatepass'))} "
    breaks = text.count("\n")
    if not breaks:
        return masked
    # The marker goes on the closing line, so that line keeps a token; a NUL stays
    # where the string began, to take its prefix letters (``f"""``) out of the shape.
    return "\0" + "\n" * breaks + masked


# --- statement structure ------------------------------------------------------------

# What a statement is, looked up once per statement: the walk is the costliest
# Python-level loop here.
_SIMPLE, _IMPORT, _EXPR, _COMPOUND, _DECORATED, _MATCH = range(6)
_KINDS: dict[type, int] = {
    ast.Import: _IMPORT,
    ast.ImportFrom: _IMPORT,
    ast.Expr: _EXPR,
    ast.If: _COMPOUND,
    ast.For: _COMPOUND,
    ast.AsyncFor: _COMPOUND,
    ast.While: _COMPOUND,
    ast.With: _COMPOUND,
    ast.AsyncWith: _COMPOUND,
    ast.Try: _COMPOUND,
    ast.FunctionDef: _DECORATED,
    ast.AsyncFunctionDef: _DECORATED,
    ast.ClassDef: _DECORATED,
    ast.Match: _MATCH,
}
if sys.version_info >= (3, 11):
    _KINDS[ast.TryStar] = _COMPOUND


class _Structure(NamedTuple):
    """Statement facts per source line (index = 1-based line number)."""

    is_cut: bytearray  # 1 where a unit starts: a statement, a clause, a statement's end + 1
    end: list[int]  # last line of the statement that starts here, else 0
    block: list[int]  # id of the statement list holding that statement, else -1
    skip: list[int]  # start lines of ignored statements (imports, docstrings)


def _structure(tree: ast.Module, lines: int) -> _Structure:
    """One pass over the statements (not the expressions: that would cost 10x more)."""
    is_cut = bytearray(lines + 2)
    is_cut[1] = 1
    ends = [0] * (lines + 2)
    blocks = [-1] * (lines + 2)
    skip: list[int] = []
    todo: list[list[ast.stmt]] = [tree.body]
    kind_of, constant, ignore, push = _KINDS.get, ast.Constant, skip.append, todo.append
    block = -1
    while todo:
        block += 1
        for node in todo.pop():
            kind = kind_of(type(node), _SIMPLE)
            start = node.lineno
            if kind == _DECORATED and node.decorator_list:
                start = node.decorator_list[0].lineno
            end = node.end_lineno or start
            is_cut[start] = is_cut[end + 1] = 1
            if kind == _IMPORT or (
                # docstrings and other bare strings document, they do not compute
                kind == _EXPR and type(node.value) is constant and type(node.value.value) is str
            ):
                ignore(start)
                continue
            if blocks[start] >= 0:
                continue  # `a; b` on one line: the first statement owns the unit
            blocks[start] = block
            ends[start] = end
            if kind <= _EXPR:
                continue
            if kind == _MATCH:
                for case in node.cases:
                    is_cut[case.pattern.lineno] = 1
                    push(case.body)
                continue
            if node.body[0].lineno == start:
                continue  # a one-line compound statement is a single unit
            push(node.body)
            for handler in getattr(node, "handlers", ()):
                is_cut[handler.lineno] = 1
                push(handler.body)
            if getattr(node, "orelse", None):
                push(node.orelse)
            if getattr(node, "finalbody", None):
                push(node.finalbody)
    # `import os; x = 1` keeps its unit for the sake of `x = 1`
    return _Structure(is_cut, ends, blocks, [line for line in skip if blocks[line] < 0])


# --- fingerprint --------------------------------------------------------------------

_INDENT = re.compile(r"\n[ \t\f]+")
_SEPARATOR = bytes.maketrans(b"\0\1", b" \n")
_ENCODE = methodcaller("encode", "utf-8", "surrogatepass")


def _per_unit(lines: list[str], seps: str) -> str:
    """Lines joined by a space inside a unit and by a newline between units."""
    return "".join(chain.from_iterable(zip(lines, seps)))


def _compact(text: str) -> list[str]:
    return text.replace(" ", "").replace("\t", "").split("\n")


def fingerprint(source: str, tree: ast.Module) -> CloneFingerprint:
    """Hash the units of one parsed file (see the module docstring).

    Everything here is whole-file ``re``/``str`` passes and ``map`` over C functions:
    the only Python-level loop runs once per statement, never per token.
    """
    if "\r" in source:
        source = source.replace("\r\n", "\n").replace("\r", "\n")
    masked = _STRINGS_AND_COMMENTS.sub(_mask, source)
    # with strings and comments gone, a backslash before a newline is a continuation
    masked = _INDENT.sub("\n", masked.replace("\\\n", "\n"))
    shaped = _NUMBER.sub("?", _NAME.sub("`", masked)).replace("$?", "$").replace("`$", "$")
    if "\0" in shaped:
        shaped = shaped.replace("`\0", "").replace("\0", "")
    shape_lines = shaped.split("\n")
    total = len(shape_lines)

    facts = _structure(tree, total)
    cuts = list(compress(range(total + 1), facts.is_cut))
    # after line i: "\n" if a unit starts on line i + 1, else " "
    seps = facts.is_cut[2:].translate(_SEPARATOR).decode()
    shape_units = _per_unit(shape_lines, seps)
    compact = _compact(shape_units)
    keep = list(map(bool, compact))
    for line in facts.skip:
        keep[bisect_left(cuts, line)] = False
    if not any(keep):
        return _EMPTY

    bounds = [*cuts[1:], total + 1]  # each unit's end line + 1
    # code lines (lines with a token) before each line, to count them per unit
    code_before = [0, *accumulate(map(bool, shape_lines), initial=0)]
    code = map(sub, map(code_before.__getitem__, bounds), map(code_before.__getitem__, cuts))
    last = map(max, map(facts.end.__getitem__, cuts), map((-1).__add__, bounds))
    block = map(facts.block.__getitem__, cuts)

    # two independent 32-bit checksums make the 64-bit key: cheap, and stable
    # across processes, unlike hash()
    encoded = list(map(_ENCODE, compress(compact, keep)))
    keys = [c << 32 | a for c, a in zip(map(zlib.crc32, encoded), map(zlib.adler32, encoded))]
    raw = map(_ENCODE, compress(_compact(_per_unit(masked.split("\n"), seps)), keep))
    tokens = map(len, _compact(_WIDE_TOKEN.sub("k", shape_units)))
    return CloneFingerprint(
        array("Q", keys).tobytes(),
        array("I", map(zlib.crc32, raw)).tobytes(),
        array("i", compress(tokens, keep)).tobytes(),
        array("i", compress(cuts, keep)).tobytes(),
        array("i", compress(last, keep)).tobytes(),
        array("i", compress(code, keep)).tobytes(),
        array("i", compress(block, keep)).tobytes(),
    )


_EMPTY = CloneFingerprint(b"", b"", b"", b"", b"", b"", b"")
