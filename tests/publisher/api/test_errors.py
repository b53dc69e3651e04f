"""Errors are problem documents without tracebacks; bodies are size-limited; the OpenAPI document is served."""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from shared.db import migrate
from tests.conftest import PG_ADMIN_URL
from tests.publisher.api.conftest import AUTH, Client


async def test_unknown_routes_and_methods_are_problems(api: httpx.AsyncClient) -> None:
    missing = await api.get("/api/v1/nothing")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert missing.json() == {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "Not Found",
                              "instance": "/api/v1/nothing"}
    wrong = await api.request("TRACE", "/api/v1/papers")
    assert wrong.status_code == 405 and "GET" in wrong.headers["allow"]


async def test_a_declared_oversized_body_is_refused_before_reading(publisher: Client) -> None:
    async with publisher(max_request_body_bytes=2048) as api:
        response = await api.put("/api/v1/profiles/ml", content=b"{" + b" " * 4096 + b"}", headers=AUTH)
    assert response.status_code == 413 and "2048 bytes" in response.json()["detail"]


async def test_a_streamed_oversized_body_is_cut_off(publisher: Client) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"keywords": ["'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"]}'

    async with publisher(max_request_body_bytes=4096) as api:
        response = await api.put("/api/v1/profiles/ml", content=chunks(), headers=AUTH)
        assert response.status_code == 413 and response.headers["content-type"] == "application/problem+json"
        webhooks = await api.post("/api/v1/webhooks", content=chunks(), headers={**AUTH,
                                                                                "content-type": "application/json"})
        assert webhooks.status_code == 413


async def test_openapi_and_docs_are_served(api: httpx.AsyncClient) -> None:
    document = (await api.get("/openapi.json")).json()
    assert {"/api/v1/papers", "/api/v1/papers/{arxiv_id}", "/api/v1/profiles/{name}", "/api/v1/runs",
            "/api/v1/webhooks/{webhook_id}/deliveries"} <= set(document["paths"])
    assert document["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    errors = document["paths"]["/api/v1/papers"]["get"]["responses"]["422"]["content"]
    assert list(errors) == ["application/problem+json"]
    assert (await api.get("/docs")).status_code == 200


@pytest.fixture
async def broken_store() -> AsyncIterator[str]:
    """A store whose delivery log table has gone missing: every read of it fails inside the server."""
    name = f"arxiv_bot_broken_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        await migrate(url)
        conn = await asyncpg.connect(url)
        await conn.execute("DROP TABLE webhook_deliveries CASCADE")
        await conn.execute("INSERT INTO webhook_subscriptions (id, url, profile, format, per, origin, active, "
                           "deleted, consecutive_failures, created_at, updated_at) VALUES ('wh_1', "
                           "'https://example.com/', 'default', 'json', 'digest', 'api', true, false, 0, now(), now())")
        await conn.close()
        yield url
    finally:
        await asyncio.wait_for(admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'), 30)
        await admin.close()


async def test_an_unexpected_failure_is_a_500_problem_without_traceback(publisher: Client, broken_store: str,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    async with publisher(database_url=broken_store) as api:
        response = await api.get("/api/v1/webhooks/wh_1/deliveries", headers=AUTH)
    assert response.status_code == 500 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "an unexpected error happened; it has been logged"
    assert "Traceback" not in response.text and "webhook_deliveries" not in response.text
    assert any("unexpected error" in r.message and r.exc_info for r in caplog.records)


async def test_a_body_that_is_not_utf8_is_a_422_naming_the_body(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/webhooks", content=b'\xff{"url": "\x00"}',
                              headers={**AUTH, "content-type": "application/json"})
    assert response.status_code == 422 and response.json()["invalid_params"][0]["name"] == "body"
    put = await api.put("/api/v1/profiles/ml", content=b"\xff\xfe", headers=AUTH)
    assert put.status_code == 422 and "'body'" in put.json()["detail"]
