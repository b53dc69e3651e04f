"""Full-text search over papers' titles and abstracts (PostgreSQL only; the embedded SQLite uses LIKE).

Each paper's document (`to_tsvector('english', title || ' ' || abstract)`) is stored in `paper_search`, a table
of its own with the GIN index, instead of an expression index on `papers`: computing and indexing a document
costs about twice as much as storing the paper itself, and a table of its own lets a bulk load (the OAI-PMH
backfill) store papers first and index them afterwards in bulk (shared/repository/search.py).

Triggers on `papers` (migration 0010) keep the table right for every other write: a paper inserted, or whose
title or abstract changes, gets its document in the same statement, unless the transaction says
`SET LOCAL arxiv_bot.defer_search = 'on'` (fetches and the backfill do), in which case a changed paper's stale
document is deleted and the paper waits, unsearchable, until services/fetcher/searchable.py fills it in. On
SQLite the table exists (one schema for both stores) and stays empty.
"""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlmodel import Field, SQLModel

FTS_CONFIG = "english"
# The document of one paper, as the triggers and the bulk fill compute it (papers' columns, unqualified).
# strip(): no word positions, which only phrase queries and ranking read (the API's search does neither); the
# table is smaller and cheaper to fill.
FTS_DOCUMENT = f"strip(to_tsvector('{FTS_CONFIG}'::regconfig, (title || ' '::text) || abstract))"
DEFER_SETTING = "arxiv_bot.defer_search"


class PaperSearch(SQLModel, table=True):
    __tablename__ = "paper_search"

    arxiv_id: str = Field(sa_column=Column(String(64), ForeignKey("papers.arxiv_id", ondelete="CASCADE"),
                                           primary_key=True))
    document: str = Field(sa_column=Column(TSVECTOR().with_variant(Text(), "sqlite"), nullable=False))


# On SQLite a plain index of an always empty table: one schema for both stores, compared as one in the tests.
PAPERS_FTS = Index("ix_paper_search_document", PaperSearch.__table__.c.document,  # type: ignore[attr-defined]
                   postgresql_using="gin")
