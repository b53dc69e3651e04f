"""The API's read queries on both stores: the same filters, search and keyset pages on PostgreSQL and SQLite."""
from __future__ import annotations

from datetime import date

import pytest

from shared.repository import Repository
from shared.repository.api import PaperFilter
from shared.runtime import Env
from tests.feeds import Item
from tests.publisher.api.store import PAPERS, config, published_run

EXTRA = [Item("2411.00005", "100% fast_path LLM decoding", "A literal percent sign and an underscore.",
              categories=["cs.LG"])]


async def page(env: Env, filters: PaperFilter, limit: int = 50, after: tuple | None = None) -> list[tuple]:
    async with env.sessions() as session:
        return await Repository(session).papers_page(filters, after, limit)


async def ids(env: Env, **filters: object) -> list[str]:
    return [paper.arxiv_id for paper, _ in await page(env, PaperFilter(**filters))]  # type: ignore[arg-type]


@pytest.mark.parametrize(("q", "expected"), [
    ("sparse", {"2411.00001", "hep-th/9901001"}), ("Quantization accuracy", {"2411.00002"}), ("nothing", set())])
async def test_search_on_both_stores(store_env: Env, q: str, expected: set[str]) -> None:
    await published_run(store_env, config(), PAPERS + EXTRA)
    assert set(await ids(store_env, q=q)) == expected


@pytest.mark.parametrize(("q", "expected"), [("100%", {"2411.00005"}), ("%", {"2411.00005"}),
                                             ("_", {"2411.00005"}), ("fast_path", {"2411.00005"})])
async def test_like_wildcards_are_literal_on_sqlite(sqlite_env: Env, q: str, expected: set[str]) -> None:
    await published_run(sqlite_env, config(), PAPERS + EXTRA)
    assert set(await ids(sqlite_env, q=q)) == expected


async def test_filters_and_pages_on_both_stores(store_env: Env) -> None:
    await published_run(store_env, config(), PAPERS + EXTRA)
    assert set(await ids(store_env, category="cs.LG")) == {"2411.00001", "2411.00002", "2411.00005"}
    assert set(await ids(store_env, category="cs.L")) == set()  # a whole category, not a prefix
    assert await ids(store_env, announce_type="cross") == ["2411.00003"]
    assert len(await ids(store_env, since=date(2024, 11, 28), until=date(2024, 11, 28))) == 5
    for sort in ("date", "score"):
        everything = await page(store_env, PaperFilter(sort=sort))
        walked, after = [], None
        while True:
            rows = await page(store_env, PaperFilter(sort=sort), limit=2, after=after)
            walked += rows
            if len(rows) < 2:
                break
            paper, score = rows[-1]
            after = (score if sort == "score" else paper.announced, paper.arxiv_id)
        assert [p.arxiv_id for p, _ in walked] == [p.arxiv_id for p, _ in everything]
    scores = [score for _, score in await page(store_env, PaperFilter(sort="score"))]
    assert scores == sorted(scores, reverse=True)
    assert all(score >= scores[1] for _, score in await page(store_env, PaperFilter(min_score=scores[1])))
