"""The renderers on arbitrary titles, abstracts, authors and summaries (hypothesis, text mixed with every
injection shape of payloads.py): the README rendered as GitHub renders it keeps every entry a heading of the
page and has no live markup but our links; every feed is well-formed XML (or JSON) that feedparser reads
without complaint, with one item per paper; the HTML page has only its own tags and no handler."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import feedparser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from services.publisher.feeds import atom, jsonfeed, rss
from services.publisher.feeds.items import Channel, FeedItem
from services.publisher.feeds.legacy import render_rss as render_legacy
from services.publisher.html import Page, render_page
from services.publisher.pages import feed_groups
from services.publisher.readme import render_readme
from tests.hostile.payloads import HOSTILE_SUMMARY, INJECTIONS
from tests.publisher.entries import digest, entry
from tests.publisher.gfm import live_markup, read, render
from tests.publisher.htmlcheck import active
from tests.publisher.test_html import PAGE_TAGS

NOW = datetime(2024, 11, 29, 6, 0, tzinfo=timezone.utc)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
MARKDOWN = ["**", "_", "`", "```", "~~~", "[", "](", ")", "!", "#", "- ", "1. ", "> ", "|", "---", "\\", "<", ">",
            "&", "&amp;", "&#", "\n", "\n\n", "    ", "<!--", "-->", "<details>", "</details>", "$x<y$", "\\emph{x}"]
pieces = st.one_of(st.sampled_from(INJECTIONS), st.sampled_from(MARKDOWN),
                   st.text(st.characters(exclude_categories=("Cs",)), max_size=15))
field = st.lists(pieces, max_size=12).map("".join)
summary = st.one_of(field, st.just(HOSTILE_SUMMARY),
                    st.lists(st.one_of(pieces, st.just("\n")), max_size=40).map("".join))


@st.composite
def entries(draw: st.DrawFn) -> list:
    return [entry(n, title=draw(field) or "x", abstract=draw(field), authors=draw(st.lists(field, max_size=3)),
                  summary=draw(summary), summary_status="done", why=draw(field), announce_type="new")
            for n in range(1, draw(st.integers(1, 4)) + 1)]


@FAST
@given(entries(), field)
def test_the_readme_keeps_every_entry_and_has_no_live_markup(items, model) -> None:
    page = read(render(render_readme(digest(*items, model=model or "m"), NOW)))
    ours = [m for m in live_markup(page) if m.startswith("<a href='https://arxiv.org/abs/")]
    assert live_markup(page) == ours
    headings = [(text, depth) for text, depth in page.h3]
    assert len(headings) == len(items) and all(depth == 0 for _, depth in headings)
    assert [h.split(".", 1)[0] for h, _ in headings] == [str(n) for n in range(1, len(items) + 1)]
    summarized = sum(1 for e in items if e.summary)  # an empty answer shows no block at all
    assert page.closed.count("details") == [t for t, _ in page.tags].count("details") == summarized


CHANNEL = Channel(title="t <&>", description="d", self_url="https://example.org/feeds/default.rss",
                  page_url="https://example.org/", updated=NOW)


@settings(FAST, max_examples=20)  # feedparser is slow: fewer examples, each with up to four hostile papers
@given(entries())
def test_every_feed_is_well_formed_and_read_without_complaint(items) -> None:
    window = [FeedItem.from_data(FeedItem.from_entry(e).data(), NOW, NOW) for e in items]
    for body in (rss.render_rss(CHANNEL, window), atom.render_atom(CHANNEL, window),
                 render_legacy(digest(*items), NOW, "https://example.org/rss")):
        etree.fromstring(body.encode())
        parsed = feedparser.parse(body.encode())
        assert not parsed.bozo, parsed.bozo_exception
        assert len(parsed.entries) == len(items)
    document = json.loads(jsonfeed.render_json(CHANNEL, window))
    assert len(document["items"]) == len(items)


@FAST
@given(entries(), field)
def test_the_page_has_only_its_own_markup(items, title) -> None:
    window = [FeedItem.from_data(FeedItem.from_entry(e).data(), NOW, NOW) for e in items]
    html = render_page(Page(title=title, home="/", status=[title], day="2024-11-28", items=window,
                            feeds=feed_groups("default", ["cs.AI"]), days=[]), NOW)
    tags, handlers, urls = active(html)
    assert set(tags) <= PAGE_TAGS and handlers == []
    assert all(u.startswith(("https://", "http://", "/", "mailto:")) for u in urls), urls
