"""webhook deliveries: when a finished delivery's rendered bodies were dropped

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 12:10:00.000000

A delivery keeps the bodies it sends (rendered once, so every retry sends the same bytes): a digest for a chat
platform is up to tens of kilobytes, kept for ever after it was sent. Retention now empties the bodies of a
delivered or failed delivery after PUBLICATION_RETENTION_DAYS and records when; the delivery and its log of
attempts stay. Nothing to carry over: every existing row still has its bodies.
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parts_pruned_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_column('parts_pruned_at')
