"""Where a run's papers come from (services/fetcher/sources.py): RSS or Atom, conditional requests, stale feeds;
against FakeArxiv, stored in PostgreSQL and SQLite."""
from __future__ import annotations

from sqlmodel import func, select

from shared.models import FeedState, Paper, PaperVersion, RunItem
from shared.runtime import Env
from tests.feeds import Item, atom, feed
from tests.fetcher.test_fetch import config, fetch, use
from tests.servers import FakeArxiv

AI = Item("2411.00001", "AI paper", categories=["cs.AI"])
BOTH = Item("2411.00002", "Both", categories=["cs.LG", "cs.AI"], type="cross")
LG = Item("2411.00003", "LG paper", categories=["cs.LG"])


def use_atom(env: Env, arxiv: FakeArxiv) -> Env:
    env.settings.arxiv_feed_format = "atom"
    env.settings.arxiv_atom_base_url = arxiv.atom_base
    return env


async def count(env: Env, model: type) -> int:
    async with env.sessions() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def test_atom_fetches_every_category_in_one_request_and_keeps_each_outcome(store_env: Env) -> None:
    with FakeArxiv() as arxiv:
        arxiv.atom["cs.AI+cs.LG+cs.DC"] = atom("cs.AI+cs.LG+cs.DC", [AI, BOTH, LG])
        run = await fetch(use_atom(store_env, arxiv), config("cs.AI", "cs.LG", "cs.DC"))
    assert arxiv.requests == ["atom:cs.AI+cs.LG+cs.DC"]
    assert (run.status, run.items, run.new) == ("ok", 3, 3)
    assert [(f["category"], f["status"], f["items"]) for f in run.feeds] == [
        ("cs.AI", "ok", 2), ("cs.LG", "ok", 2), ("cs.DC", "empty", 0)]
    async with store_env.sessions() as session:
        items = [(i.arxiv_id, i.feed_category) for i in await session.exec(select(RunItem).order_by(RunItem.position))]
    assert items == [("2411.00001", "cs.AI"), ("2411.00002", "cs.AI"), ("2411.00002", "cs.LG"),
                     ("2411.00003", "cs.LG")]


async def test_an_unknown_category_in_one_atom_request_is_named_and_the_others_still_come(store_env: Env) -> None:
    error = atom("cs.XX", [], title="Feed error for query: http://rss.arxiv.org/atom/cs.XX")
    with FakeArxiv() as arxiv:
        arxiv.atom.update({"cs.AI+cs.XX": error, "cs.XX": error, "cs.AI": atom("cs.AI", [AI])})
        run = await fetch(use_atom(store_env, arxiv), config("cs.AI", "cs.XX"))
    assert arxiv.requests == ["atom:cs.AI+cs.XX", "atom:cs.AI", "atom:cs.XX"]
    outcomes = {f["category"]: f for f in run.feeds}
    assert (run.status, run.items) == ("partial", 1)
    assert outcomes["cs.AI"]["status"] == "ok"
    assert (outcomes["cs.XX"]["status"], outcomes["cs.XX"]["kind"]) == ("error", "configuration")
    assert outcomes["cs.XX"]["error"].startswith("configuration error: arXiv knows no category 'cs.XX'")


async def test_an_unknown_rss_category_is_a_configuration_error_in_the_run_record(store_env: Env) -> None:
    error = feed("cs.XX", []).replace(b"<title>cs.XX updates on arXiv.org</title>",
                                      b"<title>Feed error for query: http://rss.arxiv.org/rss/cs.XX</title>")
    with FakeArxiv(feeds={"cs.XX": error, "cs.AI": feed("cs.AI", [AI])}) as arxiv:
        run = await fetch(use(store_env, arxiv), config("cs.AI", "cs.XX"))
    bad = next(f for f in run.feeds if f["category"] == "cs.XX")
    assert (run.status, bad["status"], bad["kind"]) == ("partial", "error", "configuration")


async def test_an_unchanged_feed_costs_a_304_and_stores_nothing_new(store_env: Env) -> None:
    store_env.settings.arxiv_contact = "ops@example.org"
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", [AI, BOTH]), "cs.LG": feed("cs.LG", [BOTH, LG])},
                   validators=True) as arxiv:
        first = await fetch(use(store_env, arxiv), config("cs.AI", "cs.LG"))
        stored = [await count(store_env, m) for m in (Paper, PaperVersion, RunItem)]
        second = await fetch(store_env, config("cs.AI", "cs.LG"))
    assert arxiv.not_modified == 2
    assert all("If-None-Match" not in h for h in arxiv.feed_headers[:2])
    assert all(h["If-None-Match"].startswith('"') and "If-Modified-Since" in h for h in arxiv.feed_headers[2:])
    assert all(h["User-Agent"].endswith("mailto:ops@example.org)") for h in arxiv.feed_headers)
    assert (first.status, second.status) == ("ok", "stale")
    # Nothing stored twice; the stale run carries the day's four feed items (three papers) to be scored again.
    assert (second.items, second.new, second.changed, second.announced) == (3, 0, 0, first.announced)
    assert [(f["status"], f["announced"]) for f in second.feeds] == [("stale", "2024-11-28")] * 2
    assert [await count(store_env, m) for m in (Paper, PaperVersion, RunItem)] == [*stored[:2], stored[2] + 4]
    assert b'arxiv_bot_feeds_total{status="stale"} 2.0' in store_env.metrics.render()


async def test_a_new_announcement_after_a_304_is_fetched_whole(store_env: Env) -> None:
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", [AI])}, validators=True) as arxiv:
        await fetch(use(store_env, arxiv), config("cs.AI"))
        await fetch(store_env, config("cs.AI"))
        arxiv.feeds["cs.AI"] = feed("cs.AI", [Item("2411.00009", "Next day")], pub="Fri, 29 Nov 2024 00:00:00 -0500")
        third = await fetch(store_env, config("cs.AI"))
    assert (third.status, third.new, str(third.announced)) == ("ok", 1, "2024-11-29")
    async with store_env.sessions() as session:
        state = (await session.exec(select(FeedState))).one()
    assert (state.url, str(state.announced)) == (arxiv.base + "cs.AI", "2024-11-29")


async def test_the_same_items_in_a_rebuilt_feed_are_not_stale(store_env: Env) -> None:
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", [AI], built="Thu, 28 Nov 2024 01:00:00 -0500")}) as arxiv:
        await fetch(use(store_env, arxiv), config("cs.AI"))
        same = await fetch(store_env, config("cs.AI"))
        arxiv.feeds["cs.AI"] = feed("cs.AI", [AI], built="Fri, 29 Nov 2024 01:00:00 -0500")
        rebuilt = await fetch(store_env, config("cs.AI"))
    assert same.status == "stale" and (rebuilt.status, rebuilt.unchanged) == ("ok", 1)


async def test_an_empty_day_is_never_stale(store_env: Env) -> None:
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", [])}) as arxiv:
        await fetch(use(store_env, arxiv), config("cs.AI"))
        again = await fetch(store_env, config("cs.AI"))
    assert again.status == "empty"
