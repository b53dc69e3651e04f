"""JSON Feed 1.1: the required fields with their types, items with an id and content, extensions marked `_`."""
from __future__ import annotations

import json
from datetime import datetime

from services.publisher.feeds.jsonfeed import render_json
from tests.publisher.feeds.samples import CHANNEL, READABLE_TITLE, hostile, item

TOP = {"version": str, "title": str, "home_page_url": str, "feed_url": str, "description": str, "items": list,
       "authors": list, "language": str}
ITEM = {"id": str, "url": str, "title": str, "content_html": str, "summary": str, "date_published": str,
        "date_modified": str, "authors": list, "tags": list}


def check(feed: dict) -> None:
    """The JSON Feed 1.1 rules: version, title and items required; each item an id and some content; dates
    RFC 3339; every key we add beyond the spec starts with an underscore."""
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and isinstance(feed["items"], list)
    assert set(feed) <= set(TOP) and all(isinstance(feed[k], t) for k, t in TOP.items() if k in feed)
    for entry in feed["items"]:
        assert isinstance(entry["id"], str) and entry["id"]
        assert isinstance(entry.get("content_html"), str) or isinstance(entry.get("content_text"), str)
        for key, value in entry.items():
            assert key.startswith("_") or key in ITEM, key
            if key in ITEM:
                assert isinstance(value, ITEM[key]), key
        for key in ("date_published", "date_modified"):
            if key in entry:
                assert datetime.fromisoformat(entry[key].replace("Z", "+00:00")).tzinfo is not None
        assert all(isinstance(a["name"], str) for a in entry.get("authors", []))


def test_a_feed_with_items_follows_the_spec() -> None:
    feed = json.loads(render_json(CHANNEL, [item(1), hostile(), item(3, announced=None)]))
    check(feed)
    first = feed["items"][0]
    assert first["id"] == "oai:arXiv.org:2411.18001" and first["url"] == "https://arxiv.org/abs/2411.18001"
    assert first["tags"] == ["cs.LG", "cs.AI"] and first["authors"][0] == {"name": "Ada Lovelace"}
    assert first["_arxiv"]["score"] == 8.5 and first["_arxiv"]["pdf_url"].endswith("v2")
    assert first["date_published"] == "2024-11-28T06:00:00Z"


def test_an_empty_feed_follows_the_spec() -> None:
    check(json.loads(render_json(CHANNEL, [])))


def test_a_hostile_title_comes_out_readable_and_its_content_escaped() -> None:
    text = render_json(CHANNEL, [hostile()])
    [entry] = json.loads(text)["items"]
    assert entry["title"] == READABLE_TITLE  # JSON carries the text itself; a reader escapes it as text
    assert "<script" not in entry["content_html"] and "&lt;script&gt;" in entry["content_html"]
    assert "\x00" not in text
