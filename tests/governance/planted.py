"""Secrets of every kind, shaped as issued, and lines of Python that hold them (for tests).

Secrets are drawn from a seeded generator, like real keys (random), not from hypothesis'
shrinkable alphabets: a shrunk "AAAA..." is no secret, and no detector should call it one.
"""

from __future__ import annotations

import base64
import json
import random
import string
import sys
import sysconfig
from pathlib import Path

ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"


def _r(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _mixed(rng: random.Random, alphabet: str, n: int) -> str:
    """Random, with at least one lowercase letter, capital and digit (as issued keys are)."""
    chars = [rng.choice(string.ascii_lowercase), rng.choice(string.ascii_uppercase), rng.choice(string.digits)]
    chars += [rng.choice(alphabet) for _ in range(n - 3)]
    rng.shuffle(chars)
    return "".join(chars)


def _b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def jwt(rng: random.Random) -> str:
    claims = json.dumps({"sub": _r(rng, string.digits, 8), "iat": rng.randrange(10**9, 2 * 10**9)})
    return ".".join([_b64url('{"alg":"HS256","typ":"JWT"}'), _b64url(claims), _mixed(rng, ALNUM + "-_", 43)])


def pem(rng: random.Random, kind: str = "RSA ") -> str:
    body = "\n".join(_r(rng, B64, 64) for _ in range(3)) + "\n" + _r(rng, B64, 20) + "=="
    return f"-----BEGIN {kind}PRIVATE KEY-----\n{body}\n-----END {kind}PRIVATE KEY-----"


# A fixed pool for the high-entropy kind (no prefix, no telling name): the detector misses
# about 1 % of random 40-character strings (mostly words by chance), measured apart in
# test_redact.py; a property test drawing fresh ones would fail one run in a few.
_POOL_RNG = random.Random(20240611)
HIGH_ENTROPY_POOL = [_mixed(_POOL_RNG, B64, 40) for _ in range(40)]


def secret(kind: str, rng: random.Random) -> str:
    if kind == "aws-access-key":
        return "AKIA" + _r(rng, string.ascii_uppercase + string.digits, 16)
    if kind == "github-token":
        return "ghp_" + _mixed(rng, ALNUM, 36)
    if kind == "github-pat":
        return "github_pat_" + _mixed(rng, ALNUM, 22) + "_" + _mixed(rng, ALNUM, 59)
    if kind == "slack-token":
        return "xoxb-" + _r(rng, string.digits, 12) + "-" + _r(rng, string.digits, 13) + "-" + _mixed(rng, ALNUM, 24)
    if kind == "stripe-key":
        return "sk_live_" + _mixed(rng, ALNUM, 24)
    if kind == "openai-key":
        return "sk-proj-" + _mixed(rng, ALNUM, 40) + "T3BlbkFJ" + _mixed(rng, ALNUM, 40)
    if kind == "openai-key-legacy":
        return "sk-" + _mixed(rng, ALNUM, 20) + "T3BlbkFJ" + _mixed(rng, ALNUM, 20)
    if kind == "anthropic-key":
        return "sk-ant-api03-" + _mixed(rng, ALNUM + "-_", 93) + "AA"
    if kind == "google-api-key":
        return "AIza" + _mixed(rng, ALNUM + "-_", 35)
    if kind == "jwt":
        return jwt(rng)
    if kind == "bearer-token":
        return _mixed(rng, ALNUM + "-._~+/", 32)
    if kind == "private-key":
        return pem(rng, rng.choice(["RSA ", "EC ", "", "OPENSSH ", "ENCRYPTED "]))
    if kind == "password":
        return rng.choice(["Tr0ub4dor&3", "correct-horse-9", "hunter2!", "S3cr3t$pw"]) + _r(rng, ALNUM, 4)
    if kind == "url-password":
        return "pw" + _mixed(rng, ALNUM, 12)
    if kind == "high-entropy":
        return rng.choice(HIGH_ENTROPY_POOL)
    raise ValueError(kind)


KINDS = ("aws-access-key", "github-token", "github-pat", "slack-token", "stripe-key", "openai-key",
         "openai-key-legacy", "anthropic-key", "google-api-key", "jwt", "bearer-token", "private-key",
         "password", "url-password", "high-entropy")

# Kinds the detector reports for the planted kinds that are spellings of one kind.
REPORTED = {"github-pat": "github-token", "openai-key-legacy": "openai-key"}


def line_for(kind: str, value: str, rng: random.Random, name: str = "value") -> str:
    """A top-level statement (or comment) holding ``value``; it parses."""
    if kind == "private-key":
        if rng.random() < 0.5:
            return f'{name} = """\n{value}\n"""'
        return f"{name} = {value!r}"  # one line, with \n escapes
    if kind == "password":
        return rng.choice([f"db_password = {value!r}", f"config = {{'password': {value!r}}}",
                           f"connect(host='db', passwd={value!r})", f"PASSWORD: str = {value!r}"])
    if kind == "url-password":
        return f"{name} = 'postgresql://admin:{value}@db.internal:5432/app'"
    if kind == "bearer-token":
        return f"headers = {{'Authorization': 'Bearer {value}'}}"
    return rng.choice([
        f"{name} = {value!r}",
        f"{name} = {{'token': {value!r}}}",
        f"client = make_client(key={value!r}, retries=3)",
        f"# rotated: {value}",
        f"{name} = f'{{prefix}}:{value}'",
        f"{name} = b'{value}'",
    ])


def stdlib_modules(stride: int = 1) -> list[tuple[str, str]]:
    """(relative path, text) of stdlib modules, tests and vendored trees excluded."""
    root = Path(sysconfig.get_paths()["stdlib"])
    out = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if "test" in rel or "site-packages" in rel or rel.startswith(("idlelib/", "lib2to3/", "turtledemo/", "ensurepip/")):
            continue
        try:
            out.append((rel, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            continue
    return out[::stride]


PY = f"{sys.version_info.major}.{sys.version_info.minor}"
