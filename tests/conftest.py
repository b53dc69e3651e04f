"""Fixtures that build real resources: a fresh PostgreSQL database, RabbitMQ names of our own, SQLite files.

With CI=true a missing PostgreSQL or RabbitMQ fails the tests that need it; elsewhere they skip.
"""
from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aio_pika
import asyncpg
import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlmodel import SQLModel

from shared.db import make_engine, make_sessions, migrate
from shared.metrics import Metrics
from shared.runtime import Env, make_http
from shared.settings import Settings

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
# Retry delays the tests set (RETRY_DELAYS_SECONDS); their queues are deleted with the test's prefix.
TEST_DELAYS = (0.1, 0.2, 0.4, 1.0)

# Under CI the property tests draw the same examples every time, so a red run means the change broke something,
# not that a new draw found an old bug; local runs and bench/fuzz_feed.py keep exploring.
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI") == "true":
    hypothesis_settings.load_profile("ci")


def unavailable(what: str, exc: BaseException) -> None:
    message = f"{what} is not reachable ({type(exc).__name__}: {exc})"
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI must provide it", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
async def pg_url() -> AsyncIterator[str]:
    """A database of this test session's own, migrated to head, dropped at the end."""
    name = f"arxiv_bot_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
        unavailable("PostgreSQL", exc)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        await migrate(url)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="session")
async def amqp_url() -> str:
    try:
        connection = await aio_pika.connect(AMQP_URL, timeout=5)
    except (OSError, aio_pika.exceptions.AMQPError, asyncio.TimeoutError) as exc:
        unavailable("RabbitMQ", exc)
    await connection.close()
    return AMQP_URL


@pytest.fixture
async def amqp_prefix(amqp_url: str) -> AsyncIterator[str]:
    """Exchange and queue names no other test uses; deleted afterwards."""
    prefix = f"test_{uuid.uuid4().hex[:10]}"
    yield prefix
    await delete_topology(amqp_url, prefix)


async def delete_topology(amqp_url: str, prefix: str) -> None:
    """Every queue and exchange a prefix's services declared."""
    from shared.topology import SERVICES, Topology

    topology = Topology(prefix)
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for service in SERVICES:
            retries = [topology.retry_queue(service, d) for d in (*Settings().retry_delays_seconds, *TEST_DELAYS)]
            for queue in (topology.queue(service), topology.parking_queue(service), *retries):
                await channel.queue_delete(queue)
        for exchange in (topology.exchange, topology.parking_exchange):
            await channel.exchange_delete(exchange)


async def _truncate(engine) -> None:  # noqa: ANN001
    tables = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def settings_for(database_url: str | None, **overrides: object) -> Settings:
    # No test reaches arxiv.org for full texts: a closed local port refuses at once (tests that want full texts
    # point arxiv_base_url at a FakeArxiv).
    values: dict[str, object] = {"database_url": database_url, "http_retries": 0, "llm_retries": 0,
                                 "llm_timeout": 10, "http_timeout": 10, "sweep_interval_seconds": 0.2,
                                 "arxiv_base_url": "http://127.0.0.1:9", "arxiv_min_delay_seconds": 0.0,
                                 # the fetcher's enrichment after each run asks the export API: refused at once
                                 "arxiv_api_base_url": "http://127.0.0.1:9/api/query",
                                 "fetch_schedule": ""}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@asynccontextmanager
async def env_on(url: str) -> AsyncIterator[Env]:
    engine = make_engine(url)
    settings = settings_for(url)
    env = Env(settings, make_sessions(engine), make_http(settings), Metrics("test"))
    try:
        yield env
    finally:
        await env.http.aclose()
        if engine.dialect.name == "postgresql":
            await _truncate(engine)  # one database serves the whole session: leave it empty
        await engine.dispose()


@pytest.fixture
async def pg_env(pg_url: str) -> AsyncIterator[Env]:
    """An Env on the session's PostgreSQL database, emptied after each test."""
    async with env_on(pg_url) as env:
        yield env


@pytest.fixture
async def sqlite_env(tmp_path: Path) -> AsyncIterator[Env]:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    await migrate(url)
    async with env_on(url) as env:
        yield env


@pytest.fixture(params=["postgresql", "sqlite"])
def store_env(request: pytest.FixtureRequest) -> Env:
    """Both stores the project supports: the same domain code must behave the same on each."""
    return request.getfixturevalue("pg_env" if request.param == "postgresql" else "sqlite_env")
