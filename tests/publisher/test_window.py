"""The feeds' history window in the store: a new version updates its item, days add up, the window bounds."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

from shared.models import FeedItem as FeedRow
from shared.models import Publication, utcnow
from shared.runtime import Env
from tests.publisher.day import day_config, day_feeds, papers, publish_day
from tests.feeds import Item
from tests.pipeline import scored_run
from services.publisher.worker import on_run_scored


async def current(env: Env, name: str) -> str:
    async with env.sessions() as session:
        rows = list(await session.exec(select(Publication).where(Publication.name == name)
                                       .order_by(Publication.id.desc())))
    return rows[0].content


async def rows(env: Env) -> list[FeedRow]:
    async with env.sessions() as session:
        return list(await session.exec(select(FeedRow).order_by(FeedRow.rank)))


async def test_a_weekly_reader_finds_every_day_in_the_feed(store_env: Env) -> None:
    await publish_day(store_env, papers(5, day=20000))
    tomorrow = utcnow() + timedelta(days=1)
    store_env.clock = lambda: tomorrow
    await publish_day(store_env, papers(5, day=21000))
    feed = json.loads(await current(store_env, "feed.json"))
    ids = [item["_arxiv"]["id"] for item in feed["items"]]
    assert set(ids[:5]) == {f"2411.{21000 + n:05d}" for n in range(1, 6)}  # the newest day first
    assert set(ids[5:]) == {f"2411.{20000 + n:05d}" for n in range(1, 6)}


async def test_a_new_version_updates_its_item_and_never_duplicates_it(store_env: Env) -> None:
    await publish_day(store_env, papers(3, day=30000))
    (first,) = [r for r in await rows(store_env) if r.arxiv_id == "2411.30001"]
    later = first.published_at + timedelta(days=1)
    store_env.clock = lambda: later
    revised = [Item("2411.30001", "Sparse paper, revised", categories=["cs.AI"], version=2)]
    await on_run_scored(await scored_run(store_env, day_config(), day_feeds(revised)), store_env)
    (item,) = [r for r in await rows(store_env) if r.arxiv_id == "2411.30001"]
    assert item.version == 2 and item.data["title"] == "Sparse paper, revised"
    assert item.published_at == first.published_at and item.updated_at == later
    assert len(await rows(store_env)) == 3
    feed = json.loads(await current(store_env, "feed.json"))
    entries = [i for i in feed["items"] if i["_arxiv"]["id"] == "2411.30001"]
    assert len(entries) == 1 and entries[0]["date_modified"] != entries[0]["date_published"]


async def test_an_unchanged_paper_keeps_its_updated_time(store_env: Env) -> None:
    await publish_day(store_env, papers(2, day=40000))
    before = {r.arxiv_id: r.updated_at for r in await rows(store_env)}
    later = min(before.values()) + timedelta(days=1)
    store_env.clock = lambda: later
    await publish_day(store_env, papers(2, day=40000) + [Item("2411.49999", "Sparse newcomer",
                                                                categories=["cs.DC"])])
    after = {r.arxiv_id: r for r in await rows(store_env)}
    assert {k: after[k].updated_at for k in before} == before  # seen again, not changed
    assert all(after[k].seen_at == later for k in before)


async def test_the_window_keeps_the_newest_items_within_its_days(store_env: Env) -> None:
    store_env.settings.feed_window_items, store_env.settings.feed_window_days = 4, 30
    await publish_day(store_env, papers(3, day=50000))
    start = (await rows(store_env))[0].seen_at
    store_env.clock = lambda: start + timedelta(days=1)
    await publish_day(store_env, papers(3, day=51000))
    feed = json.loads(await current(store_env, "feed.json"))
    assert len(feed["items"]) == 4  # three of the new day, then the best of the day before
    store_env.clock = lambda: start + timedelta(days=32)
    await publish_day(store_env, papers(1, day=52000))
    assert {r.arxiv_id for r in await rows(store_env)} == {"2411.52001"}  # the rest fell out and was pruned
