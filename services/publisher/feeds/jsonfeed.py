"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1) over the history window; what JSON Feed has no field for
(score, why, the PDF and HTML links) goes in the `_arxiv` extension object. Pure rendering."""
from __future__ import annotations

import json
from typing import Any

from services.publisher.feeds.items import Channel, FeedItem, content_html
from services.publisher.feeds.xmltext import reuse, rfc3339

VERSION = "https://jsonfeed.org/version/1.1"
CONTENT_TYPE = "application/feed+json; charset=utf-8"


def _item(item: FeedItem) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item.guid, "title": item.title, "content_html": content_html(item),
                           "summary": item.abstract}
    if item.abs_url:
        out["url"] = item.abs_url
    if item.published:
        out["date_published"] = rfc3339(item.published)
    if item.updated:
        out["date_modified"] = rfc3339(item.updated)
    if item.authors:
        out["authors"] = [{"name": name} for name in item.authors]
    if item.categories:
        out["tags"] = list(item.categories)
    out["_arxiv"] = {"id": item.arxiv_id, "version": item.version, "score": item.score, "why": item.why,
                     "pdf_url": item.pdf_url, "html_url": item.html_url, "announced": item.announced,
                     "summary": item.summary_html is not None}
    return out


def render_json(channel: Channel, items: list[FeedItem], built: dict[int, dict[str, Any]] | None = None) -> str:
    feed = {"version": VERSION, "title": channel.title, "home_page_url": channel.page_url,
            "feed_url": channel.self_url, "description": channel.description, "language": "en",
            "authors": [{"name": "arxiv-bot"}], "items": [reuse(built, item, _item) for item in items]}
    # No indent: with one, json falls back from its C encoder to pure Python, several times slower.
    return json.dumps(feed, ensure_ascii=False) + "\n"
