"""paper versions, readable text, feed state

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 21:40:00.000000

`paper_versions` keeps every version of a paper the fetcher saw (seeded with one row per stored paper: its
current version); `papers` gains `title_text` and `abstract_text`, the readable form of the raw LaTeX (filled
here for the stored papers); `feed_state` holds each feed URL's validators and fingerprint for conditional
requests and stale-feed detection (empty until the next fetch).
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from shared.latex import readable

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString
TS = sa.DateTime(timezone=True)
BATCH = 1000


def _fill_readable_text() -> None:
    bind = op.get_bind()
    papers = sa.table('papers', sa.column('arxiv_id', sa.String), sa.column('title', sa.Text),
                      sa.column('abstract', sa.Text), sa.column('title_text', sa.Text),
                      sa.column('abstract_text', sa.Text))
    after = ''
    while True:  # keyset batches: memory stays flat on a store of any size
        rows = bind.execute(sa.select(papers.c.arxiv_id, papers.c.title, papers.c.abstract)
                            .where(papers.c.arxiv_id > after).order_by(papers.c.arxiv_id).limit(BATCH)).all()
        if not rows:
            return
        bind.execute(papers.update().where(papers.c.arxiv_id == sa.bindparam('id'))
                     .values(title_text=sa.bindparam('t'), abstract_text=sa.bindparam('a')),
                     [{'id': r[0], 't': readable(r[1]), 'a': readable(r[2])} for r in rows])
        after = rows[-1][0]


def upgrade() -> None:
    op.create_table('paper_versions',
    sa.Column('arxiv_id', S(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('abstract', sa.Text(), nullable=False),
    sa.Column('authors', sa.JSON(), nullable=False),
    sa.Column('announce_type', S(length=32), nullable=False),
    sa.Column('announced', sa.Date(), nullable=True),
    sa.Column('seen_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('arxiv_id', 'version')
    )
    op.create_table('feed_state',
    sa.Column('url', S(length=2048), nullable=False),
    sa.Column('etag', S(length=1024), nullable=True),
    sa.Column('last_modified', S(length=64), nullable=True),
    sa.Column('built', S(length=64), nullable=True),
    sa.Column('fingerprint', S(length=64), nullable=True),
    sa.Column('announced', sa.Date(), nullable=True),
    sa.Column('checked_at', TS, nullable=False),
    sa.Column('changed_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('url')
    )
    with op.batch_alter_table('papers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_text', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('abstract_text', sa.Text(), nullable=False, server_default=''))
    op.execute("INSERT INTO paper_versions (arxiv_id, version, title, abstract, authors, announce_type, announced,"
               " seen_at) SELECT arxiv_id, version, title, abstract, authors, announce_type, announced, updated_at"
               " FROM papers")
    _fill_readable_text()


def downgrade() -> None:
    with op.batch_alter_table('papers', schema=None) as batch_op:
        batch_op.drop_column('abstract_text')
        batch_op.drop_column('title_text')
    op.drop_table('feed_state')
    op.drop_table('paper_versions')
