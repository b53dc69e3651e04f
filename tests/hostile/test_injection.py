"""HTML, JavaScript and Markdown injection in titles, abstracts, authors and LLM summaries, end to end: a local
arXiv serves them, the real fetcher, scorer, summarizer (a local LLM answering with every hostile shape) and
publisher handle them on PostgreSQL, and the publisher app serves the results. Everything a reader can open
carries no live script, tag, event handler or link that we did not write:

- the README, rendered as GitHub renders it (cmark-gfm with raw HTML let through, as GitHub lets it through
  to its sanitiser): no raw HTML, no link or image but ours, every entry a heading of the page, every
  <details> closed;
- the RSS, Atom and JSON feeds: well-formed, titles plain text, every HTML field inert (only the summary
  allow-list, only http(s) and mailto links);
- the HTML page: only the page's own tags, no handler, links only to http(s) or our own paths;
- the API's JSON: served as JSON (never sniffed as HTML), the fields exactly as stored.
"""
from __future__ import annotations

import html
import json
from collections.abc import AsyncIterator

import feedparser
import httpx
import pytest
from lxml import etree

from shared.config import BotConfig
from shared.messages import PaperSummarized
from shared.runtime import Env
from services.publisher.feeds.items import clean
from services.publisher.latex_display import readable
from services.publisher.summary_html import TAGS
from services.publisher.worker import on_paper_summarized, on_run_scored
from tests.feeds import Item, feed
from tests.hostile.payloads import HOSTILE_SUMMARY, INJECTIONS
from tests.pipeline import emitted, scored_run, summarize_run
from tests.publisher.api.conftest import Client
from tests.publisher.gfm import live_markup, read, render
from tests.publisher.htmlcheck import active, assert_inert
from tests.publisher.test_html import PAGE_TAGS
from tests.servers import FakeLLM

ITEMS = [Item(f"2411.{n:05d}", f"Sparse {n} {text}", f"Sparse abstract {n}: {text}",
              authors=f"Ada Lovelace, {text}, Alan Turing", categories=["cs.AI"])
         for n, text in enumerate(INJECTIONS, start=1)]
ARXIV_LINK = ("https://arxiv.org/abs/", "https://arxiv.org/pdf/", "https://arxiv.org/html/")
LEGACY_TAGS = {"p", "b", "h4", "pre", "i"}
ACTIVE_TAGS = {"script", "img", "svg", "iframe", "style", "object", "embed", "form", "input", "textarea", "link"}
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
async def served(pg_env: Env, publisher: Client, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    """The hostile day fetched, scored, summarized and published; the publisher app serving it."""
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "test-key")
    cfg = BotConfig(categories=["cs.AI"], keywords=["Sparse"], days_back=3650, min_score=0)
    cfg.ai_summary.api_key_env = "ARXIV_BOT_TEST_KEY"
    cfg.ai_summary.max_papers_to_summarize = len(ITEMS)
    cfg.ai_summary.model = "<script>alert('model')</script>"
    with FakeLLM(answer=lambda messages: HOSTILE_SUMMARY) as llm:
        cfg.ai_summary.base_url = llm.url + "/v1"
        scored = await scored_run(pg_env, cfg, {"cs.AI": feed("cs.AI", ITEMS)})
        await on_run_scored(scored, pg_env)
        await summarize_run(pg_env, scored.run_id)
    for message in await emitted(pg_env, "paper.summarized", scored.run_id):
        assert isinstance(message, PaperSummarized) and message.status == "done"
        await on_paper_summarized(message, pg_env)
    async with publisher() as client:
        yield client


async def get(client: httpx.AsyncClient, path: str) -> httpx.Response:
    response = await client.get(path)
    assert response.status_code == 200, (path, response.text[:300])
    return response


async def check_readme(served: httpx.AsyncClient) -> None:
    page = read(render((await get(served, "/readme")).text))
    assert live_markup(page) == [] or all(m.startswith("<a href='https://arxiv.org/abs/") for m in live_markup(page))
    links = [a.get("href") or "" for a in page.named("a")]
    assert all(h.startswith(ARXIV_LINK) or h.startswith("mailto:") for h in links), links
    assert page.named("img") == [] and page.named("script") == [] and page.comments == []
    # Every entry is a heading of the page itself, none swallowed by an answer or hidden in a block left open.
    entries = [(text, depth) for text, depth in page.h3 if text[:1].isdigit()]
    assert len(entries) == len(ITEMS) and all(depth == 0 for _, depth in entries)
    assert page.closed.count("details") == len([t for t, _ in page.tags if t == "details"]) == len(ITEMS)


def assert_foreign_links_are_plain_nofollow(fragment: str) -> None:
    """Links to anything but arXiv or our own paths can only come from a summary's Markdown: the allow-list
    keeps http(s) and mailto ones (a summary may cite a paper's code), always marked nofollow, never a
    javascript:, data: or other scheme (docs/ARCHITECTURE.md, "Text from outside")."""
    for attrs in read(fragment).named("a"):
        href = attrs.get("href") or ""
        if href.startswith(("https://arxiv.org/", "/")):
            continue
        assert href.startswith(("https://", "http://", "mailto:")), href
        assert "nofollow" in (attrs.get("rel") or ""), attrs


