"""Fixtures for orchestrator tests: the fake provider on 127.0.0.1, and a planted API key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_provider import PLANTED_KEY, PLANTED_KEY_ENV, FakeProvider


@pytest.fixture
def fake_provider() -> Iterator[FakeProvider]:
    """A running fake provider for one test: ``.base_url`` (``.../v1``) for ``openai/`` models,
    ``.root_url`` for ``anthropic/`` ones; ``.script()``, ``.default()``, ``.reset()``."""
    server = FakeProvider().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def planted_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """A recognisable API key in ``$ORCHEX_TEST_API_KEY``; it must never show up anywhere."""
    monkeypatch.setenv(PLANTED_KEY_ENV, PLANTED_KEY)
    return PLANTED_KEY
