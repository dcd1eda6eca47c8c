"""What a secret looks like: where in a text are keys, tokens, private keys, passwords and
high-entropy literals. ``find_secrets`` gives their spans; ``redact.py`` replaces them.

Speed matters (every payload to an LLM agent is scanned): patterns start with a literal
wherever possible, because Python's ``re`` then jumps between occurrences with a substring
search, while a leading ``\\b`` or ``(?i)`` makes it try every position (10-40x slower).
Case-insensitive names are looked for in an ASCII-lowercased copy of the same length.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

PLACEHOLDER_PREFIX = "ORCHEX_REDACTED_"

# -- values ------------------------------------------------------------------------------------

_TEMPLATE = re.compile(r"^(?:\{.*\}|\$\{?\w+\}?|%(?:\(\w+\))?[sdr]|<[^<>]*>|\*+|x+|X+|\.+|_+|-+|\?+|None|null|nil)$")
_TEMPLATE_PART = re.compile(r"%(?:\(\w+\))?[sdr]|\{\w*\}|\$\{?\w+\}?")
_WORDISH = re.compile(r"[A-Z]?[a-z]{4,}")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789")
_EXPRESSION = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$|[()\[\]]")


def _entropy(text: str) -> float:
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def _classes(text: str) -> int:
    """How many of lowercase, uppercase and digits ``text`` mixes."""
    return any(c.islower() for c in text) + any(c.isupper() for c in text) + any(c.isdigit() for c in text)


def _has_run(text: str, length: int = 5) -> bool:
    """An alphabet written out (``abcde``, ``01234``): a charset constant, not a secret."""
    return any(seq[i:i + length] in text for seq in _SEQUENCES for i in range(len(seq) - length + 1))


def _wordy(text: str) -> bool:
    """Mostly words (identifiers, paths, prose): at least 40 % of its characters are in runs of
    four or more lowercase letters (after an optional capital). Random base64 rarely is: 1.7 %
    of random 32-character strings, 1 % at 40 (each such miss is a secret sent as it is)."""
    return sum(len(m) for m in _WORDISH.findall(text)) >= 0.4 * len(text)


def _base64_threshold(n: int) -> float:
    # 0.78 * log2(n) sits below the 1-in-10,000 lowest entropy of random base64 strings of
    # every length from 20 up (simulated: 3.35 bits at 20 characters, 4.26 at 40, 4.76 at 64).
    return min(0.78 * math.log2(n), 4.5)


def looks_random(token: str) -> bool:
    """A high-entropy literal: hex of 32+ or base64 of 20+ characters mixing lowercase,
    uppercase and digits, not mostly words, not a written-out alphabet, not a UUID."""
    if len(token) < 20 or _UUID.match(token):
        return False
    if _HEX.match(token):
        return len(token) >= 32 and _classes(token) >= 2 and _entropy(token) >= 2.9 and not _has_run(token.lower())
    if _classes(token) < 3 or _wordy(token) or _has_run(token):
        return False
    return _entropy(token) >= _base64_threshold(len(token))


def _credential(value: str) -> bool:
    """A value given to a password-like name that is a credential: not empty, not prose, not
    a template (``{password}``, ``%s:%s``, ``${PASSWORD}``, ``<password>``), not ours."""
    if not value or any(c.isspace() for c in value) or _TEMPLATE.match(value) or value.startswith(PLACEHOLDER_PREFIX):
        return False
    return any(c.isalnum() for c in _TEMPLATE_PART.sub("", value))


def _password(value: str) -> bool:
    return _credential(value) and len(value) >= 4


def _keyword_value(value: str) -> bool:
    """Names like ``token`` or ``secret`` also hold ordinary words (``token = "NAME"``): only
    a value of 8+ characters mixing character classes, and not mostly words, counts."""
    return _credential(value) and len(value) >= 8 and _classes(value) >= 2 and not _wordy(value)


def _unquoted(value: str) -> bool:
    """``NAME=value`` without quotes: a credential in a .env file, but in Python the right-hand
    side of an assignment (``token = tokenize.NAME``, ``key = make_key()``)."""
    return _keyword_value(value) and not _EXPRESSION.search(value)


def _bearer_value(value: str) -> bool:
    # What follows "Bearer" is a token: no test for words, only that it mixes characters.
    return _classes(value) >= 2


def _basic_value(value: str) -> bool:
    # "basic" starts prose too ("# Test basic FieldStorage"): base64 of user:password is no word.
    return _classes(value) >= 2 and not _wordy(value)


# -- surroundings ------------------------------------------------------------------------------

_WHOLE_LINE_B64 = re.compile(r"^\s*[bBrRuU]{0,2}['\"]{0,3}[A-Za-z0-9+/=_-]{56,}['\"]{0,3}[,)\\]*\s*$")


def _line_at(text: str, start: int, step: int) -> str:
    """The line before (``step`` -1) or after (+1) the line holding ``start``."""
    if step < 0:
        end = text.rfind("\n", 0, start)
        return "" if end < 0 else text[text.rfind("\n", 0, end) + 1:end]
    begin = text.find("\n", start)
    if begin < 0:
        return ""
    end = text.find("\n", begin + 1)
    return text[begin + 1:end if end >= 0 else len(text)]


def _random_token(text: str, start: int, end: int) -> bool:
    """A high-entropy token that is not part of a path, a dotted name or a block of encoded
    data (base64 test data, MIME bodies: whole lines of 56+ characters one after the other)."""
    token = text[start:end]
    if start and text[start - 1] == ".":
        return False  # a domain's path, a file name's suffix, an attribute
    if token.startswith("/") and "/" in token[1:]:
        return False  # an absolute path
    if not looks_random(token):
        return False
    return not (end - start >= 40 and (_WHOLE_LINE_B64.match(_line_at(text, start, -1))
                                       or _WHOLE_LINE_B64.match(_line_at(text, start, 1))))


# -- detectors ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Detector:
    """One kind of secret: ``pattern`` finds it (in the lowercased copy if ``lowered``), the
    secret is ``group`` of the match; ``accept`` judges the value, ``context`` its place."""

    kind: str
    pattern: re.Pattern[str]
    group: str | int = 0
    accept: Callable[[str], bool] | None = None
    context: Callable[[str, int, int], bool] | None = None
    word_start: bool = False  # must not continue a word (a ``\b`` before it, checked by hand)
    lowered: bool = False

    def spans(self, text: str, low: str) -> Iterator[tuple[int, int, str]]:
        for match in self.pattern.finditer(low if self.lowered else text):
            start = match.start()
            if self.word_start and start and (text[start - 1].isalnum() or text[start - 1] == "_"):
                continue
            start, end = match.span(self.group)
            value = text[start:end]
            if self.accept is not None and not self.accept(value):
                continue
            if self.context is not None and not self.context(text, start, end):
                continue
            yield start, end, self.kind


# Assignments to a name that says "password" or "secret": the name is found by a literal in
# the lowercased text, then these match after it (on the original text).
_PASSWORD_WORDS = ("password", "passwd", "passphrase", "pass_word", "pass-word")
_KEY_WORDS = ("secret", "token", "credential", "apikey", "api_key", "api-key", "access_key", "access-key",
              "private_key", "private-key", "auth_key", "signing_key", "encryption_key", "master_key", "client_key")
_NAME_HINTS = re.compile("pass|pwd|secret|token|credential|key")
_NAME_CHARS = re.compile(r"[\w.\-]*")
_PWD = re.compile(r"(?:^|[_.\-])pwd\d*$")
# After the name: a closing quote or bracket (dicts, subscripts), a type annotation, then an
# assignment, comparison or mapping operator and a quoted value on the same line.
_ASSIGN = re.compile(
    r"""['"]?\]?[ \t]*(?::[ \t]*[\w\[\]., |]{1,40}?[ \t]*(?==))?(?::=|=>|==|!=|:|=)[ \t]*[rRbBuU]{0,2}"""
    r"""(?P<q>['"])(?P<value>(?:(?!(?P=q))[^\\\n]|\\.)+)(?P=q)""")
