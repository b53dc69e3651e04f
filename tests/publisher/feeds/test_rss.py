"""RSS 2.0 as a feed reader parses it (feedparser): no bozo, every required element, readable and escaped."""
from __future__ import annotations

import html

import feedparser
from lxml import etree

from services.publisher.feeds.rss import render_rss
from tests.publisher.feeds.samples import CHANNEL, READABLE_TITLE, hostile, item


def parse(xml: str) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(xml.encode("utf-8"), response_headers={"content-type": "application/rss+xml"})
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    return parsed


def test_channel_has_every_required_element() -> None:
    parsed = parse(render_rss(CHANNEL, [item(1)]))
    assert parsed.feed.title == "arXiv digest: cs.AI & <friends>"
    assert parsed.feed.link == "https://bot.example/"
    # Readers take a description for HTML: what they show is the text, with nothing of it markup.
    assert parsed.feed.subtitle_detail.type == "text/html"
    assert html.unescape(parsed.feed.subtitle) == 'Papers "ranked" & <summarized>'
    root = etree.fromstring(render_rss(CHANNEL, []).encode())
    assert [root.findtext(f"channel/{tag}") is not None for tag in ("title", "link", "description")] == [True] * 3
    self_link = root.find("channel/{http://www.w3.org/2005/Atom}link")
    assert self_link.get("href") == CHANNEL.self_url and self_link.get("rel") == "self"


def test_items_carry_id_title_link_authors_categories_dates_and_content() -> None:
    [entry] = parse(render_rss(CHANNEL, [item(1)])).entries
    assert entry.id == "oai:arXiv.org:2411.18001" and entry.guidislink is False
    assert entry.title == "Paper 1 on LLM serving" and entry.link == "https://arxiv.org/abs/2411.18001"
    assert entry.author == "Ada Lovelace, Alan Turing"
    assert [t.term for t in entry.tags] == ["cs.LG", "cs.AI"]
    assert entry.published_parsed[:3] == (2024, 11, 28)
    assert "We study fast LLM serving." in entry.summary
    assert "<strong>Score</strong> 8.5" in entry.content[0].value


def test_a_hostile_title_comes_out_readable_and_escaped() -> None:
    xml = render_rss(CHANNEL, [hostile()])
    [entry] = parse(xml).entries
    assert entry.title == READABLE_TITLE  # the reader shows exactly the characters, none of them markup
    raw = etree.fromstring(xml.encode()).find("channel/item")
    assert raw.findtext("title") == READABLE_TITLE
    assert "<script" not in raw.findtext("{http://purl.org/rss/1.0/modules/content/}encoded")
    assert "&lt;script&gt;" in xml and "<script>" not in xml


def test_a_new_version_keeps_the_guid() -> None:
    first, second = (parse(render_rss(CHANNEL, [item(1, version=v)])).entries[0] for v in (1, 2))
    assert first.id == second.id and first.link == second.link
