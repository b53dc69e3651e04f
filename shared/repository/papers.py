"""Papers and the items a run saw (fetcher)."""
from __future__ import annotations

from collections.abc import Iterable
from sys import intern
from typing import Any

from sqlalchemy import func, insert, select as core_select, text
from sqlmodel import col, select

from shared.models import Paper, RunItem
from shared.repository.base import BATCH, MANY, Queries, chunks

ITEM_PAGE = 1000  # a run's items read per query

ENRICHMENT = ("comments", "journal_ref", "doi")  # from the export API and OAI-PMH, never from a feed


def newest_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per paper: its highest version, the last of equals (what upserting them one by one would leave).
    One INSERT ... SELECT cannot touch the same key twice."""
    kept: dict[str, dict[str, Any]] = {}
    for row in rows:
        old = kept.get(row["arxiv_id"])
        if old is None or row["version"] >= old["version"]:
            kept[row["arxiv_id"]] = row
    return list(kept.values())


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

        Never one multi-row VALUES list: that is a new statement of thousands of bound parameters for
        SQLAlchemy to compile each time, which cost more than the database's own work (4 s of a 12,500-item
        day). PostgreSQL gets the rows by COPY into a temporary table and one INSERT ... SELECT; SQLite one
        statement executed for every row (sqlite3's executemany, in-process, is as fast).
        """
        if not rows:
            return
        rows = newest_rows(rows)
        table = Paper.__table__  # type: ignore[attr-defined]
        connection = await self._connection()
        # Only the columns the rows carry are written: the others keep their stored value (an update) or take
        # their default (an insert), so a caller that knows less than the table never erases what it lacks.
        names = [c.name for c in table.columns if c.name in rows[0]]
        if self.dialect == "postgresql":
            incoming = await self._staged(connection, table, names, rows)
            stmt = self.upsert(table).from_select(names, core_select(*(incoming.c[n] for n in names)))
        else:
            stmt = self.upsert(table)
        excluded = stmt.excluded
        updated = {n: excluded[n] for n in names if n not in ("arxiv_id", "first_seen_at")}
        # What only the export API or OAI-PMH tells (a feed never does) stays when a feed brings a new version.
        updated.update({n: func.coalesce(excluded[n], table.c[n]) for n in ENRICHMENT if n in names})
        stmt = stmt.on_conflict_do_update(
            index_elements=["arxiv_id"], set_=updated,
            where=(table.c.version <= excluded.version) & (table.c.content_hash != excluded.content_hash))
        if self.dialect == "postgresql":
            await connection.execute(stmt)
            await connection.execute(text(f"DROP TABLE {incoming.name}"))  # a second call in this transaction
        else:
            for part in chunks(rows, MANY):
                await connection.execute(stmt, part)

    async def add_run_items(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        table = RunItem.__table__  # type: ignore[attr-defined]
        connection = await self._connection()
        if self.dialect == "postgresql":
            await self._copy(connection, table, table, rows)
            return
        for part in chunks(rows, MANY):
            await connection.execute(insert(table), part)

    async def run_item_rows(self, run_id: str) -> list[tuple[str, str, str]]:
        """(arxiv_id, feed_category, announce_type) of a run's items in fetch order: plain rows, no ORM objects,
        each string held once however many items repeat it (a big day lists 12,507 items of a dozen categories).
        Read a page at a time: the driver's rows of a whole big day at once were 3 MB more at the scorer's peak."""
        items: list[tuple[str, str, str]] = []
        after = -1
        while True:
            page = list(await self.session.exec(
                select(RunItem.position, RunItem.arxiv_id, RunItem.feed_category, RunItem.announce_type)
                .where(col(RunItem.run_id) == run_id, col(RunItem.position) > after)
                .order_by(col(RunItem.position)).limit(ITEM_PAGE)))
            items += [(intern(arxiv_id), intern(category), intern(kind)) for _, arxiv_id, category, kind in page]
            if len(page) < ITEM_PAGE:
                return items
            after = page[-1][0]

    async def run_paper_rows(self, run_id: str) -> dict[str, tuple[Any, ...]]:
        """arxiv_id -> (version, title, abstract, authors, categories, announced) of each paper a run saw, once
        however many feeds listed it: what scoring reads, as plain values (a paper in three feeds is read once
        and its text held once)."""
        listed = select(RunItem.arxiv_id).where(col(RunItem.run_id) == run_id)
        rows = await self.session.exec(
            select(Paper.arxiv_id, Paper.version, Paper.title, Paper.abstract, Paper.authors, Paper.categories,
                   Paper.announced).where(col(Paper.arxiv_id).in_(listed)))
        return {row[0]: tuple(row[1:]) for row in rows}

    async def paper_rows(self, ids: list[str]) -> list[tuple[Any, ...]]:
        """(arxiv_id, version, title, abstract, authors, categories, announced) of the papers `ids` (a batch:
        the caller bounds it), as plain values."""
        rows = await self.session.exec(
            select(Paper.arxiv_id, Paper.version, Paper.title, Paper.abstract, Paper.authors, Paper.categories,
                   Paper.announced).where(col(Paper.arxiv_id).in_(ids)))
        return [tuple(row) for row in rows]

    async def run_items(self, run_id: str) -> list[tuple[RunItem, Paper]]:
        rows = await self.session.exec(
            select(RunItem, Paper).join(Paper, col(Paper.arxiv_id) == col(RunItem.arxiv_id))
            .where(col(RunItem.run_id) == run_id).order_by(col(RunItem.position)))
        return list(rows)
