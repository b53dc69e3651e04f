"""backfill: papers' comments, journal reference and DOI; where each OAI-PMH harvest stands

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 22:00:00.000000

The three columns are nullable (the feeds never carried them; the export API and OAI-PMH fill them in).
`backfill_state` holds one row per harvest (metadataPrefix|set|from|until) with the token of its next page.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('papers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comments', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('journal_ref', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('doi', S(length=255), nullable=True))
    op.create_table('backfill_state',
    sa.Column('key', S(length=200), nullable=False),
    sa.Column('resumption_token', S(length=2000), nullable=True),
    sa.Column('status', S(length=16), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('complete_list_size', sa.Integer(), nullable=True),
    sa.Column('started_at', TS, nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('backfill_state')
    with op.batch_alter_table('papers', schema=None) as batch_op:
        batch_op.drop_column('doi')
        batch_op.drop_column('journal_ref')
        batch_op.drop_column('comments')
