"""The page as rendered: escaped everywhere, its style allowed by hash, no script, feeds announced."""
from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime, timezone

from services.publisher.html import CONTENT_SECURITY_POLICY, Page, render_page
from services.publisher.pages import feed_groups
from services.publisher.summary_html import TAGS
from tests.publisher.feeds.samples import READABLE_TITLE, hostile, item
from tests.publisher.htmlcheck import active

NOW = datetime(2024, 11, 29, 6, 7, tzinfo=timezone.utc)
PAGE_TAGS = TAGS | {"html", "head", "meta", "title", "link", "style", "body", "header", "main", "aside", "footer",
                    "ol", "li", "details", "summary", "div", "span", "ul"}


def page(**changes: object) -> str:
    values = dict(title="arXiv digest <&>", home="/", status=["fetch failed for cs.DC", "30 papers"],
                  day="2024-11-28", items=[hostile(), item(2)], feeds=feed_groups("default", ["cs.AI"]),
                  days=[("2024-11-28", "/profiles/default/2024-11-28")])
    values.update(changes)
    return render_page(Page(**values), NOW)  # type: ignore[arg-type]


def test_every_field_is_escaped_and_nothing_is_active() -> None:
    html = page()
    tags, handlers, urls = active(html)
    assert set(tags) <= PAGE_TAGS and "script" not in tags and "img" not in tags and handlers == []
    assert all(u.startswith(("https://", "/")) for u in urls), urls
    assert "Schrödinger &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<title>arXiv digest &lt;&amp;&gt;</title>" in html


def test_the_inline_style_is_the_one_the_policy_allows() -> None:
    style = re.search(r"<style>(.*?)</style>", page(), re.S)[1]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in CONTENT_SECURITY_POLICY and "script-src" not in CONTENT_SECURITY_POLICY


def test_feeds_are_announced_and_listed() -> None:
    html = page()
    assert html.count('<link rel="alternate"') == 3
    assert 'href="/feeds/default/cs.AI.json"' in html and 'href="/profiles/default/2024-11-28"' in html


def test_statuses_and_papers_are_shown() -> None:
    html = page()
    assert "<span>fetch failed for cs.DC</span><span>30 papers</span>" in html
    assert html.count('<li class="paper"') == 2 and READABLE_TITLE.split(" ")[1] in html
    assert "Nothing published yet" in page(items=[], day=None)
