"""profiles: the unit of work becomes a (run, profile); summary claims; named locks

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 17:55:10.544995

Existing data moves over: every scored run gets a `default` run profile carrying its stage, selection count
and deadline; scores' keyword lists become explained hits (+1 anywhere, +0.5 more in the title: the only
mode there was); publications belong to `default` and to their run's announcement date.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    locks = op.create_table('locks',
    sa.Column('name', S(length=32), nullable=False),
    sa.Column('touched_at', TS, nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.bulk_insert(locks, [{"name": "fetch"}, {"name": "profiles"}])
    op.create_table('profile_versions',
    sa.Column('name', S(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('origin', S(length=16), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('name', 'version')
    )
    op.create_table('profiles',
    sa.Column('name', S(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('origin', S(length=16), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('summary_claims',
    sa.Column('arxiv_id', S(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('model', S(length=128), nullable=False),
    sa.Column('prompt_hash', S(length=64), nullable=False),
    sa.Column('holder', S(length=64), nullable=False),
    sa.Column('expires_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('arxiv_id', 'version', 'model', 'prompt_hash')
    )
    op.create_table('run_profiles',
    sa.Column('run_id', S(length=32), nullable=False),
    sa.Column('profile', S(length=40), nullable=False),
    sa.Column('profile_version', sa.Integer(), nullable=False),
    sa.Column('status', S(length=16), nullable=False),
    sa.Column('stage', S(length=16), nullable=False),
    sa.Column('announced', sa.Date(), nullable=True),
    sa.Column('candidates', sa.Integer(), nullable=False),
    sa.Column('selected', sa.Integer(), nullable=False),
    sa.Column('to_summarize', sa.JSON(), nullable=False),
    sa.Column('publish_deadline', TS, nullable=True),
    sa.Column('digest_key', S(length=64), nullable=True),
    sa.Column('changed', sa.Boolean(), nullable=True),
    sa.Column('scored_at', TS, nullable=True),
    sa.Column('published_at', TS, nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['fetch_runs.id'], ),
    sa.PrimaryKeyConstraint('run_id', 'profile')
    )
    with op.batch_alter_table('run_profiles', schema=None) as batch_op:
        batch_op.create_index('ix_run_profiles_profile_announced', ['profile', 'announced'], unique=False)
        batch_op.create_index(batch_op.f('ix_run_profiles_stage'), ['stage'], unique=False)
    op.execute(
        "INSERT INTO run_profiles (run_id, profile, profile_version, status, stage, announced, candidates, "
        "selected, to_summarize, publish_deadline) "
        "SELECT id, 'default', 1, status, CASE stage WHEN 'published' THEN 'published' ELSE 'scored' END, "
        "announced, 0, selected, '[]', publish_deadline FROM fetch_runs "
        "WHERE stage IN ('scored', 'summarized', 'published')")

    with op.batch_alter_table('fetch_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', S(length=32), nullable=False, server_default='manual'))
        batch_op.drop_column('selected')
        batch_op.drop_column('publish_deadline')
    op.execute("UPDATE fetch_runs SET stage = 'scored' WHERE stage IN ('summarized', 'published')")

    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile', S(length=40), nullable=False, server_default='default'))
        batch_op.add_column(sa.Column('announced', sa.Date(), nullable=True))
        batch_op.drop_index(batch_op.f('ix_publications_name_id'))
        batch_op.create_index('ix_publications_profile_name', ['profile', 'name', 'announced', 'id'], unique=False)
    op.execute("UPDATE publications SET announced = "
               "(SELECT announced FROM fetch_runs WHERE fetch_runs.id = publications.run_id)")

    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('near_miss', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('hits', sa.JSON(), nullable=True))
    _keywords_to_hits()
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.alter_column('hits', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('profile', existing_type=sa.VARCHAR(length=64), type_=S(length=40),
                              existing_nullable=False)
        batch_op.drop_column('title_keywords')
        batch_op.drop_column('keywords')


def _keywords_to_hits() -> None:
    scores = sa.table('scores', sa.column('run_id', sa.String), sa.column('profile', sa.String),
                      sa.column('arxiv_id', sa.String), sa.column('keywords', sa.JSON),
                      sa.column('title_keywords', sa.JSON), sa.column('hits', sa.JSON))
    conn = op.get_bind()
    rows = conn.execute(sa.select(scores.c.run_id, scores.c.profile, scores.c.arxiv_id, scores.c.keywords,
                                  scores.c.title_keywords)).all()
    for run_id, profile, arxiv_id, keywords, in_title in rows:
        hits = [{"term": k, "where": "title" if k in (in_title or []) else "abstract",
                 "points": 1.5 if k in (in_title or []) else 1.0} for k in keywords or []]
        conn.execute(scores.update().where(scores.c.run_id == run_id, scores.c.profile == profile,
                                           scores.c.arxiv_id == arxiv_id).values(hits=hits))


def downgrade() -> None:
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keywords', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('title_keywords', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.alter_column('profile', existing_type=S(length=40), type_=sa.VARCHAR(length=64),
                              existing_nullable=False)
        batch_op.drop_column('hits')
        batch_op.drop_column('near_miss')

    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_index('ix_publications_profile_name')
        batch_op.create_index(batch_op.f('ix_publications_name_id'), ['name', 'id'], unique=False)
        batch_op.drop_column('announced')
        batch_op.drop_column('profile')

    with op.batch_alter_table('fetch_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publish_deadline', TS, nullable=True))
        batch_op.add_column(sa.Column('selected', sa.Integer(), nullable=False, server_default='0'))
        batch_op.drop_column('reason')

    with op.batch_alter_table('run_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_profiles_stage'))
        batch_op.drop_index('ix_run_profiles_profile_announced')

    op.drop_table('run_profiles')
    op.drop_table('summary_claims')
    op.drop_table('profiles')
    op.drop_table('profile_versions')
    op.drop_table('locks')
