"""api and webhooks: subscriptions, deliveries, the delivery log; full-text search over papers

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:00:00.000000

The full-text index exists on PostgreSQL only (the embedded SQLite searches with LIKE). It is an expression
index (shared/models/search.py), written here the way PostgreSQL reflects it back; the API's search
(shared/repository/api.py) spells the same expression so the planner can use it.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString
TS = sa.DateTime(timezone=True)
FTS_INDEX = ("CREATE INDEX IF NOT EXISTS ix_papers_fts ON papers USING gin "
             "(to_tsvector('english'::regconfig, (title || ' '::text) || abstract))")


def upgrade() -> None:
    op.create_table('webhook_subscriptions',
    sa.Column('id', S(length=40), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('profile', S(length=40), nullable=False),
    sa.Column('format', S(length=16), nullable=False),
    sa.Column('per', S(length=16), nullable=False),
    sa.Column('origin', S(length=16), nullable=False),
    sa.Column('secret', S(length=128), nullable=True),
    sa.Column('secret_env', S(length=128), nullable=True),
    sa.Column('feishu_secret', S(length=256), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('paused_reason', sa.Text(), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_webhook_subscriptions_profile'), 'webhook_subscriptions', ['profile'], unique=False)
    op.create_table('webhook_deliveries',
    sa.Column('id', S(length=40), nullable=False),
    sa.Column('subscription_id', S(length=40), nullable=False),
    sa.Column('dedupe_key', S(length=96), nullable=False),
    sa.Column('event', S(length=32), nullable=False),
    sa.Column('run_id', S(length=32), nullable=False),
    sa.Column('profile', S(length=40), nullable=False),
    sa.Column('arxiv_id', S(length=64), nullable=True),
    sa.Column('parts', sa.JSON(), nullable=False),
    sa.Column('parts_sent', sa.Integer(), nullable=False),
    sa.Column('status', S(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', TS, nullable=True),
    sa.Column('lease', S(length=32), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('delivered_at', TS, nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['fetch_runs.id'], ),
    sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscriptions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subscription_id', 'dedupe_key', name='uq_webhook_deliveries_key')
    )
    op.create_index('ix_webhook_deliveries_due', 'webhook_deliveries', ['status', 'next_attempt_at'], unique=False)
    op.create_index('ix_webhook_deliveries_subscription', 'webhook_deliveries', ['subscription_id', 'created_at'],
                    unique=False)
    op.create_table('webhook_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', S(length=40), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('part', sa.Integer(), nullable=False),
    sa.Column('started_at', TS, nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('latency_ms', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['webhook_deliveries.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_webhook_attempts_delivery_id'), 'webhook_attempts', ['delivery_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FTS_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_papers_fts")
    op.drop_index(op.f('ix_webhook_attempts_delivery_id'), table_name='webhook_attempts')
    op.drop_table('webhook_attempts')
    op.drop_index('ix_webhook_deliveries_subscription', table_name='webhook_deliveries')
    op.drop_index('ix_webhook_deliveries_due', table_name='webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_index(op.f('ix_webhook_subscriptions_profile'), table_name='webhook_subscriptions')
    op.drop_table('webhook_subscriptions')