_UNQUOTED = re.compile(r"""[ \t]*=[ \t]*(?P<value>[^\s'"#]+)[ \t]*(?=\n|$)""")
_LINE_HEAD = re.compile(r"[ \t]*(?:export[ \t]+)?")


_PEM_BEGIN = re.compile(r"-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----")
_PEM_BODY = re.compile(r"(?:\\[nr]|\s|[A-Za-z0-9+/=:,-])*")  # \n escapes too: keys in one-line literals


class PemDetector:
    """Private key blocks, BEGIN to END; a block cut off by the selection up to where its key
    material ends. (A lazy ``BEGIN.*?END`` regex rescans the rest of the text for every BEGIN
    without an END: quadratic.)"""

    kind = "private-key"

    def spans(self, text: str, low: str) -> Iterator[tuple[int, int, str]]:
        end_at, end_to = -1, -1  # the next END marker found, or -2: none after end_to
        covered = 0
        for begin in _PEM_BEGIN.finditer(text):
            if begin.start() < covered:
                continue  # inside the block just found
            if end_at != -2 and end_at < begin.end():
                found = _PEM_END.search(text, begin.end())
                end_at, end_to = (found.start(), found.end()) if found else (-2, -2)
            if end_at >= 0:
                covered = end_to
            else:
                covered = _PEM_BODY.match(text, begin.end()).end()  # type: ignore[union-attr]
            yield begin.start(), covered, self.kind


def _name_start(low: str, at: int) -> int:
    while at and (low[at - 1].isalnum() or low[at - 1] in "_.-"):
        at -= 1
    return at


