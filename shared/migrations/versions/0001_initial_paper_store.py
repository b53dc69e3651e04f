"""initial paper store

Revision ID: 0001
Revises:
Create Date: 2026-11-29 01:22:05.392535
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fetch_runs',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('announced', sa.Date(), nullable=True),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('feeds', sa.JSON(), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('new', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('selected', sa.Integer(), nullable=False),
    sa.Column('publish_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_fetch_runs_stage'), 'fetch_runs', ['stage'], unique=False)
    op.create_index(op.f('ix_fetch_runs_started_at'), 'fetch_runs', ['started_at'], unique=False)
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('routing_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id')
    )
    op.create_index(op.f('ix_outbox_sent_at'), 'outbox', ['sent_at'], unique=False)
    op.create_table('papers',
    sa.Column('arxiv_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('abstract', sa.Text(), nullable=False),
    sa.Column('authors', sa.JSON(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('primary_category', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('announce_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('announced', sa.Date(), nullable=True),
    sa.Column('abs_url', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pdf_url', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('arxiv_id')
    )
    op.create_table('summaries',
    sa.Column('arxiv_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('model', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('prompt_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('prompt_tokens', sa.Integer(), nullable=False),
    sa.Column('completion_tokens', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('arxiv_id', 'version', 'model', 'prompt_hash')
    )
    op.create_table('publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('run_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('digest_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['fetch_runs.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_publications_name_id', 'publications', ['name', 'id'], unique=False)
    op.create_table('run_items',
    sa.Column('run_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('arxiv_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('feed_category', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('announce_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.ForeignKeyConstraint(['arxiv_id'], ['papers.arxiv_id'], ),
    sa.ForeignKeyConstraint(['run_id'], ['fetch_runs.id'], ),
    sa.PrimaryKeyConstraint('run_id', 'position')
    )
    op.create_index(op.f('ix_run_items_arxiv_id'), 'run_items', ['arxiv_id'], unique=False)
    op.create_table('run_summaries',
    sa.Column('run_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('arxiv_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('model', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('prompt_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['arxiv_id'], ['papers.arxiv_id'], ),
    sa.ForeignKeyConstraint(['run_id'], ['fetch_runs.id'], ),
    sa.PrimaryKeyConstraint('run_id', 'arxiv_id')
    )
    op.create_table('scores',
    sa.Column('run_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('profile', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('arxiv_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('title_keywords', sa.JSON(), nullable=False),
    sa.Column('shown_category', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['arxiv_id'], ['papers.arxiv_id'], ),
    sa.ForeignKeyConstraint(['run_id'], ['fetch_runs.id'], ),
    sa.PrimaryKeyConstraint('run_id', 'profile', 'arxiv_id')
    )


def downgrade() -> None:
    op.drop_table('scores')
    op.drop_table('run_summaries')
    op.drop_index(op.f('ix_run_items_arxiv_id'), table_name='run_items')
    op.drop_table('run_items')
    op.drop_index('ix_publications_name_id', table_name='publications')
    op.drop_table('publications')
    op.drop_table('summaries')
    op.drop_table('papers')
    op.drop_index(op.f('ix_outbox_sent_at'), table_name='outbox')
    op.drop_table('outbox')
    op.drop_index(op.f('ix_fetch_runs_started_at'), table_name='fetch_runs')
    op.drop_index(op.f('ix_fetch_runs_stage'), table_name='fetch_runs')
    op.drop_table('fetch_runs')
