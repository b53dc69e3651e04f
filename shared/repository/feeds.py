"""The feeds' history window per profile: items upserted at each publication, read newest first."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, delete
from sqlmodel import col, select

from shared.models import FeedItem
from shared.repository.base import MANY, Queries, chunks


class FeedQueries(Queries):
    async def upsert_feed_items(self, rows: list[dict[str, Any]]) -> None:
        """Insert new items; an item already there takes the new data, run and rank, but keeps its first
        publication time, and its `updated_at` moves only when its content did."""
        if not rows:
            return
        # One statement, many parameter sets: compiled once and cached. A multi-row VALUES would be compiled
        # again for every publication, which cost more than the database's work.
        table = FeedItem.__table__  # type: ignore[attr-defined]
        stmt = self.upsert(table)
        excluded = stmt.excluded
        values = {name: excluded[name] for name in ("version", "run_id", "rank", "announced", "data",
                                                    "content_hash", "seen_at")}
        values["updated_at"] = case((table.c.content_hash == excluded.content_hash, table.c.updated_at),
                                    else_=excluded.updated_at)
        stmt = stmt.on_conflict_do_update(index_elements=["profile", "arxiv_id"], set_=values)
        for part in chunks(rows, MANY):
            await self.session.exec(stmt, params=part)  # type: ignore[call-overload]

    async def feed_window(self, profile: str, since: datetime) -> list[FeedItem]:
        """The profile's items seen in a digest since `since`, newest digest first, then by rank."""
        rows = await self.session.exec(
            select(FeedItem).where(col(FeedItem.profile) == profile, col(FeedItem.seen_at) >= since)
            .order_by(col(FeedItem.seen_at).desc(), col(FeedItem.rank), col(FeedItem.arxiv_id)))
        return list(rows)

    async def prune_feed_items(self, profile: str, before: datetime) -> None:
        await self.session.exec(delete(FeedItem).where(col(FeedItem.profile) == profile,
                                                       col(FeedItem.seen_at) < before))
