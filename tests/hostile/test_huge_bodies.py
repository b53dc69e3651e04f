"""A 100 MB body from arXiv, for a feed and for a paper's full text, streamed by the local arXiv 64 KiB at a
time (never built whole), with and without a Content-Length: refused at the byte limit, with memory bounded
by the limit, not by the body, and nothing else lost.

Memory is what Python allocated (tracemalloc's peak) while the run fetched: the body stops being read at the
limit, so the peak stays near the limit whatever the server offers.
"""
from __future__ import annotations

import tracemalloc
from collections.abc import Awaitable, Iterator
from typing import TypeVar

import pytest
from sqlmodel import select

from shared.config import BotConfig
from shared.models import Paper, Summary
from shared.runtime import Env
from services.fetcher.fetch import fetch_now
from services.summarizer import tokens
from tests.feeds import Item, feed
from tests.servers import FakeArxiv, FakeLLM
from tests.summarizer.documents import html_page
from tests.summarizer.runs import cfg, run

MB = 1024 * 1024
BODY = 100 * MB
LIMIT = 4 * MB
T = TypeVar("T")


async def peak_while(work: Awaitable[T]) -> tuple[T, int]:
    """What `work` returns and the most memory Python held at once while it ran, above what it held before."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = await work
        return result, tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("declared", [False, True], ids=["streamed", "declared"])
async def test_a_100_mb_feed_is_refused_at_the_limit_and_the_other_feeds_arrive(pg_env: Env, declared: bool) -> None:
    pg_env.settings.max_feed_bytes = LIMIT
    with FakeArxiv(feeds={"cs.LG": feed("cs.LG", [Item("2411.00001", "Fine paper")])}) as arxiv:
        arxiv.huge["/rss/cs.AI"] = (BODY, declared)
        pg_env.settings.arxiv_rss_base_url = arxiv.base
        (run, started), peak = await peak_while(fetch_now(pg_env, BotConfig(categories=["cs.AI", "cs.LG"]), "t"))
    assert started and (run.status, run.items) == ("partial", 1)
    huge, fine = run.feeds
    assert (huge["status"], fine["status"]) == ("error", "ok")
    if declared:  # refused on the header alone
        assert huge["error"].endswith(f"body of {BODY} bytes exceeds the {LIMIT}-byte limit")
    else:
        assert huge["error"].endswith(f"body exceeds the {LIMIT}-byte limit")
    # The server wrote what the socket buffers took before the client hung up: nowhere near 100 MB...
    assert arxiv.sent.get("/rss/cs.AI", 0) < BODY // 2
    # ...and the process held about the limit at most, not the body.
    assert peak < 3 * LIMIT, f"peak {peak / MB:.1f} MB"
    async with pg_env.sessions() as session:
        assert [p.arxiv_id for p in await session.exec(select(Paper))] == ["2411.00001"]


@pytest.fixture
def arxiv(pg_env: Env, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArxiv]:
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "test-key")
    tokens.count("warm up")  # the tokenizer's vocabulary is loaded once per process: not what is measured here
    with FakeArxiv() as server:
        pg_env.settings.arxiv_base_url = server.url
        pg_env.settings.fulltext_max_html_bytes = pg_env.settings.fulltext_max_pdf_bytes = LIMIT
        yield server


@pytest.mark.parametrize("declared", [False, True], ids=["streamed", "declared"])
async def test_a_100_mb_full_text_gives_an_abstract_summary_and_the_other_paper_its_full_one(
        pg_env: Env, arxiv: FakeArxiv, declared: bool) -> None:
    arxiv.huge["/html/2411.00001v1"] = arxiv.huge["/pdf/2411.00001v1"] = (BODY, declared)
    arxiv.html["2411.00002v1"] = html_page("Sparse kernels", "FINE")
    items = [Item("2411.00001", "Sparse attention", "Sparse abstract one."), Item("2411.00002", "Sparse kernels")]
    with FakeLLM() as llm:
        _, peak = await peak_while(run(pg_env, cfg(llm, wanted=2), items))
    async with pg_env.sessions() as session:
        rows = {s.arxiv_id: s for s in await session.exec(select(Summary))}
    huge, fine = rows["2411.00001"], rows["2411.00002"]
    assert (huge.status, huge.source, huge.source_detail) == (
        "done", "abstract", "the full text is larger than the download limit")
    assert (fine.status, fine.source) == ("done", "html")
    asked = [r["messages"][-1]["content"] for r in llm.requests]
    assert any(a.startswith("Title: Sparse attention") and a.endswith("Sparse abstract one.") for a in asked)
    assert all(arxiv.sent.get(path, 0) < BODY // 2 for path in ("/html/2411.00001v1", "/pdf/2411.00001v1"))
    assert peak < 3 * LIMIT, f"peak {peak / MB:.1f} MB"
