"""The pages a publication writes, on a real store: the run's status above the current digest, day pages."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from shared.models import Publication
from shared.runtime import Env
from services.publisher.worker import on_run_scored
from tests.feeds import EMPTY, Item, feed
from tests.pipeline import scored_run
from tests.publisher.day import CATEGORIES, day_config, papers, publish_day


async def page(env: Env, name: str = "index.html") -> str:
    async with env.sessions() as session:
        rows = await session.exec(select(Publication).where(col(Publication.name) == name)
                                  .order_by(col(Publication.announced).desc().nulls_last(), col(Publication.id).desc()))
        return rows.first().content


async def test_a_day_of_30_papers(store_env: Env) -> None:
    await publish_day(store_env, papers())
    index = await page(store_env)
    assert '<span>30 papers</span>' in index and index.count('<li class="paper"') == 30
    assert 'href="/profiles/default/2024-11-28"' in index and "Papers announced 2024-11-28" in index
    assert 'rel="alternate" type="application/atom+xml"' in index
    assert (await page(store_env, "days/2024-11-28.html")).count('<li class="paper"') == 30


async def test_no_announcement_is_said_above_the_last_digest(store_env: Env) -> None:
    await publish_day(store_env, papers(4, day=20000))
    await on_run_scored(await scored_run(store_env, day_config(), {c: EMPTY for c in CATEGORIES}), store_env)
    index = await page(store_env)
    assert "<span>arXiv made no announcement today</span>" in index
    assert index.count('<li class="paper"') == 4  # yesterday's digest is still there


async def test_a_failed_feed_is_named(store_env: Env) -> None:
    await publish_day(store_env, papers(6, day=30000), failing={"cs.DC"})
    index = await page(store_env)
    assert "<span>fetch failed for cs.DC</span>" in index and "<span>4 papers</span>" in index


async def test_nothing_matched(store_env: Env) -> None:
    feeds = {c: feed(c, [Item(f"2411.4000{n}", "Unrelated topic", categories=[c])]) for n, c in enumerate(CATEGORIES)}
    await on_run_scored(await scored_run(store_env, day_config(), feeds), store_env)
    assert "<span>nothing matched</span>" in await page(store_env)


async def test_the_same_page_is_not_written_twice(store_env: Env) -> None:
    await publish_day(store_env, papers(3, day=50000))
    async with store_env.sessions() as session:
        before = len(list(await session.exec(select(Publication))))
    later = store_env.clock() + timedelta(hours=1)
    store_env.clock = lambda: later
    await publish_day(store_env, papers(3, day=50000))  # the same day again: same digest, same status
    async with store_env.sessions() as session:
        assert len(list(await session.exec(select(Publication)))) == before
