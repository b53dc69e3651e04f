"""paper search: each paper's full-text document in a table of its own, kept by triggers, deferrable in bulk

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 00:30:00.000000

`ix_papers_fts` (an expression index on papers) made every stored paper compute and index its document in
the storing transaction, most of what a bulk load costs. The document moves to `paper_search` (GIN index),
written by triggers on papers: on insert, and on a change of title or abstract. A transaction that says
`SET LOCAL arxiv_bot.defer_search = 'on'` (the OAI-PMH backfill) skips the computing: an inserted paper gets
no document yet, a changed one loses its stale document, and shared/repository/search.py fills in every
missing one in bulk. Existing papers get their document here. On SQLite the table is created and stays empty
(its search uses LIKE).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

DOCUMENT = "strip(to_tsvector('english'::regconfig, (title || ' '::text) || abstract))"  # no positions: unused
DEFERRED = "current_setting('arxiv_bot.defer_search', true) = 'on'"
SYNC = f"""CREATE OR REPLACE FUNCTION papers_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF {DEFERRED} THEN
        DELETE FROM paper_search WHERE arxiv_id = NEW.arxiv_id;
    ELSE
        INSERT INTO paper_search (arxiv_id, document)
        VALUES (NEW.arxiv_id, strip(to_tsvector('english'::regconfig, (NEW.title || ' '::text) || NEW.abstract)))
        ON CONFLICT (arxiv_id) DO UPDATE SET document = excluded.document;
    END IF;
    RETURN NULL;
END $$"""
# WHEN clauses are evaluated without calling the function: a deferred insert or an unchanged text costs nothing.
TRIGGERS = [
    "CREATE TRIGGER papers_search_insert AFTER INSERT ON papers FOR EACH ROW "
    f"WHEN (NOT coalesce({DEFERRED}, false)) EXECUTE FUNCTION papers_search_sync()",
    "CREATE TRIGGER papers_search_update AFTER UPDATE OF title, abstract ON papers FOR EACH ROW "
    "WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.abstract IS DISTINCT FROM NEW.abstract) "
    "EXECUTE FUNCTION papers_search_sync()",
]
OLD_INDEX = ("CREATE INDEX IF NOT EXISTS ix_papers_fts ON papers USING gin "
             "(to_tsvector('english'::regconfig, (title || ' '::text) || abstract))")


def upgrade() -> None:
    op.create_table('paper_search',
    sa.Column('arxiv_id', sa.String(length=64), nullable=False),
    sa.Column('document', TSVECTOR().with_variant(sa.Text(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['arxiv_id'], ['papers.arxiv_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('arxiv_id')
    )
    op.create_index('ix_paper_search_document', 'paper_search', ['document'], postgresql_using='gin')
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(SYNC)
    for statement in TRIGGERS:
        op.execute(statement)
    op.execute(f"INSERT INTO paper_search (arxiv_id, document) SELECT arxiv_id, {DOCUMENT} FROM papers")
    op.execute("DROP INDEX IF EXISTS ix_papers_fts")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(OLD_INDEX)
        op.execute("DROP TRIGGER IF EXISTS papers_search_update ON papers")
        op.execute("DROP TRIGGER IF EXISTS papers_search_insert ON papers")
        op.execute("DROP FUNCTION IF EXISTS papers_search_sync()")
    op.drop_table('paper_search')
