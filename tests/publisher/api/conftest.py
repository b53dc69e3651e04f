"""The publisher app on a real runtime (PostgreSQL, RabbitMQ), reached in-process through ASGI."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from shared.runtime import Env
from services.publisher.app import build
from tests.conftest import settings_for

TOKEN = "operator-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

Client = Callable[..., Any]


@pytest.fixture
def publisher(pg_env: Env, amqp_url: str, amqp_prefix: str) -> Client:
    """publisher(**settings) -> an async context manager giving an httpx client of a started publisher."""

    @asynccontextmanager
    async def start(**overrides: object) -> AsyncIterator[httpx.AsyncClient]:
        values: dict[str, object] = {"amqp_url": amqp_url, "amqp_prefix": amqp_prefix, "api_token": TOKEN,
                                     "sweep_interval_seconds": 3600}
        values.update(overrides)
        database = values.pop("database_url", pg_env.settings.database_url)
        app = build(settings_for(database, **values))  # type: ignore[arg-type]
        await app.state.runtime.start()
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                         base_url="http://publisher") as client:
                yield client
        finally:
            await app.state.runtime.stop()

    return start


@pytest.fixture
async def api(publisher: Client) -> AsyncIterator[httpx.AsyncClient]:
    async with publisher() as client:
        yield client
