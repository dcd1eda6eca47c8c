"""Secrets out of a payload before it leaves the machine, and back into the answer.

    redaction = redact(payload_text)           # redaction.text goes to the agent
    answer = restore(agent_answer, redaction)  # the original values, byte for byte

Each secret is replaced where it stands (inside its string literal, so the code still parses)
by a placeholder shaped like a constant's name, ``ORCHEX_REDACTED_<n>_<NONCE>``: models keep
such names when they rewrite the code around them. The nonce is derived from the payload and
chosen so that no text already in it looks like one of our placeholders; ``restore`` replaces
every placeholder of that nonce found anywhere in the answer (moved, repeated or missing alike).

Detector: our own (``detectors.py``), not detect-secrets. Measured with
``python bench/redaction.py --stride 1`` (CPython 3.11.7, 2 shared cores; CPU time, median
of 5 runs): 3 stdlib modules each of ~100, ~1,000 and ~5,000 lines, 12 secrets of 12 kinds
planted in each; false positives over all 563 stdlib modules without tests (286k lines).

                        CPU ms per file           planted secrets    false positives
                        100    1k      5k lines   fully hidden       on the stdlib
    orchex detectors    0.7    2.1     11.6       107/108            4
    detect-secrets 1.5  26.5   176.6   930.2      63/108             9

detect-secrets is 35-85x slower (its plugins and filters run line by line, through global
settings), and 45 of the 108 planted secrets would leak if we redacted what it reports: it
has no rule for Google or current OpenAI keys, drops a Stripe key passed to a call as an
"indirect reference", and reports a private key as ``BEGIN RSA PRIVATE KEY`` and a JWT
without its signature (the values, not their places: we would still need spans of our own).
Our miss is one random 40-character string with no prefix or telling name, caught by no
rule but entropy (which misses ~1 % of such strings at 40 characters, ~6 % at 20: no digit
drawn, or letters that happen to read as words). Our 4 stdlib findings are example values in docstrings
(a SHA-224 digest, ``secrets.token_hex()`` output, ``passwd='geheim$parole'``).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .detectors import PLACEHOLDER_PREFIX, find_secrets

# -- redaction ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redaction:
    """A redacted text and what it takes to undo it. ``secrets`` (placeholder -> original)
    never leaves the process: it is left out of ``repr`` and has no serialised form."""

    text: str
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    kinds: Counter[str] = field(default_factory=Counter)  # occurrences redacted, per kind
    nonce: str = ""

    @property
    def count(self) -> int:
        return sum(self.kinds.values())

    def summary(self) -> dict[str, object]:
        """What the audit log keeps: how many, of which kinds (no values)."""
        return {"count": self.count, "kinds": dict(sorted(self.kinds.items()))}


def _nonce(texts: Iterable[str]) -> str:
    """Four hex digits from the payload's hash, such that nothing in it already looks like a
    placeholder with that nonce (deterministic: the same payload redacts the same way)."""
    texts = list(texts)
    digest = hashlib.sha256("\x00".join(texts).encode("utf-8", "surrogatepass")).hexdigest().upper()
    for attempt in range(4096):
        nonce = digest[attempt % 60:attempt % 60 + 4] if attempt < 60 else f"{attempt:04X}"
        existing = re.compile(rf"{PLACEHOLDER_PREFIX}\d+_{nonce}")
        if not any(existing.search(t) for t in texts):
            return nonce
    raise ValueError("cannot choose a placeholder: the text is full of ORCHEX_REDACTED_ markers")


class _Redactor:
    """Numbers placeholders across the texts of one payload (all messages of a request)."""

    def __init__(self, texts: Iterable[str], known: Iterable[str]) -> None:
        self.nonce = _nonce(texts)
        self.known = tuple(known)
        self.secrets: dict[str, str] = {}
        self._by_value: dict[str, str] = {}
        self.kinds: Counter[str] = Counter()

    def placeholder(self, value: str) -> str:
        name = self._by_value.get(value)
        if name is None:
            name = f"{PLACEHOLDER_PREFIX}{len(self.secrets) + 1}_{self.nonce}"
            self._by_value[value] = name
            self.secrets[name] = value
        return name

    def redact(self, text: str) -> str:
        parts: list[str] = []
        last = 0
        for start, end, kind in find_secrets(text, self.known):
            parts.append(text[last:start])
            parts.append(self.placeholder(text[start:end]))
            self.kinds[kind] += 1
            last = end
        parts.append(text[last:])
        return "".join(parts)

    def result(self, text: str) -> Redaction:
        return Redaction(text, dict(self.secrets), Counter(self.kinds), self.nonce)


def redact(text: str, known: Iterable[str] = ()) -> Redaction:
    """``text`` with every secret found replaced by a placeholder (see the module's doc)."""
    redactor = _Redactor([text], known)
    return redactor.result(redactor.redact(text))


def _texts(message: Mapping[str, Any]) -> list[str]:
    content = message.get("content")
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}, ...]
        return [p["text"] for p in content if isinstance(p, Mapping) and isinstance(p.get("text"), str)]
    return []


def redact_messages(messages: Iterable[Mapping[str, Any]],
                    known: Iterable[str] = ()) -> tuple[list[dict[str, Any]], Redaction]:
    """Chat messages (plain or content-part contents) redacted with one set of placeholders;
    the caller's messages are not changed. The ``Redaction``'s ``text`` is the redacted texts
    joined by blank lines."""
    messages = list(messages)
    redactor = _Redactor([t for m in messages for t in _texts(m)], known)
    out: list[dict[str, Any]] = []
    for message in messages:
        copy = dict(message)
        content = copy.get("content")
        if isinstance(content, str):
            copy["content"] = redactor.redact(content)
        elif isinstance(content, list):
            copy["content"] = [{**p, "text": redactor.redact(p["text"])}
                               if isinstance(p, Mapping) and isinstance(p.get("text"), str) else p for p in content]
        out.append(copy)
    return out, redactor.result("\n\n".join(t for m in out for t in _texts(m)))


def restore(answer: str, redaction: Redaction) -> str:
    """``answer`` with every placeholder of ``redaction`` put back to its original value,
    wherever and however often it appears; unknown placeholders are left as they are."""
    if not redaction.secrets:
        return answer
    secrets = redaction.secrets
    pattern = re.compile(rf"{PLACEHOLDER_PREFIX}\d+_{redaction.nonce}")
    return pattern.sub(lambda m: secrets.get(m.group(0), m.group(0)), answer)
