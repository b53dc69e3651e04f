"""paper embeddings: the scorer's semantic vectors, one per paper version and model

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 21:40:00.000000

Nothing to carry over: vectors are computed the first time a profile with interests reads a paper.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table('paper_embeddings',
    sa.Column('arxiv_id', S(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('model', S(length=64), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('arxiv_id', 'version', 'model')
    )


def downgrade() -> None:
    op.drop_table('paper_embeddings')
