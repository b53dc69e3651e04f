"""Paper versions and feed state (fetcher): the history beside the current paper, and each feed's last answer."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select as core_select, text
from sqlmodel import col, select

from shared.models import FeedState, PaperVersion
from shared.repository.base import MANY, Queries, chunks


class VersionQueries(Queries):
    async def add_versions(self, rows: list[dict[str, Any]]) -> None:
        """Insert the versions not stored yet: a version is written once, when first seen, and never changed."""
        if not rows:
            return
        table = PaperVersion.__table__  # type: ignore[attr-defined]
        connection = await self._connection()
        # Bulk, as papers are (papers.upsert_papers): multi-row VALUES cost SQLAlchemy seconds to compile.
        if self.dialect == "postgresql":
            names = [c.name for c in table.columns if c.name in rows[0]]
            incoming = await self._staged(connection, table, names, rows)
            await connection.execute(self.upsert(table).from_select(names, core_select(
                *(incoming.c[n] for n in names))).on_conflict_do_nothing(index_elements=["arxiv_id", "version"]))
            await connection.execute(text(f"DROP TABLE {incoming.name}"))
            return
        stmt = self.upsert(table).on_conflict_do_nothing(index_elements=["arxiv_id", "version"])
        for part in chunks(rows, MANY):
            await connection.execute(stmt, part)

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
