"""Versions, announce types and readable text of a fetch run (services/fetcher/fetch.py with
shared/repository/versions.py), against FakeArxiv, on PostgreSQL and SQLite."""
from __future__ import annotations

from sqlmodel import col, func, select

from shared.models import Paper, PaperVersion, RunItem
from shared.repository import Repository
from shared.runtime import Env
from tests.feeds import Item, feed
from tests.fetcher.test_fetch import config, fetch, outbox, use
from tests.servers import FakeArxiv


async def versions(env: Env, arxiv_id: str) -> list[tuple[int, str]]:
    async with env.sessions() as session:
        return [(v.version, v.title) for v in await Repository(session).versions_of(arxiv_id)]


async def count(env: Env, model: type) -> int:
    async with env.sessions() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def test_a_replacement_keeps_both_versions_updates_the_paper_and_emits_one_message(store_env: Env) -> None:
    day1 = feed("cs.AI", [Item("2411.00001", "First title"), Item("2411.00002", "Other"),
                          Item("2411.00003", "Third")])
    day2 = feed("cs.AI", [Item("2411.00001", "Second title", version=2, type="replace"),
                          Item("2411.00003", "Third, again", version=4, type="replace"),
                          Item("2411.00004", "New one")])
    with FakeArxiv(feeds={"cs.AI": day1}) as arxiv:
        await fetch(use(store_env, arxiv), config("cs.AI"))
        arxiv.feeds["cs.AI"] = day2
        run = await fetch(store_env, config("cs.AI"))
    assert (run.new, run.changed) == (1, 2)
    assert await versions(store_env, "2411.00001") == [(1, "First title"), (2, "Second title")]
    async with store_env.sessions() as session:
        paper = await session.get(Paper, "2411.00001")
    assert (paper.version, paper.title, paper.announce_type) == (2, "Second title", "replace")
    updates = [body for key, body in await outbox(store_env) if key == "paper.updated"]
    assert len(updates) == 1 and updates[0]["run_id"] == run.id
    assert updates[0]["papers"] == [{"arxiv_id": "2411.00001", "version": 2, "previous_version": 1},
                                    {"arxiv_id": "2411.00003", "version": 4, "previous_version": 1}]


async def test_fetching_the_same_day_twice_stores_nothing_twice(store_env: Env) -> None:
    day = feed("cs.AI", [Item("2411.00001", "A"), Item("2411.00002", "B", version=3, type="replace")])
    with FakeArxiv(feeds={"cs.AI": day, "cs.LG": day}) as arxiv:
        await fetch(use(store_env, arxiv), config("cs.AI", "cs.LG"))
        before = (await count(store_env, Paper), await count(store_env, PaperVersion))
        await fetch(store_env, config("cs.AI", "cs.LG"))
        after = (await count(store_env, Paper), await count(store_env, PaperVersion))
    assert before == after == (2, 2)
    assert [key for key, _ in await outbox(store_env)] == ["run.fetched", "run.fetched"]


async def test_an_older_version_seen_late_joins_the_history_but_never_becomes_current(store_env: Env) -> None:
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", [Item("2411.00001", "Third", version=3)])}) as arxiv:
        await fetch(use(store_env, arxiv), config("cs.AI"))
        arxiv.feeds["cs.AI"] = feed("cs.AI", [Item("2411.00001", "Second", version=2)])
        await fetch(store_env, config("cs.AI"))
    async with store_env.sessions() as session:
        paper = await session.get(Paper, "2411.00001")
    assert (paper.version, paper.title) == (3, "Third")
    assert await versions(store_env, "2411.00001") == [(2, "Second"), (3, "Third")]
    assert "paper.updated" not in [key for key, _ in await outbox(store_env)]