def inert_html(fragment: str, allowed: set[str] = TAGS) -> None:
    assert_inert(fragment, allowed)
    assert_foreign_links_are_plain_nofollow(fragment)


async def check_rss(served: httpx.AsyncClient, path: str) -> None:
    body = (await get(served, path)).content
    root = etree.fromstring(body)
    # A title is the paper's characters as plain text (RSS 2.0 does not say; Atom and JSON Feed say so).
    titles = {readable(clean(i.title)) for i in ITEMS}
    assert {item.findtext("title") for item in root.findall("channel/item")} == titles
    parsed = feedparser.parse(body)
    assert not parsed.bozo and len(parsed.entries) == len(ITEMS)
    for entry in parsed.entries:
        # A reader that sniffs a title for HTML (feedparser does, for a few tags) sanitises what it finds.
        if entry.title_detail.type == "text/html":
            tags, handlers, urls = active(entry.title)
            assert not set(tags) & ACTIVE_TAGS and handlers == [] and all(u == "" for u in urls), entry.title
        inert_html(entry.content[0].value)
        inert_html(entry.description, {"p"})
        assert entry.link.startswith("https://arxiv.org/abs/")


async def check_atom(served: httpx.AsyncClient) -> None:
    root = etree.fromstring((await get(served, "/feeds/default.atom")).content)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == len(ITEMS)
    for entry in entries:
        title = entry.find(f"{ATOM}title")
        assert title.get("type", "text") == "text" and len(title) == 0  # text, no child elements
        content = entry.find(f"{ATOM}content")
        assert content.get("type") == "html" and len(content) == 0
        inert_html(content.text)
        assert all(link.get("href", "").startswith(ARXIV_LINK) for link in entry.findall(f"{ATOM}link"))
    assert not feedparser.parse(etree.tostring(root)).bozo


async def check_json_feed(served: httpx.AsyncClient) -> None:
    response = await get(served, "/feeds/default.json")
    assert response.headers["content-type"].startswith("application/feed+json")
    document = json.loads(response.content)
    assert len(document["items"]) == len(ITEMS)
    for item in document["items"]:
        inert_html(item["content_html"])
        assert item["url"].startswith("https://arxiv.org/abs/")
        assert "<" not in item.get("summary", "") or item["summary"] == html.unescape(item["summary"])


async def check_reference_rss(served: httpx.AsyncClient, path: str) -> None:
    body = (await get(served, path)).content
    root = etree.fromstring(body)
    items = root.findall("channel/item")
    assert len(items) == len(ITEMS) and not feedparser.parse(body).bozo
    for item in items:
        inert_html(item.findtext("description"), LEGACY_TAGS)
        assert len(item.find("title")) == 0 and item.findtext("link").startswith("https://arxiv.org/abs/")


async def check_page(served: httpx.AsyncClient) -> None:
    response = await get(served, "/")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "script-src" not in response.headers["content-security-policy"]
    tags, handlers, urls = active(response.text)
    assert set(tags) <= PAGE_TAGS and "script" not in tags and "img" not in tags and "iframe" not in tags
    assert handlers == []
    assert_foreign_links_are_plain_nofollow(response.text)
    assert response.text.count("Sparse abstract") >= len(ITEMS)  # every paper is on it


async def check_api(served: httpx.AsyncClient) -> None:
    response = await get(served, "/api/v1/papers?limit=200")
    assert response.headers["content-type"].startswith("application/json")
    stored = {p["id"]: p for p in response.json()["items"]}
    assert len(stored) == len(ITEMS)
    for item in ITEMS:
        assert stored[item.id]["title"] == item.title and stored[item.id]["abstract"] == item.abstract
    detail = await get(served, f"/api/v1/papers/{ITEMS[0].id}")
    assert detail.headers["content-type"].startswith("application/json")
    assert detail.json()["summary"]["text"].startswith("**Contribution**")
    # A hostile path is named in a problem document, which is JSON too.
    problem = await served.get("/api/v1/papers/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert problem.status_code == 422 and problem.headers["content-type"] == "application/problem+json"


async def check_hostile_paths(served: httpx.AsyncClient) -> None:
    for path in ["/profiles/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/feeds/%3Cimg%20src%3Dx%20onerror%3D1%3E.rss",
                 "/profiles/default/%3Csvg%20onload%3D1%3E", "/rss/%3Cscript%3E"]:
        response = await served.get(path)
        assert 400 <= response.status_code < 500, path
        if response.headers.get("content-type", "").startswith("text/html"):
            tags, handlers, _ = active(response.text)
            assert "script" not in tags and "img" not in tags and "svg" not in tags and handlers == [], path


async def test_injected_markup_is_live_nowhere_a_reader_looks(served: httpx.AsyncClient) -> None:
    """One hostile day, published once; every surface checked on it (each check names what it holds)."""
    await check_readme(served)
    for path in ["/feeds/default.rss", "/feeds/default/cs.AI.rss"]:
        await check_rss(served, path)
    await check_atom(served)
    await check_json_feed(served)
    for path in ["/rss", "/rss/cs.AI"]:
        await check_reference_rss(served, path)
    await check_page(served)
    await check_api(served)
    await check_hostile_paths(served)
