"""RSS 2.0 over the history window: one item per paper (guid = its arXiv id, so a new version updates the
item), with the AI summary as HTML in content:encoded. Pure rendering."""
from __future__ import annotations

from html import escape

from lxml import etree

from services.publisher.feeds.items import Channel, FeedItem, content_html
from services.publisher.feeds.xmltext import add_built, rfc822, serialize, sub

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
CONTENT_TYPE = "application/rss+xml; charset=utf-8"


def _item(channel: etree._Element, item: FeedItem) -> etree._Element:
    element = sub(channel, "item")
    sub(element, "title", item.title)
    if item.abs_url:
        sub(element, "link", item.abs_url)
    sub(element, "guid", item.guid, isPermaLink="false")
    if item.published:
        sub(element, "pubDate", rfc822(item.published))
    if item.authors:
        sub(element, f"{{{DC}}}creator", ", ".join(item.authors))
    for category in item.categories:
        sub(element, "category", category)
    sub(element, "description", f"<p>{escape(item.abstract, quote=False)}</p>")
    sub(element, f"{{{CONTENT}}}encoded", content_html(item))
    return element


def render_rss(channel: Channel, items: list[FeedItem], built: dict[int, etree._Element] | None = None) -> str:
    """`built`: the items already built for another feed of the same publication (xmltext.add_built)."""
    root = etree.Element("rss", {"version": "2.0"}, nsmap={"atom": ATOM, "content": CONTENT, "dc": DC})
    head = sub(root, "channel")
    sub(head, "title", channel.title)
    sub(head, "link", channel.page_url)
    sub(head, "description", escape(channel.description, quote=False))  # readers take it for HTML, as an item's
    sub(head, f"{{{ATOM}}}link", href=channel.self_url, rel="self", type="application/rss+xml")
    sub(head, "language", "en")
    sub(head, "lastBuildDate", rfc822(channel.updated))
    sub(head, "generator", "arxiv-bot")
    sub(head, "ttl", "60")
    for item in items:
        add_built(head, item, _item, built)
    return serialize(root)