async def test_a_paper_seen_through_several_categories_is_stored_once_with_their_union(store_env: Env) -> None:
    feeds = {"cs.AI": feed("cs.AI", [Item("2411.00001", "Shared", categories=["cs.AI", "cs.CL"])]),
             "cs.LG": feed("cs.LG", [Item("2411.00001", "Shared", categories=["cs.LG", "cs.AI", "stat.ML"])])}
    with FakeArxiv(feeds=feeds) as arxiv:
        run = await fetch(use(store_env, arxiv), config("cs.AI", "cs.LG"))
    async with store_env.sessions() as session:
        papers = list(await session.exec(select(Paper)))
    assert run.items == 1 and len(papers) == 1
    assert (papers[0].primary_category, papers[0].categories) == ("cs.AI", ["cs.AI", "cs.CL", "cs.LG", "stat.ML"])
    assert await versions(store_env, "2411.00001") == [(1, "Shared")]


async def test_every_announce_type_is_stored_for_the_scorer(store_env: Env) -> None:
    items = [Item("2411.00001", "N", type="new"), Item("2411.00002", "C", type="cross"),
             Item("2411.00003", "R", version=2, type="replace"),
             Item("2411.00004", "RC", version=5, type="replace-cross")]
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", items)}) as arxiv:
        run = await fetch(use(store_env, arxiv), config("cs.AI"))
    async with store_env.sessions() as session:
        seen = [(i.arxiv_id, i.announce_type) for i, _ in await Repository(session).run_items(run.id)]
        stored = {v.arxiv_id: v.announce_type for v in await session.exec(select(PaperVersion))}
    assert seen == [("2411.00001", "new"), ("2411.00002", "cross"), ("2411.00003", "replace"),
                    ("2411.00004", "replace-cross")]
    assert stored == dict(seen)
    async with store_env.sessions() as session:
        assert len(list(await session.exec(select(RunItem).order_by(col(RunItem.position))))) == 4


async def test_the_readable_text_is_stored_beside_the_raw(store_env: Env) -> None:
    item = Item("2411.00001", 'Schr\\"odinger bridges in $O(n^2)$ --- fast',
                abstract="We use \\emph{\\'etale} maps.\nSecond line.")
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", [item])}) as arxiv:
        await fetch(use(store_env, arxiv), config("cs.AI"))
    async with store_env.sessions() as session:
        paper = await session.get(Paper, "2411.00001")
        version = await session.get(PaperVersion, ("2411.00001", 1))
    assert paper.title == 'Schr\\"odinger bridges in $O(n^2)$ --- fast'
    assert paper.title_text == "Schrödinger bridges in O(n²) — fast"
    assert paper.abstract == "We use \\emph{\\'etale} maps.\nSecond line."
    assert paper.abstract_text == "We use étale maps. Second line."
    assert version.title == paper.title  # the history keeps the raw text


async def test_replacements_reach_the_profiles_that_ask_for_them(store_env: Env) -> None:
    from shared.config import BotConfig
    from shared.messages import RunFetched
    from shared.models import Score
    from services.scorer.worker import on_run_fetched
    cfg = BotConfig(categories=["cs.AI"], keywords=["graph"], days_back=3650, min_score=0,
                    profiles={"all": {"announce_types": ["new", "cross", "replace", "replace-cross"]}})
    items = [Item("2411.00001", "A graph paper", type="new"), Item("2411.00002", "A graph cross", type="cross"),
             Item("2411.00003", "A graph revision", version=2, type="replace")]
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", items)}) as arxiv:
        run = await fetch(use(store_env, arxiv), cfg)
    await on_run_fetched(RunFetched(run_id=run.id, status="ok", items=3, new=3, changed=0), store_env)
    async with store_env.sessions() as session:
        scores = list(await session.exec(select(Score).where(col(Score.near_miss).is_(False))))
    chosen = {p: sorted(s.arxiv_id for s in scores if s.profile == p) for p in ("default", "all")}
    assert chosen == {"default": ["2411.00001"], "all": ["2411.00001", "2411.00002", "2411.00003"]}
