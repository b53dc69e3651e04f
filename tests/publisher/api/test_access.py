"""Tokens: writes need API_TOKEN in the Authorization header; reads only with API_READ_TOKEN_REQUIRED."""
from __future__ import annotations

import pytest

from tests.publisher.api.conftest import AUTH, TOKEN, Client

WRITES = [("PUT", "/api/v1/profiles/ml", {}), ("DELETE", "/api/v1/profiles/ml", None),
          ("POST", "/api/v1/runs", None), ("POST", "/api/v1/webhooks", {"url": "https://example.com/"}),
          ("GET", "/api/v1/webhooks", None)]
READS = ["/api/v1/papers", "/api/v1/papers/2411.00001", "/api/v1/profiles", "/api/v1/profiles/default",
         "/api/v1/runs", "/api/v1/runs/" + "0" * 32]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
async def test_a_write_without_a_wrong_or_a_query_token_is_refused(publisher: Client, method: str, path: str,
                                                                   body: object) -> None:
    async with publisher() as api:
        for headers, params in [({}, {}), ({"Authorization": "Bearer wrong"}, {}),
                                ({"Authorization": f"Basic {TOKEN}"}, {}), ({}, {"token": TOKEN}),
                                ({}, {"access_token": TOKEN}), (AUTH, {"token": TOKEN})]:
            response = await api.request(method, path, json=body, headers=headers, params=params)
            assert response.status_code == 401, (headers, params, response.text)
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
async def test_without_api_token_writes_are_off_and_say_how_to_enable_them(publisher: Client, method: str,
                                                                           path: str, body: object) -> None:
    async with publisher(api_token=None) as api:
        response = await api.request(method, path, json=body, headers=AUTH)
    assert response.status_code == 403 and "set API_TOKEN" in response.json()["detail"]


async def test_reads_are_public_by_default(publisher: Client) -> None:
    async with publisher() as api:
        for path in READS:
            assert (await api.get(path)).status_code in (200, 404), path


async def test_reads_need_the_token_when_required(publisher: Client) -> None:
    async with publisher(api_read_token_required=True) as api:
        for path in READS:
            assert (await api.get(path)).status_code == 401, path
            assert (await api.get(path, headers={"Authorization": "Bearer wrong"})).status_code == 401, path
            assert (await api.get(path, params={"token": TOKEN})).status_code == 401, path
            assert (await api.get(path, headers=AUTH)).status_code in (200, 404), path
        # The digests themselves stay where they were: only the API is behind the token.
        assert (await api.get("/readme")).status_code == 404
    async with publisher(api_read_token_required=True, api_token=None) as api:
        response = await api.get("/api/v1/papers")
        assert response.status_code == 403 and "API_TOKEN" in response.json()["detail"]
