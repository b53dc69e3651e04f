"""The feeds' history window of a profile, kept in the store: a digest's papers go in at publication, a
paper already there is updated (never duplicated), and what fell out of the window is pruned."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from shared.repository import Repository
from shared.settings import Settings

from services.publisher.feeds.items import FeedItem


async def update_window(repo: Repository, profile: str, run_id: str, items: list[FeedItem], now: datetime,
                        settings: Settings) -> list[FeedItem]:
    """Store the digest's items and return the window: papers seen within FEED_WINDOW_DAYS, newest digest
    first (then by rank), at most FEED_WINDOW_ITEMS of them."""
    rows = [{"profile": profile, "arxiv_id": item.arxiv_id, "version": item.version, "run_id": run_id,
             "rank": rank, "announced": _date(item.announced), "data": item.data(),
             "content_hash": item.content_hash(), "published_at": now, "updated_at": now, "seen_at": now}
            for rank, item in enumerate(items, start=1)]
    if rows:
        await repo.upsert_feed_items(rows)
    since = now - timedelta(days=settings.feed_window_days)
    await repo.prune_feed_items(profile, since)
    return [FeedItem.from_data(row.data, row.published_at, row.updated_at)
            for row in await repo.feed_window(profile, since)]


def newest(window: list[FeedItem], limit: int, category: str | None = None) -> list[FeedItem]:
    """The first `limit` items of the window, or of its items listed in `category`."""
    chosen = window if category is None else [item for item in window if item.in_category(category)]
    return chosen[:limit]


def _date(iso: str | None) -> date | None:
    return date.fromisoformat(iso) if iso else None
