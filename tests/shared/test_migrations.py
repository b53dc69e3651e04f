"""Upgrading a store written by an earlier release keeps its data, on PostgreSQL and on SQLite."""
from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import inspect, text

from alembic import command

from shared.config import ConfigError
from shared.db import alembic_config, make_engine, migrate
from tests.conftest import PG_ADMIN_URL, unavailable

V1_ROWS = [
    "INSERT INTO fetch_runs (id, started_at, status, stage, announced, config, feeds, items, new, changed, unchanged,"
    " selected, publish_deadline) VALUES ('r1', '2024-11-29 05:00:00+00', 'ok', 'published', '2024-11-28', '{}',"
    " '[]', 2, 2, 0, 0, 1, NULL), ('r2', '2024-11-30 05:00:00+00', 'ok', 'scored', '2024-11-29', '{}', '[]', 1, 0,"
    " 0, 1, 1, '2024-11-30 06:00:00+00'), ('r3', '2024-12-01 05:00:00+00', 'empty', 'fetched', NULL, '{}', '[]', 0,"
    " 0, 0, 0, 0, NULL)",
    "INSERT INTO papers (arxiv_id, version, title, abstract, authors, categories, primary_category, announce_type,"
    " announced, abs_url, pdf_url, content_hash, first_seen_at, updated_at) VALUES ('2411.00001', 1, 'Sparse LLM',"
    " 'A.', '[]', '[\"cs.AI\"]', 'cs.AI', 'new', '2024-11-28', 'a', 'p', 'h', '2024-11-29 05:00:00+00',"
    " '2024-11-29 05:00:00+00')",
    "INSERT INTO scores (run_id, profile, arxiv_id, score, rank, keywords, title_keywords, shown_category) VALUES"
    " ('r1', 'default', '2411.00001', 2.5, 1, '[\"Sparse\", \"LLM\"]', '[\"Sparse\"]', 'cs.AI')",
    "INSERT INTO publications (name, run_id, digest_key, content_type, content, created_at) VALUES"
    " ('README.md', 'r1', 'k1', 'text/markdown', '# digest', '2024-11-29 05:01:00+00')",
]


@pytest.fixture(params=["postgresql", "sqlite"])
async def old_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"arxiv_bot_migration_{uuid.uuid4().hex[:8]}"
    try:
        admin = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
        unavailable("PostgreSQL", exc)  # fails in CI, skips elsewhere
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_a_foundation_store_upgrades_with_its_data(old_store: str) -> None:
    await migrate(old_store, "0001")
    engine = make_engine(old_store)
    try:
        async with engine.begin() as conn:
            for statement in V1_ROWS:
                await conn.execute(text(statement))
        await migrate(old_store)
        async with engine.connect() as conn:
            profiles = (await conn.execute(text(
                "SELECT run_id, profile, stage, selected, publish_deadline IS NOT NULL FROM run_profiles "
                "ORDER BY run_id"))).all()
            stages = dict((await conn.execute(text("SELECT id, stage FROM fetch_runs"))).all())
            hits = (await conn.execute(text("SELECT hits, near_miss FROM scores"))).one()
            publication = (await conn.execute(text("SELECT profile, announced FROM publications"))).one()
            locks = {row[0] for row in (await conn.execute(text("SELECT name FROM locks"))).all()}
    finally:
        await engine.dispose()
    assert [tuple(p) for p in profiles] == [("r1", "default", "published", 1, False),
                                            ("r2", "default", "scored", 1, True)]
    assert stages == {"r1": "scored", "r2": "scored", "r3": "fetched"}
    stored = hits[0] if isinstance(hits[0], list) else json.loads(hits[0])
    assert stored == [{"term": "Sparse", "where": "title", "points": 1.5},
                      {"term": "LLM", "where": "abstract", "points": 1.0}]
    assert not hits[1]
    assert publication[0] == "default" and str(publication[1]) == "2024-11-28"
    assert locks == {"fetch", "profiles"}


