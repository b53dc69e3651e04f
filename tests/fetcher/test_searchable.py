"""A fetch's papers become searchable after its commit, without holding its run back; what a crash left
unsearchable is filled in by a redelivered fetch request and by the fetcher's first sweep (real PostgreSQL)."""
from __future__ import annotations

from sqlalchemy import text
from sqlmodel import func, select

from services.fetcher.app import sweep_for
from services.fetcher.fetch import fetch_run
from services.fetcher.trigger import request_fetch
from shared.config import BotConfig
from shared.models.search import PaperSearch
from shared.runtime import Env
from tests.feeds import Item, feed
from tests.servers import FakeArxiv

FEEDS = {"cs.AI": feed("cs.AI", [Item("2411.00001", "Zebra crossings"), Item("2411.00002", "Okapi stripes")])}


async def _documents(env: Env) -> int:
    async with env.sessions() as session:
        return (await session.exec(select(func.count()).select_from(PaperSearch))).one()  # type: ignore[call-overload]


async def _found(env: Env, word: str) -> set[str]:
    query = text("SELECT arxiv_id FROM paper_search WHERE document @@ plainto_tsquery('english', :q)")
    async with env.sessions() as session:
        return {row[0] for row in await session.exec(query, params={"q": word})}  # type: ignore[call-overload]


async def _fetch(env: Env, arxiv: FakeArxiv) -> str:
    env.settings.arxiv_rss_base_url = arxiv.base
    run, started = await request_fetch(env, BotConfig(categories=["cs.AI"]), "test", emit=False)
    assert started
    await fetch_run(env, run.id)
    return run.id


async def test_a_fetch_relays_its_run_first_and_returns_with_its_papers_searchable(pg_env: Env) -> None:
    at_relay: list[int] = []

    async def relay() -> None:  # the service's outbox relay; what matters is when the fetch calls it
        at_relay.append(await _documents(pg_env))

    pg_env.relay = relay
    with FakeArxiv(feeds=FEEDS) as arxiv:
        await _fetch(pg_env, arxiv)
    # Committed and relayed before any document existed: the scorer did not wait for them...
    assert at_relay == [0]
    # ...and the fetch still returned with every paper found by the search.
    assert await _found(pg_env, "zebra") == {"2411.00001"} and await _found(pg_env, "okapi") == {"2411.00002"}


async def test_what_a_crash_left_unsearchable_is_indexed_by_a_redelivery_and_by_the_first_sweep(
        pg_env: Env) -> None:
    with FakeArxiv(feeds=FEEDS) as arxiv:
        run_id = await _fetch(pg_env, arxiv)

    async def crash_before_the_documents() -> None:
        async with pg_env.sessions() as session, session.begin():
            await session.exec(text("DELETE FROM paper_search"))  # type: ignore[call-overload]
        assert await _documents(pg_env) == 0

    await crash_before_the_documents()
    await fetch_run(pg_env, run_id)  # the request redelivered: fetched already, so it only indexes
    assert await _documents(pg_env) == 2

    await crash_before_the_documents()
    sweep = sweep_for(pg_env.settings)  # the fetcher service's periodic task, without a schedule
    await sweep(pg_env)
    assert await _found(pg_env, "zebra") == {"2411.00001"} and await _documents(pg_env) == 2
    await crash_before_the_documents()
    await sweep(pg_env)  # the whole-store pass runs once per process, not at every sweep
    assert await _documents(pg_env) == 0


async def test_a_replacement_is_found_by_its_new_words_and_no_longer_by_its_old_ones(pg_env: Env) -> None:
    replaced = {"cs.AI": feed("cs.AI", [Item("2411.00001", "Giraffe necks", version=2, type="replace"),
                                        Item("2411.00002", "Okapi stripes")], pub="Fri, 29 Nov 2024 00:00:00 -0500")}
    with FakeArxiv(feeds=FEEDS) as arxiv:
        await _fetch(pg_env, arxiv)
    with FakeArxiv(feeds=replaced) as arxiv:
        await _fetch(pg_env, arxiv)
    assert await _found(pg_env, "giraffe") == {"2411.00001"} and await _found(pg_env, "zebra") == set()
    assert await _found(pg_env, "okapi") == {"2411.00002"} and await _documents(pg_env) == 2
