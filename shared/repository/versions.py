"""Paper versions and feed state (fetcher): the history beside the current paper, and each feed's last answer."""
from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from shared.models import FeedState, PaperVersion
from shared.repository.base import BATCH, Queries, chunks


class VersionQueries(Queries):
    async def add_versions(self, rows: list[dict[str, Any]]) -> None:
        """Insert the versions not stored yet: a version is written once, when first seen, and never changed."""
        table = PaperVersion.__table__  # type: ignore[attr-defined]
        for part in chunks(rows, BATCH // 2):
            await self.session.exec(self.upsert(table).values(part).on_conflict_do_nothing(
                index_elements=["arxiv_id", "version"]))

    async def versions_of(self, arxiv_id: str) -> list[PaperVersion]:
        rows = await self.session.exec(select(PaperVersion).where(col(PaperVersion.arxiv_id) == arxiv_id)
                                       .order_by(col(PaperVersion.version)))
        return list(rows)

    async def feed_states(self, urls: list[str]) -> dict[str, FeedState]:
        rows = await self.session.exec(select(FeedState).where(col(FeedState.url).in_(urls)))
        return {row.url: row for row in rows}

    async def save_feed_states(self, rows: list[dict[str, Any]]) -> None:
        """Each row whole (a 304 carries the previous validators and fingerprint forward)."""
        table = FeedState.__table__  # type: ignore[attr-defined]
        for row in rows:
            stmt = self.upsert(table).values(row)
            await self.session.exec(stmt.on_conflict_do_update(
                index_elements=["url"], set_={k: stmt.excluded[k] for k in row if k != "url"}))
