"""Backfilled papers, stored a page at a time as fast as the database takes them, and the harvests' state.

A page of ~1,000 OAI-PMH records is one statement: on PostgreSQL the rows are COPYed (asyncpg's binary
copy, on the session's own connection and transaction) into a temporary table and moved into `papers` by one
INSERT ... SELECT ... ON CONFLICT; on SQLite one executemany. Either way a record already stored at a newer
version is left alone, a same-version row only gains the comments, journal reference or DOI it lacked, and
an older one is replaced. On PostgreSQL the move itself counts the new ones (RETURNING); SQLite looks them up.
"""
from __future__ import annotations

from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, case, func, or_, text, update
from sqlmodel import col, select
from sqlalchemy.dialects import sqlite

from shared.models import BackfillState, Paper, RunItem
from shared.models.search import DEFER_SETTING
from shared.repository.base import Queries

MAIN = ["version", "title", "abstract", "title_text", "abstract_text", "authors", "categories", "primary_category",
        "announce_type", "announced", "abs_url", "pdf_url", "content_hash", "updated_at"]
NOTES = ["comments", "journal_ref", "doi"]
COLUMNS = ["arxiv_id", *MAIN, "first_seen_at", *NOTES]
_LISTS = ("authors", "categories")
_STAGE = "backfill_rows"
# Authors and categories are staged as one text each, joined by U+001F (a character XML cannot carry), and made
# JSON arrays by PostgreSQL in the move: serialising (or encoding as arrays) 2,000 lists a page in Python cost the
# event loop more than the COPY itself.
_SEPARATOR = "\x1f"
_IN_ORDER = itemgetter(*COLUMNS)
_AUTHORS, _CATEGORIES = COLUMNS.index("authors"), COLUMNS.index("categories")
_STAGE_DDL = (f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} (arxiv_id text, version integer, title text, "
              "abstract text, title_text text, abstract_text text, authors text, categories text, "
              "primary_category text, announce_type text, announced date, abs_url text, pdf_url text, "
              "content_hash text, updated_at timestamptz, first_seen_at timestamptz, comments text, "
              "journal_ref text, doi text) ON COMMIT DELETE ROWS")
_NEWER = "papers.version < excluded.version"
_GAINS = " OR ".join(f"(papers.{c} IS NULL AND excluded.{c} IS NOT NULL)" for c in NOTES)
# One round trip a page: the move says how many rows it inserted (xmax = 0: a new tuple, not an updated one) and
# how many it wrote, so no lookup of the known ids precedes it.
_PG_MOVE = (
    f"WITH moved AS (INSERT INTO papers ({', '.join(COLUMNS)}) "
    f"SELECT {', '.join(f'to_json(string_to_array({c}, E{_SEPARATOR!r}))' if c in _LISTS else c for c in COLUMNS)} "
    f"FROM {_STAGE} "
    "ON CONFLICT (arxiv_id) DO UPDATE SET "
    + ", ".join([f"{c} = CASE WHEN {_NEWER} THEN excluded.{c} ELSE papers.{c} END" for c in MAIN]
                + [f"{c} = COALESCE(excluded.{c}, papers.{c})" for c in NOTES])
    + f" WHERE {_NEWER} OR (papers.version = excluded.version AND ({_GAINS})) RETURNING xmax = 0 AS inserted) "
    "SELECT count(*) FILTER (WHERE inserted), count(*) FROM moved")


