"""Webhook subscriptions through the API: created with a secret shown once, SSRF refused, paused and resumed."""
from __future__ import annotations

import asyncio

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from shared.config import MAX_WEBHOOKS
from shared.runtime import Env
from services.publisher.webhooks.delivery import deliver_due
from tests.feeds import Item
from tests.publisher.api.conftest import AUTH, Client
from tests.publisher.api.store import published_run
from tests.publisher.webhooks.subscriptions import quick_retries
from tests.servers import WebhookReceiver


@pytest.mark.parametrize(("url", "reason"), [
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://10.0.0.1/hook", "private"),
    ("http://[::1]/hook", "loopback"),
    ("http://[::ffff:127.0.0.1]/hook", "loopback"),
    ("http://localhost:9/hook", "loopback"),  # a name that resolves to 127.0.0.1
    ("http://2130706433/hook", "loopback"),  # 127.0.0.1 spelled as a number
    ("http://0.0.0.0/hook", "unspecified"),
    ("http://224.0.0.1/hook", "multicast"),
    ("http://100.100.100.200/", "metadata"),
    ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
    ("file:///etc/passwd", "only http and https"),
    ("ftp://example.com/x", "only http and https"),
    ("gopher://127.0.0.1:6379/_FLUSHALL", "only http and https"),
    ("http://user:pass@example.com/", "credentials"),
    ("not a url", "http"),
])
async def test_unsafe_targets_are_refused_at_creation(api: httpx.AsyncClient, pg_env: Env, url: str,
                                                      reason: str) -> None:
    await published_run(pg_env)
    response = await api.post("/api/v1/webhooks", json={"url": url, "profile": "default"}, headers=AUTH)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["invalid_params"][0]["name"] == "url" and reason in problem["detail"]


async def test_the_allow_list_lets_a_local_receiver_in(publisher: Client, pg_env: Env) -> None:
    await published_run(pg_env)
    async with publisher(webhook_allowed_networks="127.0.0.0/8") as api:
        ok = await api.post("/api/v1/webhooks", json={"url": "http://localhost:9/hook"}, headers=AUTH)
        still = await api.post("/api/v1/webhooks", json={"url": "http://10.0.0.1/hook"}, headers=AUTH)
        metadata = await api.post("/api/v1/webhooks", json={"url": "http://169.254.169.254/"}, headers=AUTH)
    assert ok.status_code == 201 and still.status_code == 422 and metadata.status_code == 422


async def test_create_shows_the_secret_once_and_it_signs(publisher: Client, pg_env: Env) -> None:
    await published_run(pg_env)
    async with publisher(webhook_allowed_networks="127.0.0.0/8") as api:
        created = await api.post("/api/v1/webhooks", headers=AUTH, json={
            "url": "http://127.0.0.1:9/hook", "profile": "default", "format": "json", "per": "paper"})
        assert created.status_code == 201, created.text
        hook = created.json()
        assert hook["secret"].startswith("whsec_") and hook["active"] and hook["per"] == "paper"
        Webhook(hook["secret"])  # the reference implementation accepts it as a key
        shown = (await api.get(f"/api/v1/webhooks/{hook['id']}", headers=AUTH)).json()
        assert "secret" not in shown and shown["url"] == "http://127.0.0.1:9/hook"
        listed = (await api.get("/api/v1/webhooks", headers=AUTH)).json()
        assert [h["id"] for h in listed["items"]] == [hook["id"]] and "secret" not in listed["items"][0]
        own = await api.post("/api/v1/webhooks", headers=AUTH, json={
            "url": "http://127.0.0.1:9/x", "secret": "whsec_" + "QUJD" * 8})
        assert own.status_code == 201 and own.json()["secret"] == "whsec_" + "QUJD" * 8


@pytest.mark.parametrize(("body", "name"), [
    ({"url": "https://example.com/", "profile": "nobody"}, "profile"),
    ({"url": "https://example.com/", "format": "teams"}, "format"),
    ({"url": "https://example.com/", "per": "week"}, "per"),
    ({"url": "https://example.com/", "secret": "hunter2"}, "secret"),
    ({"url": "https://example.com/", "feishu_secret": "x"}, "feishu_secret"),
    ({"url": "https://example.com/", "extra": 1}, "extra"),
    ({"profile": "default"}, "url"),
])
async def test_bad_bodies_name_the_field(api: httpx.AsyncClient, pg_env: Env, body: dict, name: str) -> None:
    await published_run(pg_env)
    response = await api.post("/api/v1/webhooks", json=body, headers=AUTH)
    assert response.status_code == 422, response.text
    assert response.json()["invalid_params"][0]["name"] == name


