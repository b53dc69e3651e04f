"""Runs through the API: their outcomes, page by page, and POST /api/v1/runs starting a fetch."""
from __future__ import annotations

import httpx
from sqlmodel import col, select

from shared.models import FetchRun, OutboxMessage
from shared.runtime import Env
from tests.publisher.api.conftest import AUTH, Client
from tests.publisher.api.store import published_run


async def test_a_run_shows_feeds_counts_profiles_and_timings(api: httpx.AsyncClient, pg_env: Env) -> None:
    scored = await published_run(pg_env)
    run = (await api.get(f"/api/v1/runs/{scored.run_id}")).json()
    assert run["status"] == "ok" and run["stage"] == "scored" and run["reason"] == "test"
    assert run["counts"] == {"items": 4, "new": 4, "changed": 0, "unchanged": 0}
    assert [(f["category"], f["status"], f["items"]) for f in run["feeds"]] == [
        ("cs.AI", "ok", 2), ("cs.LG", "ok", 2), ("cs.DC", "ok", 1)]
    (profile,) = run["profiles"]
    assert profile["profile"] == "default" and profile["stage"] == "published" and profile["selected"] == 4
    assert run["timings"]["fetch_seconds"] >= 0 and run["timings"]["published_seconds"]["default"] >= 0
    assert (await api.get("/api/v1/runs/" + "0" * 32)).status_code == 404
    assert (await api.get("/api/v1/runs/nope")).status_code == 422


async def test_runs_page_newest_first(api: httpx.AsyncClient, pg_env: Env) -> None:
    runs = [(await published_run(pg_env)).run_id for _ in range(3)]
    first = await api.get("/api/v1/runs", params={"limit": 2})
    body = first.json()
    assert [r["id"] for r in body["items"]] == runs[::-1][:2]
    rest = (await api.get(body["next"])).json()
    assert [r["id"] for r in rest["items"]] == runs[:1] and rest.get("next") is None
    assert [r["id"] for r in (await api.get("/api/v1/runs", params={"status": "error"})).json()["items"]] == []


async def test_post_starts_a_fetch_once_and_coalesces(publisher: Client, pg_env: Env, tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "config.json").write_text('{"categories": ["cs.AI"]}')
    async with publisher(arxiv_bot_config=str(tmp_path / "config.json"), fetch_coalesce_seconds=300) as api:
        assert (await api.post("/api/v1/runs")).status_code == 401
        started = await api.post("/api/v1/runs", headers=AUTH)
        assert started.status_code == 202, started.text
        assert started.json()["started"] is True and started.json()["reason"] == "api"
        again = await api.post("/api/v1/runs", headers=AUTH)
        assert again.status_code == 200 and again.json()["id"] == started.json()["id"]
        assert again.json()["started"] is False
    async with pg_env.sessions() as session:
        runs = list(await session.exec(select(FetchRun)))
        (sent,) = list(await session.exec(select(OutboxMessage).where(
            col(OutboxMessage.routing_key) == "fetch.requested")))
    assert [r.id for r in runs] == [started.json()["id"]] == [sent.message_id]
    assert sent.sent_at is not None  # relayed to the broker: the fetcher service picks it up from there


async def test_a_broken_config_is_a_503_not_a_crash(publisher: Client, tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "config.json").write_text('{"max_papers": "thirty"}')
    async with publisher(arxiv_bot_config=str(tmp_path / "config.json")) as api:
        response = await api.post("/api/v1/runs", headers=AUTH)
    assert response.status_code == 503 and "max_papers" in response.json()["detail"]
