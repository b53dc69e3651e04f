"""Full-text search over papers' titles and abstracts (PostgreSQL only; the embedded SQLite uses LIKE).

An expression index in a module of its own, so the papers table stays as the fetcher defines it. The API's
search spells the very same expression (shared/repository/api.py) so the planner can use the index.
"""
from __future__ import annotations

from sqlalchemy import Index, text

from shared.models.papers import Paper

FTS_CONFIG = "english"
# Spelled the way PostgreSQL reflects it back, so comparing the migrations with the models finds no difference.
FTS_DOCUMENT = f"to_tsvector('{FTS_CONFIG}'::regconfig, (title || ' '::text) || abstract)"

PAPERS_FTS = Index("ix_papers_fts", text(FTS_DOCUMENT), postgresql_using="gin",
                   _table=Paper.__table__).ddl_if(dialect="postgresql")  # type: ignore[attr-defined]
