"""Filling in the full-text documents a bulk load deferred (shared/models/search.py), a key range
(or a fetch's papers) at a time.

Papers without a row in `paper_search` are found by an anti-join in key order; each range is indexed by one
INSERT ... SELECT that computes the documents inside PostgreSQL. ON CONFLICT DO NOTHING: a fetch that stored
the same paper meanwhile wrote its document itself (with the text it stored, the newest).
"""
from __future__ import annotations

from sqlalchemy import TextClause, text

from shared.models.search import DEFER_SETTING, FTS_DOCUMENT
from shared.repository.base import Queries

_MISSING = "NOT EXISTS (SELECT 1 FROM paper_search s WHERE s.arxiv_id = p.arxiv_id)"
_NEXT_RANGE = text(f"SELECT max(arxiv_id), count(*) FROM (SELECT arxiv_id FROM papers p WHERE arxiv_id > :after "
                   f"AND {_MISSING} ORDER BY arxiv_id LIMIT :size) AS missing")


def _fill(papers: str) -> TextClause:
    """The documents of the papers `papers` selects that lack one, computed and stored by PostgreSQL."""
    return text(f"INSERT INTO paper_search (arxiv_id, document) SELECT arxiv_id, {FTS_DOCUMENT} FROM papers p "
                f"WHERE {papers} AND {_MISSING} ON CONFLICT (arxiv_id) DO NOTHING")


_FILL_IDS = _fill("arxiv_id = ANY(:ids)")
_FILL = _fill("arxiv_id > :after AND arxiv_id <= :last")


class SearchQueries(Queries):
    async def defer_search(self) -> None:
        """Papers this transaction writes are not indexed for search now (PostgreSQL; SQLite has no index)."""
        if self.dialect == "postgresql":
            await self.session.exec(text(f"SET LOCAL {DEFER_SETTING} = 'on'"))  # type: ignore[call-overload]

    async def unsearchable_range(self, after: str, size: int) -> tuple[str, int] | None:
        """The next at most `size` papers after the id `after` that have no search document: (last id, count),
        or None when there are none (always None on SQLite, which searches without documents)."""
        if self.dialect != "postgresql":
            return None
        last, count = (await self.session.exec(_NEXT_RANGE, params={"after": after, "size": size})).one()  # type: ignore[call-overload]
        return (last, count) if count else None

    async def index_ids(self, ids: list[str]) -> int:
        """Compute and store the documents of these papers that lack one; how many (none on SQLite)."""
        if self.dialect != "postgresql" or not ids:
            return 0
        result = await self.session.exec(_FILL_IDS, params={"ids": ids})  # type: ignore[call-overload]
        return max(result.rowcount, 0)

    async def index_range(self, after: str, last: str) -> int:
        """Compute and store the documents of the papers after `after` up to `last` that lack one; how many."""
        result = await self.session.exec(_FILL, params={"after": after, "last": last})  # type: ignore[call-overload]
        return max(result.rowcount, 0)
