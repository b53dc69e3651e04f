"""full-text summaries: the cache key gains the language and the source; what was read is recorded

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 18:40:00

Existing summaries were all made from the abstract, in the default language: they keep their text under
language 'en' and source 'abstract', so nothing already paid for is asked again for them. Claims are leases
of a few seconds and hold nothing worth keeping: the table is rebuilt with its new key.
"""
import warnings

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString
TS = sa.DateTime(timezone=True)
OLD_KEY = ['arxiv_id', 'version', 'model', 'prompt_hash']
NEW_KEY = [*OLD_KEY, 'language', 'source']


def _claims(*key_columns: sa.Column) -> None:
    op.create_table('summary_claims',
    sa.Column('arxiv_id', S(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('model', S(length=128), nullable=False),
    sa.Column('prompt_hash', S(length=64), nullable=False),
    *key_columns,
    sa.Column('holder', S(length=64), nullable=False),
    sa.Column('expires_at', TS, nullable=False),
    sa.PrimaryKeyConstraint(*OLD_KEY, *(c.name for c in key_columns))
    )


def _primary_key(columns: list[str]) -> None:
    """PostgreSQL changes a primary key in place; SQLite's batch mode rebuilds the table around the new one
    (and warns that the key it reflected is not the one asked for, which is the point)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*primary_key=True, not matching locally specified columns")
        with op.batch_alter_table('summaries', schema=None) as batch_op:
            if op.get_bind().dialect.name == 'postgresql':
                batch_op.drop_constraint('summaries_pkey', type_='primary')
            batch_op.create_primary_key('summaries_pkey', columns)


def upgrade() -> None:
    with op.batch_alter_table('summaries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', S(length=32), nullable=False, server_default='en'))
        batch_op.add_column(sa.Column('source', S(length=16), nullable=False, server_default='abstract'))
        batch_op.add_column(sa.Column('source_detail', S(length=200), nullable=True))
        batch_op.add_column(sa.Column('chars_sent', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('tokens_sent', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('cut', sa.Boolean(), nullable=False, server_default=sa.false()))
    _primary_key(NEW_KEY)
    with op.batch_alter_table('summaries', schema=None) as batch_op:
        for column in ('language', 'source', 'chars_sent', 'tokens_sent', 'cut'):
            batch_op.alter_column(column, server_default=None)

    with op.batch_alter_table('run_summaries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', S(length=32), nullable=True))
        batch_op.add_column(sa.Column('source', S(length=16), nullable=True))
        batch_op.add_column(sa.Column('reused', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE run_summaries SET language = 'en', source = 'abstract' WHERE version IS NOT NULL")
    with op.batch_alter_table('run_summaries', schema=None) as batch_op:
        batch_op.alter_column('reused', server_default=None)

    op.drop_table('summary_claims')
    _claims(sa.Column('language', S(length=32), nullable=False))


def downgrade() -> None:
    op.drop_table('summary_claims')
    _claims()

    with op.batch_alter_table('run_summaries', schema=None) as batch_op:
        batch_op.drop_column('reused')
        batch_op.drop_column('source')
        batch_op.drop_column('language')

    # Of several rows for one old key, one stays: a done one first, then the fullest source.
    rank = "(CASE {t}.status WHEN 'done' THEN 0 ELSE 3 END + CASE {t}.source WHEN 'html' THEN 0 WHEN 'pdf' THEN 1 " \
           "ELSE 2 END)"
    op.execute("DELETE FROM summaries WHERE EXISTS (SELECT 1 FROM summaries AS better "
               "WHERE better.arxiv_id = summaries.arxiv_id AND better.version = summaries.version "
               "AND better.model = summaries.model AND better.prompt_hash = summaries.prompt_hash "
               f"AND ({rank.format(t='better')} < {rank.format(t='summaries')} "
               f"OR {rank.format(t='better')} = {rank.format(t='summaries')} "
               "AND better.language < summaries.language))")
    _primary_key(OLD_KEY)
    with op.batch_alter_table('summaries', schema=None) as batch_op:
        for column in ('cut', 'tokens_sent', 'chars_sent', 'source_detail', 'source', 'language'):
            batch_op.drop_column(column)
