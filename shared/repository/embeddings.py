"""Stored sentence embeddings: looked up by (paper, version, model), written once."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import tuple_
from sqlmodel import col, select

from shared.models import PaperEmbedding
from shared.repository.base import BATCH, MANY, Queries, chunks


class EmbeddingQueries(Queries):
    async def embeddings(self, keys: Iterable[tuple[str, int]], model: str) -> dict[tuple[str, int], bytes]:
        """The stored vectors of these (arxiv_id, version) pairs for `model`; missing pairs are absent."""
        found: dict[tuple[str, int], bytes] = {}
        for part in chunks(list(dict.fromkeys(keys)), BATCH):
            rows = await self.session.exec(
                select(PaperEmbedding.arxiv_id, PaperEmbedding.version, PaperEmbedding.vector)
                .where(PaperEmbedding.model == model)
                .where(tuple_(col(PaperEmbedding.arxiv_id), col(PaperEmbedding.version)).in_(part)))
            found.update({(arxiv_id, version): vector for arxiv_id, version, vector in rows})
        return found

    async def add_embeddings(self, rows: list[dict[str, Any]]) -> None:
        """Store vectors; one computed meanwhile by another scorer is kept (they are the same numbers)."""
        stmt = self.upsert(PaperEmbedding.__table__).on_conflict_do_nothing()  # type: ignore[attr-defined]
        for part in chunks(rows, MANY):  # one statement, many parameter sets: compiled once (feeds.py says why)
            await self.session.exec(stmt, params=part)  # type: ignore[call-overload]
