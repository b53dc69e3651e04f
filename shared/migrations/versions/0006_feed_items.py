"""feed items: the feeds' history window per profile

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01 12:00:00.000000

One row per (profile, paper) that was in a digest; the feeds (RSS, Atom, JSON Feed) are rendered from the
newest rows at each publication. Nothing to carry over: the window fills from the next publication on.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('feed_items',
    sa.Column('profile', S(length=40), nullable=False),
    sa.Column('arxiv_id', S(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('run_id', S(length=32), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('announced', sa.Date(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('content_hash', S(length=64), nullable=False),
    sa.Column('published_at', TS, nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.Column('seen_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('profile', 'arxiv_id')
    )
    with op.batch_alter_table('feed_items', schema=None) as batch_op:
        batch_op.create_index('ix_feed_items_profile_seen', ['profile', 'seen_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('feed_items', schema=None) as batch_op:
        batch_op.drop_index('ix_feed_items_profile_seen')
    op.drop_table('feed_items')