async def test_0007_seeds_the_version_history_and_the_readable_text(old_store: str) -> None:
    await migrate(old_store, "0006")
    engine = make_engine(old_store)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO papers (arxiv_id, version, title, abstract, authors, categories, primary_category,"
                " announce_type, announced, abs_url, pdf_url, content_hash, first_seen_at, updated_at) VALUES"
                " ('2411.00001', 3, 'Schr\\\"odinger $O(n^2)$', 'A \\emph{b}.', '[\"Ada\"]', '[\"cs.AI\"]', 'cs.AI',"
                " 'replace', '2024-11-28', 'a', 'p', 'h', '2024-11-01 05:00:00+00', '2024-11-29 05:00:00+00'),"
                " ('2411.00002', 1, 'Plain', 'Plain.', '[]', '[\"cs.LG\"]', 'cs.LG', 'new', NULL, 'a', 'p', 'h',"
                " '2024-11-29 05:00:00+00', '2024-11-29 05:00:00+00')"))
        await migrate(old_store)
        async with engine.connect() as conn:
            versions = (await conn.execute(text(
                "SELECT arxiv_id, version, title, announce_type, announced FROM paper_versions"
                " ORDER BY arxiv_id"))).all()
            readable = (await conn.execute(text(
                "SELECT title_text, abstract_text FROM papers ORDER BY arxiv_id"))).all()
            feed_state = (await conn.execute(text("SELECT count(*) FROM feed_state"))).scalar()
    finally:
        await engine.dispose()
    assert [(v[0], v[1], v[2], v[3], str(v[4])) for v in versions] == [
        ("2411.00001", 3, 'Schr\\"odinger $O(n^2)$', "replace", "2024-11-28"),
        ("2411.00002", 1, "Plain", "new", "None")]
    assert [tuple(r) for r in readable] == [("Schrödinger O(n²)", "A b."), ("Plain", "Plain.")]
    assert feed_state == 0


async def test_the_backfill_migration_keeps_papers_and_adds_enrichment_and_state(old_store: str) -> None:
    await migrate(old_store, "0006")
    engine = make_engine(old_store)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(V1_ROWS[1]))
        await migrate(old_store, "0008")
        async with engine.begin() as conn:
            paper = (await conn.execute(text(
                "SELECT arxiv_id, title, comments, journal_ref, doi FROM papers"))).one()
            await conn.execute(text(
                "UPDATE papers SET comments = '12 pages', journal_ref = 'J. X 1 (2025)', doi = '10.1/x'"))
            await conn.execute(text(
                "INSERT INTO backfill_state (key, resumption_token, status, pages, records, started_at, updated_at)"
                " VALUES ('arXiv|cs||', '1|1000', 'running', 1, 1000, '2026-11-29 22:00:00+00',"
                " '2026-11-29 22:00:00+00')"))
        # and back down: the columns and the table go, the paper stays
        await asyncio.to_thread(command.downgrade, alembic_config(old_store), "0006")
        async with engine.connect() as conn:
            columns = await conn.run_sync(lambda c: {col["name"] for col in inspect(c).get_columns("papers")})
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            title = (await conn.execute(text("SELECT title FROM papers"))).scalar_one()
    finally:
        await engine.dispose()
    assert tuple(paper) == ("2411.00001", "Sparse LLM", None, None, None)
    assert not {"comments", "journal_ref", "doi"} & columns and "backfill_state" not in tables
    assert title == "Sparse LLM"


async def test_the_search_migration_gives_stored_papers_their_documents(old_store: str) -> None:
    await migrate(old_store, "0009")
    engine = make_engine(old_store)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(V1_ROWS[1]))  # 2411.00001, "Sparse LLM"
        await migrate(old_store)
        async with engine.connect() as conn:
            documents = (await conn.execute(text("SELECT arxiv_id, document FROM paper_search"))).all()
            indexes = await conn.run_sync(lambda c: {i["name"] for i in inspect(c).get_indexes("papers")})
    finally:
        await engine.dispose()
    if old_store.startswith("sqlite"):
        assert documents == []  # SQLite searches with LIKE: the table stays empty
        return
    assert [(arxiv_id, str(document)) for arxiv_id, document in documents] == [("2411.00001", "'llm' 'spars'")]
    assert "ix_papers_fts" not in indexes


def test_head_names_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    from shared.db import HEAD

    assert ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() == HEAD


async def test_neither_a_new_store_nor_one_at_head_imports_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'daily.db'}"
    script = ("import asyncio, sys\nfrom shared.db import at_head, migrate\n"
              f"before = asyncio.run(at_head({url!r}))\nasyncio.run(migrate({url!r}))\n"
              "print(before, asyncio.run(at_head(" + repr(url) + ")), 'alembic' in sys.modules)\n")
    runs = []
    for _ in range(2):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, cwd=Path(__file__).resolve().parents[2],
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        runs.append(out.decode().split())
    assert runs[0] == ["False", "True", "False"]  # a new store: made from the snapshot (shared/snapshot.py)
    assert runs[1] == ["True", "True", "False"]  # the next day: nothing to apply, Alembic never loaded


async def test_a_store_from_a_newer_release_is_a_clear_error_and_is_left_as_it_is(old_store: str) -> None:
    await migrate(old_store)
    engine = make_engine(old_store)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    finally:
        await engine.dispose()
    with pytest.raises(ConfigError) as info:
        await migrate(old_store)
    assert str(info.value) == ("the store at DATABASE_URL cannot be migrated to head: Can't locate revision identified "
                               "by '0099' (a store written by a newer release of arxiv-bot? upgrade it, or use "
                               "another store)")
    engine = make_engine(old_store)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one() == "0099"
    finally:
        await engine.dispose()
