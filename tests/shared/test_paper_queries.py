"""Bulk paper upserts and run items (shared/repository/papers.py), on both stores."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from shared.models import FetchRun, Paper, RunItem, utcnow
from shared.repository import Repository
from shared.runtime import Env


def paper(arxiv_id: str, version: int = 1, title: str = "A title", **extra: Any) -> dict[str, Any]:
    now = extra.pop("now", utcnow())
    values = dict(arxiv_id=arxiv_id, version=version, title=title, abstract=f"About {arxiv_id}.",
                  authors=["Ada Lovelace", "Alan Turing"], categories=["cs.AI", "cs.LG"], primary_category="cs.AI",
                  announce_type="new", announced=date(2024, 11, 28), abs_url=f"https://arxiv.org/abs/{arxiv_id}",
                  pdf_url=f"https://arxiv.org/pdf/{arxiv_id}", content_hash=f"{arxiv_id}-{version}-{title}",
                  first_seen_at=now, updated_at=now)
    return {**values, **extra}


async def upsert(env: Env, rows: list[dict[str, Any]]) -> None:
    async with env.sessions() as session, session.begin():
        await Repository(session).upsert_papers(rows)


async def stored(env: Env) -> dict[str, Paper]:
    async with env.sessions() as session:
        return {p.arxiv_id: p for p in await session.exec(select(Paper))}


async def test_ten_thousand_papers_in_one_call_are_stored_whole(store_env: Env) -> None:
    rows = [paper(f"2411.{i:05d}", title=f"Paper number {i}") for i in range(10_000)]
    await upsert(store_env, rows)
    papers = await stored(store_env)
    assert len(papers) == 10_000
    last = papers["2411.09999"]
    assert (last.title, last.authors, last.categories, last.announced) == (
        "Paper number 9999", ["Ada Lovelace", "Alan Turing"], ["cs.AI", "cs.LG"], date(2024, 11, 28))
    assert last.first_seen_at.tzinfo is not None


async def test_a_newer_version_replaces_the_paper_but_keeps_when_it_was_first_seen(store_env: Env) -> None:
    first = utcnow() - timedelta(days=3)
    await upsert(store_env, [paper("2411.00001", now=first), paper("2411.00002", now=first)])
    await upsert(store_env, [paper("2411.00001", version=2, title="Revised"), paper("2411.00003")])
    papers = await stored(store_env)
    assert sorted(papers) == ["2411.00001", "2411.00002", "2411.00003"]
    revised = papers["2411.00001"]
    assert (revised.version, revised.title) == (2, "Revised")
    assert revised.first_seen_at == first and revised.updated_at > first
    assert papers["2411.00002"].title == "A title"


async def test_an_older_version_seen_late_does_not_overwrite_a_newer_one(store_env: Env) -> None:
    await upsert(store_env, [paper("2411.00001", version=3, title="Third")])
    await upsert(store_env, [paper("2411.00001", version=2, title="Second")])
    assert (await stored(store_env))["2411.00001"].title == "Third"


async def test_the_same_rows_twice_change_nothing(store_env: Env) -> None:
    """Two fetches of the same new papers (the loser of a race on their key) both succeed."""
    rows = [paper(f"2411.{i:05d}") for i in range(50)]
    await upsert(store_env, rows)
    before = await stored(store_env)
    await upsert(store_env, [{**row, "updated_at": utcnow() + timedelta(hours=1)} for row in rows])
    after = await stored(store_env)
    assert {k: p.updated_at for k, p in after.items()} == {k: p.updated_at for k, p in before.items()}


async def test_upsert_is_part_of_the_callers_transaction(store_env: Env) -> None:
    try:
        async with store_env.sessions() as session, session.begin():
            await Repository(session).upsert_papers([paper("2411.00001")])
            raise RuntimeError("the fetch failed after storing")
    except RuntimeError:
        pass
    assert await stored(store_env) == {}


async def test_run_items_in_bulk_keep_their_order_and_join_their_papers(store_env: Env) -> None:
    async with store_env.sessions() as session, session.begin():
        session.add(FetchRun(id="run1", started_at=utcnow(), status="ok", stage="fetched"))
        repo = Repository(session)
        await repo.upsert_papers([paper(f"2411.{i:05d}") for i in range(6_000)])
        await repo.add_run_items([dict(run_id="run1", position=p, arxiv_id=f"2411.{(p * 7) % 6_000:05d}", version=1,
                                       feed_category="cs.AI" if p % 2 else "cs.LG", announce_type="new")
                                  for p in range(12_000)])
        await repo.add_run_items([])
        await repo.upsert_papers([])
    async with store_env.sessions() as session:
        repo = Repository(session)
        items = await repo.run_items("run1")
        count = (await session.exec(select(func.count()).select_from(RunItem)
                                    .where(col(RunItem.run_id) == "run1"))).one()
        versions = await repo.paper_versions(["2411.00003", "2411.99999"])
    assert count == 12_000
    assert [item.position for item, _ in items] == list(range(12_000))
    assert all(item.arxiv_id == p.arxiv_id for item, p in items)
    assert items[5][1].arxiv_id == "2411.00035" and items[5][0].feed_category == "cs.AI"
    assert versions == {"2411.00003": (1, "2411.00003-1-A title")}


async def test_a_paper_twice_in_one_call_keeps_its_newest_version(store_env: Env) -> None:
    await upsert(store_env, [paper("2411.00001", version=2, title="Second"), paper("2411.00001", title="First"),
                             paper("2411.00002", title="Old"), paper("2411.00002", title="Last seen")])
    papers = await stored(store_env)
    assert (papers["2411.00001"].version, papers["2411.00001"].title) == (2, "Second")
    assert papers["2411.00002"].title == "Last seen"


async def test_two_upserts_in_one_transaction(store_env: Env) -> None:
    async with store_env.sessions() as session, session.begin():
        repo = Repository(session)
        await repo.upsert_papers([paper("2411.00001")])
        await repo.upsert_papers([paper("2411.00001", version=2, title="Revised"), paper("2411.00002")])
    papers = await stored(store_env)
    assert sorted(papers) == ["2411.00001", "2411.00002"] and papers["2411.00001"].title == "Revised"


async def test_a_naive_timestamp_is_refused_and_nothing_is_stored(store_env: Env) -> None:
    naive = utcnow().replace(tzinfo=None)
    try:
        await upsert(store_env, [paper("2411.00001"), paper("2411.00002", now=naive)])
    except Exception as exc:  # noqa: BLE001 - the driver wraps it differently per store
        assert "zone-aware" in str(exc)
    else:
        raise AssertionError("a naive timestamp was stored")
    assert await stored(store_env) == {}


async def test_a_new_version_from_a_feed_keeps_what_the_export_api_added(store_env: Env) -> None:
    await upsert(store_env, [paper("2411.00001", comments="12 pages", journal_ref="J. X 1 (2025)", doi="10.1/x")])
    await upsert(store_env, [paper("2411.00001", version=2, title="Revised")])  # a feed knows none of the three
    await upsert(store_env, [paper("2411.00001", version=3, title="Again", doi="10.1/y")])
    revised = (await stored(store_env))["2411.00001"]
    assert (revised.version, revised.title) == (3, "Again")
    assert (revised.comments, revised.journal_ref, revised.doi) == ("12 pages", "J. X 1 (2025)", "10.1/y")
