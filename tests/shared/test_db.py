"""Migrations: they build the schema the models describe, on PostgreSQL and on SQLite."""
from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from shared import models  # noqa: F401  (registers the tables)
from shared.db import async_url, make_engine, migrate


def _diff(connection) -> list:  # noqa: ANN001
    return compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)


async def test_migrations_match_the_models_on_postgresql(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()


async def test_migrations_apply_to_a_fresh_sqlite_file_and_are_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    await migrate(url)
    await migrate(url)  # a second run finds nothing to do
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()
    assert {"papers", "fetch_runs", "run_items", "scores", "summaries", "run_summaries", "publications",
            "outbox", "alembic_version"} <= tables


def test_plain_urls_get_async_drivers() -> None:
    assert async_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert async_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert async_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert async_url("postgresql+asyncpg://u@h/db") == "postgresql+asyncpg://u@h/db"


async def test_an_unreachable_store_is_told_apart_from_a_wrong_statement(pg_url: str) -> None:
    from sqlalchemy import text

    from shared.db import store_unreachable

    closed = make_engine("postgresql://postgres@127.0.0.1:9/nowhere")  # nothing listens on port 9
    try:
        async with closed.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - whatever the driver raises is what the runtime sees
        refused = exc
    finally:
        await closed.dispose()
    engine = make_engine(pg_url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1/0"))
    except Exception as exc:  # noqa: BLE001
        wrong = exc
    finally:
        await engine.dispose()
    assert store_unreachable(refused)
    assert not store_unreachable(wrong)
    assert not store_unreachable(TimeoutError())  # a handler's own timeout is an attempt, not an outage
