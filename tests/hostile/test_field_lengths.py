"""Absurd field lengths: a 1 MB title, 100,000 authors, 10,000 categories in one item are skipped and named
(briefly) while the rest of the day is stored; a paper at every bound at once (a 1,000-character title, a
10,000-character abstract, 5,000 authors, 64 categories) goes through the whole pipeline and is published.
"""
from __future__ import annotations

import json
import logging

import feedparser
import pytest
from sqlmodel import select

from shared.config import BotConfig
from shared.models import Paper
from shared.runtime import Env
from services.fetcher.arxiv import MAX_CATEGORIES, MAX_CREATOR_CHARS, MAX_TITLE_CHARS
from services.fetcher.fetch import fetch_now
from services.publisher.feeds.items import clean
from tests.feeds import Item, feed
from tests.publisher.gfm import live_markup, read, render
from tests.servers import FakeArxiv, FakeLLM
from tests.summarizer.runs import cfg, published, run

CATEGORIES = [f"cs.{chr(65 + i // 676 % 26)}{chr(65 + i // 26 % 26)}{chr(65 + i % 26)}" for i in range(10_000)]
ABSURD = [Item("2411.00002", "Sparse " + "x" * (1024 * 1024)),
          Item("2411.00003", "Sparse many authors", authors=", ".join(f"Author {n}" for n in range(100_000))),
          Item("2411.00004", "Sparse many categories", categories=["cs.AI", *CATEGORIES])]
REASONS = {"2411.00002": f"title of {len(ABSURD[0].title)} characters exceeds {MAX_TITLE_CHARS}",
           "2411.00003": f"author list of {len(ABSURD[1].authors)} characters exceeds {MAX_CREATOR_CHARS}",
           "2411.00004": "10001 categories exceed 64"}


async def test_absurd_fields_skip_their_item_and_are_named_briefly(pg_env: Env,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    items = [Item("2411.00001", "Sparse before"), *ABSURD, Item("2411.00005", "Sparse after")]
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", items)}) as arxiv, caplog.at_level(logging.WARNING):
        pg_env.settings.arxiv_rss_base_url = arxiv.base
        run_, started = await fetch_now(pg_env, BotConfig(categories=["cs.AI"]), "test")
    assert started and (run_.status, run_.items) == ("ok", 2)
    (outcome,) = run_.feeds
    named = {b.split(":")[1].strip(): b.split(":", 2)[2].strip() for b in outcome["bad_items"]}
    assert named == REASONS
    assert len(json.dumps(run_.feeds)) < 2_000  # named, not copied into the run record
    skipped = [r.getMessage() for r in caplog.records if "skipping item" in r.getMessage()]
    assert len(skipped) == 3 and all(len(m) < 300 for m in skipped)  # once each, and short
    async with pg_env.sessions() as session:
        assert sorted(p.arxiv_id for p in await session.exec(select(Paper))) == ["2411.00001", "2411.00005"]


@pytest.fixture
def env(pg_env: Env, monkeypatch: pytest.MonkeyPatch) -> Env:
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "test-key")
    return pg_env


async def test_a_paper_at_every_bound_is_summarized_and_published(env: Env) -> None:
    authors = ", ".join(f"Author Number {n:04d}" for n in range(5_000))
    assert len(authors) <= MAX_CREATOR_CHARS
    biggest = Item("2411.00001", ("Sparse " + "long title " * 100)[:MAX_TITLE_CHARS],
                   ("Sparse abstract. " * 600)[:10_000], authors=authors,
                   categories=["cs.AI", *CATEGORIES[:MAX_CATEGORIES - 1]])
    with FakeLLM() as llm:
        run_id = await run(env, cfg(llm, wanted=2), [biggest, Item("2411.00002", "Sparse small", categories=["cs.AI"])])
    assert len(llm.requests) == 2
    readme, rss = await published(env, run_id)
    page = read(render(readme))
    assert [t for t, _ in page.h3 if t[:1].isdigit()] == [f"1. {clean(biggest.title)}", "2. Sparse small"]
    assert live_markup(page) == [a for a in live_markup(page) if a.startswith("<a href='https://arxiv.org/abs/")]
    assert "Author Number 4999" in readme
    parsed = feedparser.parse(rss.encode())
    assert not parsed.bozo and len(parsed.entries) == 2
    async with env.sessions() as session:
        paper = (await session.exec(select(Paper).where(Paper.arxiv_id == "2411.00001"))).one()
    assert (len(paper.authors), len(paper.categories), len(paper.abstract)) == (5_000, MAX_CATEGORIES, 10_000)
