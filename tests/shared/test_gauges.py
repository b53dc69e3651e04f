"""The store-derived gauges, read after real handlers moved a run through its stages (PostgreSQL and SQLite)."""
from __future__ import annotations

import math
from datetime import timedelta

import pytest

from services.publisher.publish import publish_profile
from shared.config import BotConfig
from shared.gauges import refresh_store_gauges
from shared.metrics import Metrics
from shared.models import FetchRun
from shared.runtime import Env
from tests.feeds import Item, feed
from tests.pipeline import scored_run, summarize_run
from tests.servers import FakeLLM

ITEMS = [Item(f"2411.{n:05d}", f"Sparse paper {n}", f"Sparse abstract {n}.") for n in range(1, 5)]


def sample(metrics: Metrics, name: str) -> float | None:
    return metrics.registry.get_sample_value(f"arxiv_bot_{name}")


def cfg(llm: FakeLLM, wanted: int) -> BotConfig:
    config = BotConfig(categories=["cs.AI"], keywords=["Sparse"], days_back=3650, min_score=0)
    config.ai_summary.base_url = llm.url + "/v1"
    config.ai_summary.api_key_env = "ARXIV_BOT_TEST_KEY"
    config.ai_summary.max_papers_to_summarize = wanted
    return config


async def test_an_empty_store_means_never_fetched_nothing_pending_nothing_published(store_env: Env) -> None:
    await refresh_store_gauges(store_env.sessions, store_env.metrics, store_env.clock())
    metrics = store_env.metrics
    assert sample(metrics, "last_successful_fetch_timestamp_seconds") == 0
    assert sample(metrics, "summaries_pending") == 0
    assert math.isnan(sample(metrics, "publication_age_seconds"))


async def test_the_gauges_follow_a_run_from_fetch_to_publication(store_env: Env,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "test-key")
    metrics = store_env.metrics

    async def refresh() -> None:
        await refresh_store_gauges(store_env.sessions, metrics, store_env.clock())

    with FakeLLM() as llm:
        scored = await scored_run(store_env, cfg(llm, wanted=3), {"cs.AI": feed("cs.AI", ITEMS)})
        await refresh()
        async with store_env.sessions() as session:
            run = await session.get(FetchRun, scored.run_id)
        fetched = sample(metrics, "last_successful_fetch_timestamp_seconds")
        assert fetched == pytest.approx(run.finished_at.timestamp(), abs=1)
        assert sample(metrics, "summaries_pending") == 3  # the top 3 of 4 selected papers wait for the LLM
        await summarize_run(store_env, scored.run_id)
        await refresh()
        assert sample(metrics, "summaries_pending") == 0
    assert await publish_profile(store_env, scored.run_id, "default")
    later = store_env.clock() + timedelta(hours=5)
    await refresh_store_gauges(store_env.sessions, metrics, later)
    assert sample(metrics, "publication_age_seconds") == pytest.approx(5 * 3600, abs=60)


async def test_a_run_that_got_no_papers_is_not_a_successful_fetch(store_env: Env) -> None:
    with FakeLLM() as llm:
        await scored_run(store_env, cfg(llm, wanted=3), {"cs.AI": feed("cs.AI", [])})
    await refresh_store_gauges(store_env.sessions, store_env.metrics, store_env.clock())
    assert sample(store_env.metrics, "last_successful_fetch_timestamp_seconds") == 0