class BackfillQueries(Queries):
    async def backfill_state(self, key: str) -> BackfillState | None:
        return await self.session.get(BackfillState, key)

    async def save_backfill_state(self, key: str, *, token: str | None, status: str, pages: int, records: int,
                                  complete_list_size: int | None, now: datetime) -> None:
        values = dict(key=key, resumption_token=token, status=status, pages=pages, records=records,
                      complete_list_size=complete_list_size, started_at=now, updated_at=now)
        stmt = self.upsert(BackfillState.__table__).values(values)  # type: ignore[attr-defined]
        await self.session.exec(stmt.on_conflict_do_update(index_elements=["key"], set_={
            k: v for k, v in values.items() if k not in ("key", "started_at")}))

    async def forget_backfill(self, state: BackfillState) -> None:
        await self.session.delete(state)

    async def store_backfilled(self, rows: list[dict[str, Any]]) -> tuple[int, int]:
        """Store one page's papers (unique ids); (how many were new, how many rows were written)."""
        if not rows:
            return 0, 0
        if self.dialect == "postgresql":
            return await self._copy_backfilled(rows)
        ids = [row["arxiv_id"] for row in rows]
        known = (await self.session.exec(
            select(func.count()).select_from(Paper).where(col(Paper.arxiv_id).in_(ids)))).one()
        return len(rows) - known, await self._executemany_backfilled(rows)

    async def unenriched_run_papers(self, run_id: str, limit: int) -> list[str]:
        """Ids of a run's papers that have no comments, journal reference nor DOI yet, at most `limit`, in the
        run's order (a paper listed in several feeds once)."""
        table = Paper.__table__  # type: ignore[attr-defined]
        first = func.min(col(RunItem.position))
        rows = await self.session.exec(
            select(col(RunItem.arxiv_id)).join(table, table.c.arxiv_id == col(RunItem.arxiv_id))
            .where(col(RunItem.run_id) == run_id, *(table.c[c].is_(None) for c in NOTES))
            .group_by(col(RunItem.arxiv_id)).order_by(first).limit(limit))
        return list(rows)

    async def enrich_papers(self, notes: list[dict[str, Any]]) -> int:
        """Set comments, journal reference and DOI (`arxiv_id` and the three per row) where the store holds the
        paper; a None keeps what is stored. How many rows changed."""
        if not notes:
            return 0
        table = Paper.__table__  # type: ignore[attr-defined]
        values = {c: func.coalesce(bindparam(f"new_{c}"), table.c[c]) for c in NOTES}
        changed = or_(*(func.coalesce(bindparam(f"new_{c}", type_=table.c[c].type), "") !=
                        func.coalesce(table.c[c], "") for c in NOTES))
        stmt = update(table).where(table.c.arxiv_id == bindparam("new_id")).where(changed).values(values)
        changes = 0
        for note in notes:  # a lookup's hundred at most; one statement each, as asyncpg's executemany has no count
            result = await self.session.exec(stmt, params={  # type: ignore[call-overload]
                "new_id": note["arxiv_id"], **{f"new_{c}": note.get(c) for c in NOTES}})
            changes += max(result.rowcount, 0)
        return changes

    async def _copy_backfilled(self, rows: list[dict[str, Any]]) -> tuple[int, int]:
        # The search documents are left to one bulk pass after the harvest (shared/repository/search.py):
        # computing and indexing them here would cost more than the rest of the page together. Said through
        # the session, so that its transaction has begun before the driver's own statements run in it.
        await self.session.exec(text(f"SET LOCAL {DEFER_SETTING} = 'on'"))  # type: ignore[call-overload]
        raw = await (await self.session.connection()).get_raw_connection()
        driver = raw.driver_connection
        await driver.execute(_STAGE_DDL)
        join, records = _SEPARATOR.join, []
        for row in rows:  # the values in column order by one C call, then the two lists joined: 4x a generator's speed
            values = list(_IN_ORDER(row))
            values[_AUTHORS], values[_CATEGORIES] = join(values[_AUTHORS]), join(values[_CATEGORIES])
            records.append(values)
        await driver.copy_records_to_table(_STAGE, records=records, columns=COLUMNS)
        new, written = await driver.fetchrow(_PG_MOVE)  # the staged rows go at the commit (ON COMMIT DELETE ROWS)
        return new, written

    async def _executemany_backfilled(self, rows: list[dict[str, Any]]) -> int:
        table = Paper.__table__  # type: ignore[attr-defined]
        stmt = sqlite.insert(table)
        excluded = stmt.excluded
        newer = table.c.version < excluded.version
        updated: dict[str, Any] = {c: case((newer, excluded[c]), else_=table.c[c]) for c in MAIN}
        updated.update({c: func.coalesce(excluded[c], table.c[c]) for c in NOTES})
        gains = or_(*(table.c[c].is_(None) & excluded[c].is_not(None) for c in NOTES))
        stmt = stmt.on_conflict_do_update(index_elements=["arxiv_id"], set_=updated,
                                          where=newer | ((table.c.version == excluded.version) & gains))
        result = await self.session.exec(stmt, params=rows)  # type: ignore[call-overload]
        return max(result.rowcount, 0)  # type: ignore[attr-defined]