class NameDetector:
    """Values assigned (``=``, ``:``, ``==``, ``=>``, .env ``NAME=value``) to names holding a
    password word (kind ``password``) or a key word (``secret``, ``token``, ``api_key``...:
    kind ``secret-assignment``)."""

    kind = "password"

    def spans(self, text: str, low: str) -> Iterator[tuple[int, int, str]]:
        done = -1
        for hint in _NAME_HINTS.finditer(low):
            if hint.start() < done:
                continue  # a second hint in the same name
            begin = _name_start(low, hint.start())
            end = _NAME_CHARS.match(low, hint.end()).end()  # type: ignore[union-attr]
            done = end
            name = low[begin:end]
            if any(w in name for w in _PASSWORD_WORDS) or _PWD.search(name):
                kind, accept = "password", _password
            elif any(w in name for w in _KEY_WORDS):
                kind, accept = "secret-assignment", _keyword_value
            else:
                continue
            match = _ASSIGN.match(text, end)
            if match is None:
                if _LINE_HEAD.fullmatch(text, text.rfind("\n", 0, begin) + 1, begin) is None:
                    continue
                match = _UNQUOTED.match(text, end)
                accept = _unquoted
                if match is None:
                    continue
            value = match.group("value")
            if accept(value) and not value.startswith(PLACEHOLDER_PREFIX):
                yield (*match.span("value"), kind)


def _d(kind: str, pattern: str, group: str | int = 0, accept: Callable[[str], bool] | None = None, *,
       word_start: bool = True, lowered: bool = False, flags: int = 0,
       context: Callable[[str, int, int], bool] | None = None) -> Detector:
    return Detector(kind, re.compile(pattern, flags), group, accept, context, word_start, lowered)


# In priority order: where two findings overlap, the earlier detector's wins.
DETECTORS: tuple[Detector | NameDetector | PemDetector, ...] = (
    PemDetector(),
    _d("aws-access-key", r"(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9_])"),
    _d("github-token", r"(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})"),
    _d("gitlab-token", r"glpat-[A-Za-z0-9_-]{20,}"),
    _d("slack-token", r"xox[abposre]-[A-Za-z0-9-]{10,}"),
    _d("slack-webhook", r"hooks\.slack\.com/services/(?P<v>[A-Za-z0-9_/+-]{20,})", "v", word_start=False),
    _d("stripe-key", r"sk_(?:live|test)_[A-Za-z0-9]{10,}"),
    _d("stripe-key", r"rk_(?:live|test)_[A-Za-z0-9]{10,}"),
    _d("anthropic-key", r"sk-ant-[A-Za-z0-9_-]{20,}"),
    _d("openai-key", r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}",
       accept=lambda v: _classes(v) >= 2 and not _wordy(v[3:])),
    _d("google-api-key", r"AIza[0-9A-Za-z_-]{35}"),
    _d("npm-token", r"npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])"),
    _d("pypi-token", r"pypi-AgE[A-Za-z0-9_-]{50,}"),
    _d("huggingface-token", r"hf_[A-Za-z]{34}(?![A-Za-z0-9_])"),
    _d("jwt", r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    _d("bearer-token", r"(?:bearer|token)[ \t]+(?P<v>[a-z0-9\-._~+/]{16,}=*)", "v", _bearer_value, lowered=True),
    _d("basic-auth", r"basic[ \t]+(?P<v>[a-z0-9+/]{12,}={0,2})", "v", _basic_value, lowered=True),
    _d("url-password", r"://[^\s:/@'\"<>]*:(?P<v>[^\s/@'\"<>]+)@[\w\-.\[]", "v", _credential, word_start=False),
    NameDetector(),
    # Runs are matched whole: scanning left to right, a match starts where its run starts.
    _d("high-entropy", r"[A-Za-z0-9+/_-]{20,}={0,2}", word_start=False, context=_random_token),
)

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def find_secrets(text: str, known: Iterable[str] = ()) -> list[tuple[int, int, str]]:
    """``(start, end, kind)`` of every secret in ``text``, sorted, never overlapping.
    ``known``: exact values that are secrets wherever they appear (e.g. configured API keys)."""
    taken = _Spans()
    for value in sorted({k for k in known if k and len(k) >= 4}, key=len, reverse=True):
        start = text.find(value)
        while start != -1:
            taken.add(start, start + len(value), "known-secret")
            start = text.find(value, start + len(value))
    low = text.translate(_ASCII_LOWER)  # same length, so spans carry over
    for detector in DETECTORS:
        for start, end, kind in detector.spans(text, low):
            if start < end and not text.startswith(PLACEHOLDER_PREFIX, start):
                taken.add(start, end, kind)
    return taken.spans


class _Spans:
    """Sorted, disjoint spans. A span overlapping others is merged with them and keeps the kind
    of the (leftmost) span already there, found by a detector of higher priority: a key inside
    a longer password hides the whole password, not a key-shaped hole in it."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.spans: list[tuple[int, int, str]] = []

    def add(self, start: int, end: int, kind: str) -> None:
        first = bisect.bisect_right(self.starts, start)
        if first and self.spans[first - 1][1] > start:
            first -= 1
        last = first
        while last < len(self.spans) and self.spans[last][0] < end:
            last += 1
        if last > first:  # overlaps spans[first:last]
            merged = self.spans[first:last]
            start, end = min(start, merged[0][0]), max(end, merged[-1][1])
            kind = merged[0][2]
            del self.starts[first:last], self.spans[first:last]
        self.starts.insert(first, start)
        self.spans.insert(first, (start, end, kind))
