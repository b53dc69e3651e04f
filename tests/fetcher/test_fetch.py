"""A fetch run against a real local HTTP server playing arXiv, stored in PostgreSQL and in SQLite."""
from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy.exc import InvalidRequestError
from sqlmodel import col, select

from shared.config import BotConfig
from shared.models import FetchRun, OutboxMessage, Paper, RunItem
from shared.repository import Repository
from shared.runtime import Env
from services.fetcher.fetch import fetch_now, fetch_run
from services.fetcher.trigger import request_fetch
from tests.feeds import EMPTY, ERROR, Item, feed
from tests.servers import FakeArxiv, Trickle


def config(*categories: str) -> BotConfig:
    return BotConfig(categories=list(categories))


def use(env: Env, arxiv: FakeArxiv) -> Env:
    env.settings.arxiv_rss_base_url = arxiv.base
    return env


async def fetch(env: Env, cfg: BotConfig) -> FetchRun:
    run, started = await fetch_now(env, cfg, "test")
    assert started
    return run


async def outbox(env: Env) -> list[tuple[str, dict]]:
    async with env.sessions() as session:
        rows = await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))
        return [(r.routing_key, json.loads(r.body)) for r in rows]


async def test_a_paper_in_several_feeds_is_stored_once_and_seen_in_fetch_order(store_env: Env) -> None:
    shared = Item("2411.00002", "Shared paper", categories=["cs.LG", "cs.AI"])
    feeds = {"cs.AI": feed("cs.AI", [Item("2411.00001", "Only AI", categories=["cs.AI"]), shared]),
             "cs.LG": feed("cs.LG", [shared, Item("2411.00003", "Only LG")])}
    with FakeArxiv(feeds=feeds) as arxiv:
        run = await fetch(use(store_env, arxiv), config("cs.AI", "cs.LG"))
    assert (run.status, run.items, run.new, run.changed) == ("ok", 3, 3, 0)
    async with store_env.sessions() as session:
        papers = list(await session.exec(select(Paper)))
        items = list(await session.exec(select(RunItem).order_by(col(RunItem.position))))
    assert sorted(p.arxiv_id for p in papers) == ["2411.00001", "2411.00002", "2411.00003"]
    assert [(i.arxiv_id, i.feed_category) for i in items] == [
        ("2411.00001", "cs.AI"), ("2411.00002", "cs.AI"), ("2411.00002", "cs.LG"), ("2411.00003", "cs.LG")]
    shared_paper = next(p for p in papers if p.arxiv_id == "2411.00002")
    assert shared_paper.primary_category == "cs.LG" and shared_paper.authors == ["Ada Lovelace", "Alan Turing"]
    messages = await outbox(store_env)
    # Only what something consumes: one message for the run, none per paper.
    assert [key for key, _ in messages] == ["run.fetched"]
    assert messages[-1][1]["run_id"] == run.id and messages[-1][1]["new"] == 3


async def test_fetching_again_changes_nothing_and_a_new_version_is_a_change(store_env: Env) -> None:
    first = {"cs.AI": feed("cs.AI", [Item("2411.00001", "A"), Item("2411.00002", "B")])}
    with FakeArxiv(feeds=first) as arxiv:
        await fetch(use(store_env, arxiv), config("cs.AI"))
        again = await fetch(store_env, config("cs.AI"))
        arxiv.feeds["cs.AI"] = feed("cs.AI", [Item("2411.00001", "A"), Item("2411.00002", "B v2", version=2)])
        revised = await fetch(store_env, config("cs.AI"))
    # The same answer again is arXiv not having announced since: nothing is stored twice, and the run carries
    # the day's items from the last run, so the day is scored again with the profiles of now.
    assert (again.status, again.items, again.new, again.changed, again.unchanged) == ("stale", 2, 0, 0, 0)
    assert again.announced is not None and [f["status"] for f in again.feeds] == ["stale"]
    async with store_env.sessions() as session:
        carried = list(await session.exec(select(RunItem).where(RunItem.run_id == again.id)
                                          .order_by(col(RunItem.position))))
    assert [(i.position, i.arxiv_id, i.version, i.feed_category) for i in carried] == [
        (0, "2411.00001", 1, "cs.AI"), (1, "2411.00002", 1, "cs.AI")]
    assert (revised.new, revised.changed, revised.unchanged) == (0, 1, 1)
    async with store_env.sessions() as session:
        paper = await session.get(Paper, "2411.00002")
        count = len(list(await session.exec(select(Paper))))
    assert (paper.version, paper.title, count) == (2, "B v2", 2)


async def test_an_older_version_seen_late_does_not_overwrite_a_newer_one(store_env: Env) -> None:
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", [Item("2411.00001", "New title", version=3)])}) as arxiv:
        await fetch(use(store_env, arxiv), config("cs.AI"))
        arxiv.feeds["cs.AI"] = feed("cs.AI", [Item("2411.00001", "Old title", version=2)])
        late = await fetch(store_env, config("cs.AI"))
    async with store_env.sessions() as session:
        paper = await session.get(Paper, "2411.00001")
    assert (late.changed, paper.version, paper.title) == (0, 3, "New title")


