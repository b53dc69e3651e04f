"""Feed items for the renderer tests, among them one whose title holds LaTeX, `&`, `<`, `"` and markup."""
from __future__ import annotations

from datetime import datetime, timezone

from services.publisher.feeds.items import Channel, FeedItem
from tests.publisher.entries import entry

UPDATED = datetime(2024, 11, 29, 6, 7, 54, tzinfo=timezone.utc)
PUBLISHED = datetime(2024, 11, 28, 6, 0, 0, tzinfo=timezone.utc)
HOSTILE_TITLE = 'Schr\\"odinger & <script>alert(1)</script> "quoted" $\\alpha < \\beta$'
READABLE_TITLE = 'Schrödinger & <script>alert(1)</script> "quoted" α < β'
CHANNEL = Channel(title="arXiv digest: cs.AI & <friends>", description='Papers "ranked" & <summarized>',
                  self_url="https://bot.example/feeds/default.atom?a=1&b=2",
                  page_url="https://bot.example/", updated=UPDATED)


def item(n: int = 1, **changes: object) -> FeedItem:
    built = FeedItem.from_entry(entry(n, **changes))
    return FeedItem.from_data(built.data(), PUBLISHED, UPDATED)


def hostile() -> FeedItem:
    return item(1, title=HOSTILE_TITLE, authors=['Erwin Schr\\"odinger', "Ada <b>&</b>"],
                abstract="Ends </content></entry> & <![CDATA[ x ]]> \x00 $O(n^2)$",
                summary="**Key**: <script>alert(2)</script> [x](javascript:alert(3))", summary_status="done",
                why='LLM (title), "<KV>"')