async def test_patch_pauses_resumes_and_moves_delete_removes(publisher: Client, pg_env: Env) -> None:
    await published_run(pg_env)
    async with publisher(webhook_allowed_networks="127.0.0.0/8") as api:
        hook = (await api.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/a"}, headers=AUTH)).json()
        url = f"/api/v1/webhooks/{hook['id']}"
        paused = (await api.patch(url, json={"active": False}, headers=AUTH)).json()
        assert paused["active"] is False and paused["paused_reason"] == "paused through the API"
        resumed = (await api.patch(url, json={"active": True}, headers=AUTH)).json()
        assert resumed["active"] is True and resumed["paused_reason"] is None
        moved = await api.patch(url, json={"url": "http://127.0.0.1:9/b"}, headers=AUTH)
        assert moved.json()["url"] == "http://127.0.0.1:9/b"
        refused = await api.patch(url, json={"url": "http://169.254.169.254/"}, headers=AUTH)
        assert refused.status_code == 422
        assert (await api.delete(url, headers=AUTH)).status_code == 204
        assert (await api.get(url, headers=AUTH)).status_code == 404
        assert (await api.get(url + "/deliveries", headers=AUTH)).status_code == 404
        assert (await api.get("/api/v1/webhooks", headers=AUTH)).json()["items"] == []


async def test_every_webhook_endpoint_needs_the_token(api: httpx.AsyncClient) -> None:
    for method, path in [("GET", "/api/v1/webhooks"), ("POST", "/api/v1/webhooks"),
                         ("GET", "/api/v1/webhooks/wh_x"), ("PATCH", "/api/v1/webhooks/wh_x"),
                         ("DELETE", "/api/v1/webhooks/wh_x"), ("GET", "/api/v1/webhooks/wh_x/deliveries")]:
        response = await api.request(method, path, json={})
        assert response.status_code == 401, (method, path)


async def test_the_delivery_log_lists_each_attempt(publisher: Client, pg_env: Env) -> None:
    quick_retries(pg_env)
    with WebhookReceiver() as receiver:
        receiver.answers = [(503, {}, b"down")]
        async with publisher(webhook_allowed_networks="127.0.0.0/8") as api:
            await published_run(pg_env)  # a digest before the subscription: not owed to it
            hook = (await api.post("/api/v1/webhooks", json={"url": receiver.url, "per": "paper"},
                                   headers=AUTH)).json()
            new = [Item("2411.00007", "Sparse things", categories=["cs.AI"]),
                   Item("2411.00008", "Fast things", categories=["cs.AI"])]
            await published_run(pg_env, items=new)
            await deliver_due(pg_env)
            await asyncio.sleep(0.1)
            await deliver_due(pg_env)
            url = f"/api/v1/webhooks/{hook['id']}/deliveries"
            first = await api.get(url, params={"limit": 1}, headers=AUTH)
            body = first.json()
            rest = (await api.get(body["next"], headers=AUTH)).json()
    items = body["items"] + rest["items"]
    assert sorted(d["arxiv_id"] for d in items) == ["2411.00007", "2411.00008"] and rest.get("next") is None
    assert all(d["status"] == "delivered" and d["parts"] == 1 and d["parts_sent"] == 1 for d in items)
    logs = sorted(([(a["ok"], a["status_code"]) for a in d["log"]] for d in items), key=len)
    assert logs == [[(True, 200)], [(False, 503), (True, 200)]]
    assert {d["id"] for d in items} == {r.headers["webhook-id"] for r in receiver.requests}


async def test_a_feishu_subscription_keeps_its_bot_secret_hidden(api: httpx.AsyncClient) -> None:
    created = await api.post("/api/v1/webhooks", headers=AUTH, json={
        "url": "https://open.feishu.example.invalid/open-apis/bot/v2/hook/x", "format": "feishu",
        "feishu_secret": "bot-signing-secret"})
    assert created.status_code == 201, created.text
    assert created.json()["feishu_signed"] is True and "bot-signing-secret" not in created.text
    plain = await api.post("/api/v1/webhooks", headers=AUTH, json={"url": "https://example.invalid/x"})
    assert plain.json()["feishu_signed"] is False


async def test_a_profile_takes_at_most_a_hundred_webhooks(publisher: Client, pg_env: Env) -> None:
    # Every publication is a delivery to each: a script gone wrong must not make that endless.
    await published_run(pg_env)
    async with publisher(webhook_allowed_networks="127.0.0.0/8") as api:
        async def create(n: int, profile: str = "default") -> httpx.Response:
            return await api.post("/api/v1/webhooks", json={"url": f"http://127.0.0.1:9/{n}", "profile": profile},
                                  headers=AUTH)

        made = await asyncio.gather(*(create(n) for n in range(MAX_WEBHOOKS + 5)))  # at once: the lock counts
        codes = sorted(r.status_code for r in made)
        assert codes == [201] * MAX_WEBHOOKS + [409] * 5
        refused = next(r for r in made if r.status_code == 409)
        assert refused.json()["detail"] == ("profile 'default' has 100 webhooks already, the most a profile takes: "
                                            "delete one first")
        assert (await api.put("/api/v1/profiles/other", json={}, headers=AUTH)).status_code == 201
        assert (await create(0, "other")).status_code == 201  # per profile
        gone = next(r for r in made if r.status_code == 201).json()["id"]
        assert (await api.delete(f"/api/v1/webhooks/{gone}", headers=AUTH)).status_code == 204
        assert (await create(200)).status_code == 201
