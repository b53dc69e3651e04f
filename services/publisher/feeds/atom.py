"""Atom 1.0 (RFC 4287) over the history window: entry id = the paper's arXiv id, `published` its first
appearance, `updated` its last change, the AI summary in an HTML `content`. Pure rendering."""
from __future__ import annotations

from lxml import etree

from services.publisher.feeds.items import Channel, FeedItem, content_html
from services.publisher.feeds.xmltext import add_built, rfc3339, serialize, sub

NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"


def _a(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _entry(feed: etree._Element, item: FeedItem, fallback: str) -> etree._Element:
    entry = sub(feed, _a("entry"))
    sub(entry, _a("id"), item.guid)
    sub(entry, _a("title"), item.title, type="text")
    sub(entry, _a("updated"), rfc3339(item.updated or item.published) if (item.updated or item.published)
        else fallback)
    if item.published:
        sub(entry, _a("published"), rfc3339(item.published))
    for name in item.authors:
        sub(sub(entry, _a("author")), _a("name"), name)
    for category in item.categories:
        sub(entry, _a("category"), term=category)
    for rel, kind, url, title in (("alternate", "text/html", item.abs_url, "Abstract"),
                                  ("related", "application/pdf", item.pdf_url, "PDF"),
                                  ("related", "text/html", item.html_url, "HTML")):
        if url:
            sub(entry, _a("link"), rel=rel, type=kind, href=url, title=title)
    sub(entry, _a("summary"), item.abstract, type="text")
    sub(entry, _a("content"), content_html(item), type="html")
    return entry


def render_atom(channel: Channel, items: list[FeedItem], built: dict[int, etree._Element] | None = None) -> str:
    """`built`: the entries already built for another feed of the same publication (xmltext.add_built; they
    share its timestamp, so they are equal)."""
    feed = etree.Element(_a("feed"), {XML_LANG: "en"}, nsmap={None: NS})
    updated = rfc3339(channel.updated)
    sub(feed, _a("id"), channel.self_url)
    sub(feed, _a("title"), channel.title, type="text")
    sub(feed, _a("subtitle"), channel.description, type="text")
    sub(feed, _a("updated"), updated)
    sub(sub(feed, _a("author")), _a("name"), "arxiv-bot")  # entries name their authors; an empty list must not
    sub(feed, _a("generator"), "arxiv-bot")
    sub(feed, _a("link"), rel="self", type="application/atom+xml", href=channel.self_url)
    sub(feed, _a("link"), rel="alternate", type="text/html", href=channel.page_url)
    for item in items:
        add_built(feed, item, lambda parent, each: _entry(parent, each, updated), built)
    return serialize(feed)
