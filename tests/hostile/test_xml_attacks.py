"""XML bombs, external entities, DTDs and XInclude, end to end: from a local arXiv through the real fetch into
the store (PostgreSQL and SQLite), and through the summarizer's HTML reader to what the model is sent.

Each hostile feed costs its own category with a clear error, logged once; the other category's papers are
stored as if nothing happened, nothing from the hostile feed is stored, and no file is read and no URL the
document names is requested.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlmodel import select

from shared.config import BotConfig
from shared.models import Paper, Summary
from shared.runtime import Env
from services.fetcher.arxiv import parse_feed
from services.fetcher.fetch import fetch_now
from tests.feeds import Item, feed
from tests.hostile.payloads import PASSWD_MARKERS, html_attacks, xinclude_feed, xml_attacks
from tests.servers import FakeArxiv, FakeLLM
from tests.summarizer.documents import html_page
from tests.summarizer.runs import cfg, run

GOOD = [Item("2411.00001", "Sparse attention"), Item("2411.00002", "Sparse kernels")]
ATTACKS = list(xml_attacks("http://127.0.0.1:9"))


@pytest.fixture
def evil() -> Iterator[FakeArxiv]:
    """A server the hostile documents point at: whatever reaches it shows up in its request logs."""
    with FakeArxiv() as server:
        yield server


async def stored(env: Env) -> list[Paper]:
    async with env.sessions() as session:
        return list(await session.exec(select(Paper).order_by(Paper.arxiv_id)))


def assert_nothing_leaked(texts: list[str]) -> None:
    joined = "\n".join(texts)
    assert not any(marker in joined for marker in PASSWD_MARKERS)
    assert "lollollol" not in joined and "AAAAAAAAAA" not in joined


@pytest.mark.parametrize("attack", ATTACKS)
async def test_a_hostile_feed_costs_its_category_only(pg_env: Env, evil: FakeArxiv, attack: str,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    await fetch_hostile(pg_env, evil, attack, caplog)


async def test_on_sqlite_too_a_bomb_costs_its_category_only(sqlite_env: Env, evil: FakeArxiv,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    await fetch_hostile(sqlite_env, evil, "billion-laughs", caplog)


async def fetch_hostile(store_env: Env, evil: FakeArxiv, attack: str, caplog: pytest.LogCaptureFixture) -> None:
    feeds = {"cs.AI": xml_attacks(evil.url)[attack], "cs.LG": feed("cs.LG", GOOD)}
    with FakeArxiv(feeds=feeds) as arxiv, caplog.at_level(logging.WARNING):
        store_env.settings.arxiv_rss_base_url = arxiv.base
        run, started = await fetch_now(store_env, BotConfig(categories=["cs.AI", "cs.LG"]), "test")
    assert started and (run.status, run.items, run.new) == ("partial", 2, 2)
    (hostile, good) = run.feeds
    assert (hostile["category"], hostile["status"], good["status"]) == ("cs.AI", "error", "ok")
    assert hostile["error"] == "cs.AI: forbidden XML construct (DTDForbidden)"
    papers = await stored(store_env)
    assert [p.arxiv_id for p in papers] == ["2411.00001", "2411.00002"]
    assert_nothing_leaked([p.title + p.abstract for p in papers] + [str(run.feeds)])
    assert evil.requests == [] and evil.fulltext_requests == []  # no entity, DTD or parameter entity fetched
    logged = [r for r in caplog.records if "cs.AI" in r.getMessage() and r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in logged] == ["feed cs.AI failed: cs.AI: forbidden XML construct (DTDForbidden)"]


async def test_xinclude_is_not_followed(pg_env: Env) -> None:
    store_env = pg_env
    feeds = {"cs.AI": xinclude_feed(), "cs.LG": feed("cs.LG", GOOD)}
    with FakeArxiv(feeds=feeds) as arxiv:
        store_env.settings.arxiv_rss_base_url = arxiv.base
        run, _ = await fetch_now(store_env, BotConfig(categories=["cs.AI", "cs.LG"]), "test")
    assert (run.status, run.items) == ("ok", 3)
    papers = {p.arxiv_id: p for p in await stored(store_env)}
    assert papers["2411.90002"].title == "Included"  # the element is dropped, not followed
    assert_nothing_leaked([p.title + p.abstract for p in papers.values()])


def test_deep_nesting_is_harmless() -> None:
    """100,000 nested elements inside one item: the parser neither overflows the stack nor loses an item (the
    junk element is simply not a field we read)."""
    deep = b"<x>" * 100_000 + b"deep" + b"</x>" * 100_000
    body = feed("cs.AI", [Item("2411.00001", "Before"), Item("2411.00002", "DEEP"), Item("2411.00003", "After")])
    body = body.replace(b"<title>DEEP</title>", b"<title>DEEP</title><junk>" + deep + b"</junk>")
    parsed = parse_feed(body, "cs.AI")
    assert [i.arxiv_id for i in parsed.items] == ["2411.00001", "2411.00002", "2411.00003"]
    assert parsed.bad_items == [] and parsed.items[1].title == "DEEP"


# --- the summarizer's HTML reader -----------------------------------------------------------------------


@pytest.fixture
def summarizing(pg_env: Env, evil: FakeArxiv, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Env, FakeArxiv]]:
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "test-key")
    with FakeArxiv() as arxiv:
        pg_env.settings.arxiv_base_url = arxiv.url
        pg_env.settings.llm_backoff_seconds = 0.01
        yield pg_env, arxiv


@pytest.mark.parametrize("attack", list(html_attacks("http://127.0.0.1:9", html_page("t", "m"))))
async def test_a_hostile_html_full_text_is_read_as_text_and_reaches_out_nowhere(
        summarizing: tuple[Env, FakeArxiv], evil: FakeArxiv, attack: str) -> None:
    env, arxiv = summarizing
    arxiv.html["2411.00001v1"] = html_attacks(evil.url, html_page("Sparse attention", "QUOKKA"))[attack]
    with FakeLLM() as llm:
        await run(env, cfg(llm, wanted=2), GOOD)
    sent = {r["messages"][-1]["content"].split("\n", 1)[0]: r["messages"][-1]["content"] for r in llm.requests}
    assert set(sent) == {"Title: Sparse attention", "Title: Sparse kernels"}  # both papers summarized
    hostile = sent["Title: Sparse attention"]
    # The paper's own text is read as usual, whatever was put in front of it.
    assert "QUOKKA-method: we count hops per second." in hostile
    assert_nothing_leaked(list(sent.values()))
    assert "&xxe;" not in hostile and "&lol9;" not in hostile
    assert evil.requests == [] and evil.fulltext_requests == []
    async with env.sessions() as session:
        rows = {s.arxiv_id: s for s in await session.exec(select(Summary))}
    assert (rows["2411.00001"].status, rows["2411.00001"].source) == ("done", "html")
    assert rows["2411.00002"].status == "done"
