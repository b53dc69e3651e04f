"""A local arXiv and a local LLM for the summarizer's tests, wired into an Env on both stores."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.runtime import Env
from tests.servers import FakeArxiv, FakeLLM


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        yield server


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server


@pytest.fixture
def env(store_env: Env, arxiv: FakeArxiv, monkeypatch: pytest.MonkeyPatch) -> Env:
    """The store (PostgreSQL, then SQLite) with full texts from the local arXiv and a key for the local LLM."""
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "test-key")
    store_env.settings.arxiv_base_url = arxiv.url
    store_env.settings.llm_backoff_seconds = 0.01
    return store_env