async def test_an_empty_day_is_a_normal_run_with_zero_papers(store_env: Env) -> None:
    with FakeArxiv(feeds={"cs.AI": EMPTY, "cs.LG": feed("cs.LG", [])}) as arxiv:
        run = await fetch(use(store_env, arxiv), config("cs.AI", "cs.LG"))
    assert (run.status, run.items) == ("empty", 0)
    assert [f["status"] for f in run.feeds] == ["empty", "empty"]
    assert [key for key, _ in await outbox(store_env)] == ["run.fetched"]


async def test_one_broken_feed_loses_nothing_from_the_others(store_env: Env) -> None:
    feeds = {"cs.AI": ERROR, "cs.CL": b"<rss><channel><item>", "cs.LG": feed("cs.LG", [Item("2411.00003", "C")])}
    with FakeArxiv(feeds=feeds) as arxiv:
        run = await fetch(use(store_env, arxiv), config("cs.AI", "cs.CL", "cs.DC", "cs.LG"))
    statuses = {f["category"]: (f["status"], f["error"] or "") for f in run.feeds}
    assert run.status == "partial" and run.items == 1
    assert "Feed error" in statuses["cs.AI"][1]
    assert "malformed XML" in statuses["cs.CL"][1]
    assert "HTTP 404" in statuses["cs.DC"][1]
    assert statuses["cs.LG"] == ("ok", "")


async def test_every_feed_failing_is_an_error_run(store_env: Env) -> None:
    with FakeArxiv(feeds={}) as arxiv:
        run = await fetch(use(store_env, arxiv), config("cs.AI"))
    assert run.status == "error"
    async with store_env.sessions() as session:
        stored = await session.get(FetchRun, run.id)
    assert stored is not None and stored.stage == "fetched"


async def test_a_redelivered_fetch_request_does_not_fetch_twice(store_env: Env) -> None:
    requested, _ = await request_fetch(store_env, config("cs.AI"), "test")
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", [Item("2411.00001", "A")])}) as arxiv:
        first = await fetch_run(use(store_env, arxiv), requested.id)
        second = await fetch_run(store_env, requested.id)
        assert arxiv.requests == ["cs.AI"]
    assert first.id == second.id
    async with store_env.sessions() as session:
        assert len(list(await session.exec(select(FetchRun)))) == 1


async def test_the_run_keeps_the_config_it_was_fetched_with(store_env: Env) -> None:
    cfg = BotConfig(categories=["cs.AI"], keywords=["graph"], max_papers=5)
    with FakeArxiv(feeds={"cs.AI": EMPTY}) as arxiv:
        run = await fetch(use(store_env, arxiv), cfg)
    async with store_env.sessions() as session:
        repo = Repository(session)
        assert await repo.run_config(run.id) == cfg
        stored = await repo.get_run(run.id)
        # A run row is read without its snapshot (a megabyte with a thousand profiles): reading it is an error,
        # not a silent query per handler.
        assert stored is not None and stored.reason == "test"
        with pytest.raises(InvalidRequestError):
            stored.config  # noqa: B018


async def test_absurd_items_are_skipped_and_named_and_the_day_is_stored(store_env: Env) -> None:
    # The four items that overflowed the store's columns in issue 5, each beside good ones, on both stores. The
    # long category is no arXiv category name: it is left out and its paper kept, under its feed's category.
    absurd = [Item("2411.00010", "Twenty-digit version", version=12345678901234567890),
              Item("2411.00011", "Long category", categories=["c" * 100]),
              Item("a" * 80 + "/1234567", "Long id"),
              Item("2411.00012", "Long announce type", type="x" * 43)]
    feeds = {"cs.AI": feed("cs.AI", [Item("2411.00001", "Good AI"), *absurd[:2]]),
             "cs.LG": feed("cs.LG", [*absurd[2:], Item("2411.00002", "Good LG")])}
    with FakeArxiv(feeds=feeds) as arxiv:
        run = await fetch(use(store_env, arxiv), config("cs.AI", "cs.LG"))
    assert (run.status, run.items, run.new) == ("ok", 3, 3)
    named = {f["category"]: f["bad_items"] for f in run.feeds}
    assert [b.split(":")[1].strip() for b in named["cs.AI"]] == ["2411.00010"]
    assert named["cs.LG"][0].startswith("item 0: no arXiv id in guid 'oai:arXiv.org:aaaa")
    assert named["cs.LG"][1].startswith("item 1: 2411.00012: announce type 'xxxx")
    async with store_env.sessions() as session:
        stored = {p.arxiv_id: p.categories for p in await session.exec(select(Paper))}
    assert stored == {"2411.00001": ["cs.LG"], "2411.00002": ["cs.LG"], "2411.00011": ["cs.AI"]}
    assert b"arxiv_bot_bad_items_total 3.0" in store_env.metrics.render()


async def test_a_trickling_arxiv_costs_its_feeds_not_the_run(pg_env: Env) -> None:
    pg_env.settings.http_deadline_seconds, pg_env.settings.http_total_deadline_seconds = 0.3, 0.5
    with Trickle() as trickle:
        pg_env.settings.arxiv_rss_base_url = trickle.url + "/rss/"
        run = await asyncio.wait_for(fetch(pg_env, config("cs.AI", "cs.LG")), 30)
    assert run.status == "error" and [f["status"] for f in run.feeds] == ["error", "error"]
    assert all("deadline for the whole download" in f["error"] or "no complete answer" in f["error"]
               for f in run.feeds)
