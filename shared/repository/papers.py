"""Papers and the items a run saw (fetcher)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert
from sqlmodel import col, select

from shared.models import Paper, RunItem
from shared.repository.base import BATCH, Queries, chunks

# Rows per executemany call: one statement compiled once, its parameters sent in one call of the driver (a
# pipeline on asyncpg, sqlite3's executemany on SQLite). Bounded so that a huge day's bound parameters are
# converted a slice at a time rather than all held at once.
MANY = 5000


class PaperQueries(Queries):
    async def papers_by_id(self, ids: Iterable[str]) -> dict[str, Paper]:
        found: dict[str, Paper] = {}
        for part in chunks(list(set(ids)), BATCH):
            rows = await self.session.exec(select(Paper).where(col(Paper.arxiv_id).in_(part)))
            found.update({p.arxiv_id: p for p in rows})
        return found

    async def paper_versions(self, ids: Iterable[str]) -> dict[str, tuple[int, str]]:
        """(version, content_hash) of the known papers among `ids`: what deciding new/changed/unchanged needs,
        without building an ORM object (and holding its abstract) per paper."""
        found: dict[str, tuple[int, str]] = {}
        for part in chunks(list(set(ids)), BATCH):
            rows = await self.session.exec(select(Paper.arxiv_id, Paper.version, Paper.content_hash)
                                           .where(col(Paper.arxiv_id).in_(part)))
            found.update({arxiv_id: (version, digest) for arxiv_id, version, digest in rows})
        return found

    async def upsert_papers(self, rows: list[dict[str, Any]]) -> None:
        """Insert new papers and update changed ones in bulk.

        ON CONFLICT makes two concurrent fetches of the same new paper both succeed (the second one updates or
        leaves it), and the WHERE keeps an older version seen late from overwriting a newer one.

        One statement, executed for many rows (executemany): a multi-row VALUES list would be a new statement of
        thousands of bound parameters for SQLAlchemy to compile each time, which cost more than the database's
        own work (4 s of a 12,500-item day).
        """
        if not rows:
            return
        table = Paper.__table__  # type: ignore[attr-defined]
        stmt = self.upsert(table)
        excluded = stmt.excluded
        updated = {c.name: excluded[c.name] for c in table.columns if c.name not in ("arxiv_id", "first_seen_at")}
        stmt = stmt.on_conflict_do_update(
            index_elements=["arxiv_id"], set_=updated,
            where=(table.c.version <= excluded.version) & (table.c.content_hash != excluded.content_hash))
        await self._many(stmt, rows)

    async def add_run_items(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self._many(insert(RunItem.__table__), rows)  # type: ignore[attr-defined]

    async def _many(self, stmt: Any, rows: list[dict[str, Any]]) -> None:
        """Run a Core statement once per row, in the session's transaction, through the driver's executemany."""
        await self.session.flush()  # the Core connection does not autoflush: rows added to the session go first
        connection = await self.session.connection()
        for part in chunks(rows, MANY):
            await connection.execute(stmt, part)

    async def run_item_rows(self, run_id: str) -> list[tuple[str, str, str]]:
        """(arxiv_id, feed_category, announce_type) of a run's items in fetch order: plain rows, no ORM objects."""
        rows = await self.session.exec(
            select(RunItem.arxiv_id, RunItem.feed_category, RunItem.announce_type)
            .where(col(RunItem.run_id) == run_id).order_by(col(RunItem.position)))
        return [tuple(row) for row in rows]  # type: ignore[misc]

    async def run_paper_rows(self, run_id: str) -> dict[str, tuple[Any, ...]]:
        """arxiv_id -> (version, title, abstract, authors, categories, announced) of each paper a run saw, once
        however many feeds listed it: what scoring reads, as plain values (a paper in three feeds is read once
        and its text held once)."""
        listed = select(RunItem.arxiv_id).where(col(RunItem.run_id) == run_id)
        rows = await self.session.exec(
            select(Paper.arxiv_id, Paper.version, Paper.title, Paper.abstract, Paper.authors, Paper.categories,
                   Paper.announced).where(col(Paper.arxiv_id).in_(listed)))
        return {row[0]: tuple(row[1:]) for row in rows}

    async def run_items(self, run_id: str) -> list[tuple[RunItem, Paper]]:
        rows = await self.session.exec(
            select(RunItem, Paper).join(Paper, col(Paper.arxiv_id) == col(RunItem.arxiv_id))
            .where(col(RunItem.run_id) == run_id).order_by(col(RunItem.position)))
        return list(rows)
