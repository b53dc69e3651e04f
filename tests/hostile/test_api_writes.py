"""Writes from someone who should not, or with a body nobody should send: a wrong or missing token is a
401 (403 when writes are off) that changes nothing in the store; an oversized body is a 413 (declared, or
streamed without a length and cut off as it passes the limit); a body that is not what it claims is a 422
naming it; a webhook aimed at an internal address is refused and nothing is ever sent there.

"Changes nothing" is checked on the whole store: every table's rows before and after (taken once the
publisher has started, as starting relays what the outbox held).
"""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from shared.runtime import Env
from services.publisher.webhooks.delivery import deliver_due
from tests.publisher.api.conftest import AUTH, TOKEN, Client
from tests.publisher.api.store import published_run
from tests.servers import WebhookReceiver

WRITES = [("PUT", "/api/v1/profiles/ml", {"keywords": ["x"]}), ("PUT", "/api/v1/profiles/default", {}),
          ("DELETE", "/api/v1/profiles/default", None), ("POST", "/api/v1/runs", None),
          ("POST", "/api/v1/webhooks", {"url": "https://example.com/"}),
          ("PATCH", "/api/v1/webhooks/wh_1", {"active": False}), ("DELETE", "/api/v1/webhooks/wh_1", None)]
WRONG = [{}, {"Authorization": "Bearer"}, {"Authorization": "Bearer "}, {"Authorization": "Bearer wrong"},
         {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": f"Bearer {TOKEN[:-1]}"},
         {"Authorization": f"Bearer {TOKEN.upper()}"}, {"Authorization": f"Basic {TOKEN}"},
         {"Authorization": TOKEN}, {"Authorization": "Bearer " + "A" * 65_536},
         {"Authorization": b"Bearer \xff\xfe"}, {"X-Api-Token": TOKEN}, {"Cookie": f"token={TOKEN}"}]


async def snapshot(env: Env) -> dict[str, list[str]]:
    """Every row of every table, as text."""
    async with env.sessions() as session:
        connection = await session.connection()
        return {t.name: sorted(str(tuple(r)) for r in await connection.execute(text(f'SELECT * FROM "{t.name}"')))
                for t in SQLModel.metadata.sorted_tables}


@pytest.fixture
async def store(pg_env: Env) -> AsyncIterator[Env]:
    """A day published, and one webhook subscription to aim writes at."""
    await published_run(pg_env)
    async with pg_env.sessions() as session, session.begin():
        await (await session.connection()).execute(text(
            "INSERT INTO webhook_subscriptions (id, url, profile, format, per, origin, active, deleted, "
            "consecutive_failures, created_at, updated_at) VALUES ('wh_1', 'https://example.com/', 'default', "
            "'json', 'digest', 'api', true, false, 0, now(), now())"))
    yield pg_env


async def test_a_wrong_or_missing_token_is_refused_and_changes_nothing(publisher: Client, store: Env) -> None:
    async with publisher() as api:
        before = await snapshot(store)
        for method, path, body in WRITES:
            for headers in WRONG:
                response = await api.request(method, path, json=body, headers=headers)
                assert response.status_code == 401, (method, path, headers, response.text)
                assert response.headers["content-type"] == "application/problem+json"
                assert TOKEN not in response.text
            # In the URL, even the right token is refused: it would end up in logs.
            for params in ({"token": TOKEN}, {"access_token": TOKEN}):
                assert (await api.request(method, path, json=body, params=params)).status_code == 401
    async with publisher(api_token=None) as api:  # writes off: 403 whatever is sent
        for method, path, body in WRITES:
            assert (await api.request(method, path, json=body, headers=AUTH)).status_code == 403
    assert await snapshot(store) == before


async def endless(chunk: bytes = b"x" * 65_536) -> AsyncIterator[bytes]:
    """100 MB made on the fly, never held: what a client streaming without a Content-Length sends."""
    yield b'{"keywords": ["'
    for _ in range(1600):
        yield chunk


OVERSIZED = [("PUT", "/api/v1/profiles/ml"), ("POST", "/api/v1/webhooks"), ("PATCH", "/api/v1/webhooks/wh_1")]


async def test_an_oversized_body_is_a_413_and_changes_nothing(publisher: Client, store: Env) -> None:
    json_auth = {**AUTH, "content-type": "application/json"}
    async with publisher() as api:
        before = await snapshot(store)
        for method, path in OVERSIZED:
            declared = await api.request(method, path, content=b"{" + b" " * (1024 * 1024) + b"}", headers=json_auth)
            streamed = await api.request(method, path, content=endless(), headers=json_auth)
            lying = await api.request(method, path, content=b"{}", headers={**json_auth, "content-length": "1e9"})
            assert (declared.status_code, streamed.status_code, lying.status_code) == (413, 413, 400), path
            assert "65536 bytes" in declared.json()["detail"] and "65536 bytes" in streamed.json()["detail"]
            assert lying.headers["content-type"] == "application/problem+json"
        assert await snapshot(store) == before


DEEP = b"[" * 30_000 + b"]" * 30_000  # 60 kB: under the size limit, past any recursion limit
PROFILE_BODIES = [
    (DEEP, "body"), (b'{"keywords": ' + DEEP + b"}", "body"),
    (b'{"keywords": [1' + b"0" * 5_000 + b"]}", "body"),  # an integer past Python's digit limit
    (b"\xff\xfe{}", "body"), (b'{"a": 1', "body"), (b"", "body"), (b"null", "body"), (b"[]", "body"),
    (b'{"min_score": NaN}', "min_score"), (b'{"min_score": Infinity}', "min_score"),
    (b'{"days_back": 1e308}', "days_back"), (b'{"max_papers": -1}', "max_papers"),
    (b'{"keywords": "not a list"}', "keywords"), (b'{"__proto__": {}}', "__proto__"),
]
WEBHOOK_BODIES = [DEEP, b'{"url": ' + DEEP + b"}", b'{"url": "https://example.com/", "url": 1}',
                  b'{"url": "\\ud800"}', b'{"url": 1e999}', b'{"url": "https://example.com/", "per": ' + DEEP + b"}"]


async def test_a_malformed_body_is_a_422_naming_it_and_changes_nothing(publisher: Client, store: Env) -> None:
    json_auth = {**AUTH, "content-type": "application/json"}
    wrong = []
    async with publisher() as api:
        before = await snapshot(store)
        for body, name in PROFILE_BODIES:
            response = await api.put("/api/v1/profiles/ml", content=body, headers=json_auth)
            named = response.json().get("invalid_params", [{}])[0].get("name", "") if response.status_code < 500 else ""
            if response.status_code != 422 or not named.startswith(name):
                wrong.append(f"PUT {body[:30]!r}: {response.status_code} {response.text[:200]}")
        for body in WEBHOOK_BODIES:
            response = await api.post("/api/v1/webhooks", content=body, headers=json_auth)
            if response.status_code != 422 or response.headers["content-type"] != "application/problem+json":
                wrong.append(f"POST {body[:30]!r}: {response.status_code} {response.text[:200]}")
        assert await snapshot(store) == before
    assert wrong == []


INTERNAL = ["http://127.0.0.1:{port}/hook", "http://localhost:{port}/hook", "http://LOCALHOST.:{port}/hook",
            "http://hooks.localhost:{port}/hook",
            "http://127.1:{port}/hook", "http://0x7f000001:{port}/hook", "http://017700000001:{port}/hook",
            "http://2130706433:{port}/hook", "http://[::1]:{port}/hook", "http://[::ffff:7f00:1]:{port}/hook",
            "http://[0:0:0:0:0:ffff:127.0.0.1]:{port}/hook", "http://vm:{port}/hook", "http://0:{port}/hook",
            "http://169.254.169.254/latest/meta-data/iam/", "http://[fd00:ec2::254]/", "http://169.254.170.2/v2/",
            "http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.0.1/", "http://100.64.0.1/",
            "http://[fe80::1]/", "http://[fc00::1]/", "http://[2002:7f00:1::]/", "http://255.255.255.255/",
            "https://metadata/computeMetadata/v1/", "http://instance-data./latest/"]


async def test_webhooks_aimed_inside_are_refused_and_never_reached(publisher: Client, store: Env) -> None:
    with WebhookReceiver() as receiver:
        port = receiver.httpd.server_address[1]
        async with publisher() as api:
            before = await snapshot(store)
            for url in INTERNAL:
                url = url.format(port=port)
                created = await api.post("/api/v1/webhooks", json={"url": url}, headers=AUTH)
                moved = await api.patch("/api/v1/webhooks/wh_1", json={"url": url}, headers=AUTH)
                for response in (created, moved):
                    assert response.status_code == 422, (url, response.text)
                    assert response.json()["invalid_params"][0]["name"] == "url"
                    assert "refused" in response.json()["detail"] or "metadata" in response.json()["detail"], url
        assert await snapshot(store) == before
        await deliver_due(store)  # a sweep finds nothing to send there either
    assert receiver.requests == []
