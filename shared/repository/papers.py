"""Papers and the items a run saw (fetcher)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert
from sqlmodel import col, select

from shared.models import Paper, RunItem
from shared.repository.base import BATCH, Queries, chunks


class PaperQueries(Queries):
    async def papers_by_id(self, ids: Iterable[str]) -> dict[str, Paper]:
        found: dict[str, Paper] = {}
        for part in chunks(list(set(ids)), BATCH):
            rows = await self.session.exec(select(Paper).where(col(Paper.arxiv_id).in_(part)))
            found.update({p.arxiv_id: p for p in rows})
        return found

    async def upsert_papers(self, rows: list[dict[str, Any]]) -> None:
        """Insert new papers and update changed ones in bulk.

        ON CONFLICT makes two concurrent fetches of the same new paper both succeed (the second one updates or
        leaves it), and the WHERE keeps an older version seen late from overwriting a newer one.
        """
        table = Paper.__table__  # type: ignore[attr-defined]
        for part in chunks(rows, BATCH // 2):
            stmt = self.upsert(table).values(part)
            excluded = stmt.excluded
            updated = {c.name: excluded[c.name] for c in table.columns
                       if c.name not in ("arxiv_id", "first_seen_at")}
            await self.session.exec(stmt.on_conflict_do_update(
                index_elements=["arxiv_id"], set_=updated,
                where=(table.c.version <= excluded.version) & (table.c.content_hash != excluded.content_hash)))

    async def add_run_items(self, rows: list[dict[str, Any]]) -> None:
        for part in chunks(rows, BATCH):
            await self.session.exec(insert(RunItem).values(part))

    async def run_items(self, run_id: str) -> list[tuple[RunItem, Paper]]:
        rows = await self.session.exec(
            select(RunItem, Paper).join(Paper, col(Paper.arxiv_id) == col(RunItem.arxiv_id))
            .where(col(RunItem.run_id) == run_id).order_by(col(RunItem.position)))
        return list(rows)
