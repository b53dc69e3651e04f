"""Fetch triggers: coalesced under one lock, never a duplicate key, and POST /fetch only with the token."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlmodel import func, select

from shared.config import BotConfig
from shared.models import FetchRun, Paper, Profile
from shared.runtime import Env
from services.fetcher.app import build
from services.fetcher.fetch import fetch_run
from services.fetcher.trigger import request_fetch
from tests.conftest import settings_for
from tests.feeds import Item, feed
from tests.servers import FakeArxiv

TOKEN = "operator-secret"


async def runs(env: Env) -> int:
    async with env.sessions() as session:
        return (await session.exec(select(func.count()).select_from(FetchRun))).one()


async def test_triggers_at_the_same_moment_start_one_run(store_env: Env) -> None:
    config = BotConfig(categories=["cs.AI"])
    results = await asyncio.gather(*(request_fetch(store_env, config, "test", emit=False) for _ in range(8)))
    started = [run for run, fresh in results if fresh]
    assert len(started) == 1 and {run.id for run, _ in results} == {started[0].id}
    assert await runs(store_env) == 1


async def test_a_recent_run_coalesces_within_the_window_only(store_env: Env) -> None:
    config = BotConfig(categories=["cs.AI"])
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", [])}) as arxiv:
        store_env.settings.arxiv_rss_base_url = arxiv.base
        first, _ = await request_fetch(store_env, config, "test", emit=False)
        await fetch_run(store_env, first.id)
    same, started = await request_fetch(store_env, config, "test", window_seconds=300, emit=False)
    assert (same.id, started) == (first.id, False)
    other, started = await request_fetch(store_env, config, "test", window_seconds=0, emit=False)
    assert started and other.id != first.id


async def test_a_run_left_behind_by_a_crash_stops_coalescing_once_stale(store_env: Env) -> None:
    config = BotConfig(categories=["cs.AI"])
    dead, _ = await request_fetch(store_env, config, "test", emit=False)  # requested, never fetched
    _, started = await request_fetch(store_env, config, "test", emit=False)
    assert not started
    store_env.settings.fetch_stale_seconds = 1
    later = store_env.clock() + timedelta(seconds=2)
    store_env.clock = lambda: later
    fresh, started = await request_fetch(store_env, config, "test", emit=False)
    assert started and fresh.id != dead.id


async def test_two_runs_storing_the_same_new_papers_at_once_both_succeed(store_env: Env) -> None:
    config = BotConfig(categories=["cs.AI"])
    items = [Item(f"2411.{n:05d}", f"Paper {n}") for n in range(1, 40)]
    first, _ = await request_fetch(store_env, config, "test", emit=False)
    # Two runs at once only happen when one was taken for dead; make that so at once.
    store_env.settings.fetch_stale_seconds = 0.001
    await asyncio.sleep(0.01)
    second, started = await request_fetch(store_env, config, "test", emit=False)
    assert started and second.id != first.id
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", items)}) as arxiv:
        store_env.settings.arxiv_rss_base_url = arxiv.base
        done = await asyncio.gather(fetch_run(store_env, first.id), fetch_run(store_env, second.id))
    assert all(run.status == "ok" and run.items == 39 for run in done)
    async with store_env.sessions() as session:
        assert (await session.exec(select(func.count()).select_from(Paper))).one() == 39


async def test_profiles_are_imported_and_a_removed_one_is_deleted(store_env: Env) -> None:
    with_lab = BotConfig.model_validate({"categories": ["cs.AI"], "profiles": {"lab": {"keywords": ["graph"]}}})
    await request_fetch(store_env, with_lab, "test", emit=False)
    await request_fetch(store_env, with_lab, "test", emit=False, window_seconds=0)  # coalesced: nothing changes
    store_env.settings.fetch_stale_seconds = 0.001
    await asyncio.sleep(0.01)
    await request_fetch(store_env, BotConfig(categories=["cs.AI"]), "test", emit=False)
    async with store_env.sessions() as session:
        profiles = {p.name: p for p in await session.exec(select(Profile))}
    assert profiles["default"].version == 1 and not profiles["default"].deleted
    assert profiles["lab"].deleted and profiles["lab"].version == 2
    assert profiles["lab"].settings["keywords"] == ["graph"]


@pytest.fixture
async def fetcher(pg_env: Env, amqp_url: str, amqp_prefix: str, tmp_path) -> AsyncIterator[httpx.AsyncClient]:  # noqa: ANN001
    config = tmp_path / "config.json"
    config.write_text('{"categories": ["cs.AI"]}')
    settings = settings_for(pg_env.settings.database_url, amqp_url=amqp_url, amqp_prefix=amqp_prefix,
                            api_token=TOKEN, arxiv_bot_config=str(config), fetch_coalesce_seconds=300)
    app = build(settings)
    await app.state.runtime.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fetcher") as client:
            yield client
    finally:
        await app.state.runtime.stop()


async def test_ten_concurrent_posts_with_the_token_start_one_run(fetcher: httpx.AsyncClient, pg_env: Env) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    answers = await asyncio.gather(*(fetcher.post("/fetch", headers=auth) for _ in range(10)))
    assert sorted(a.status_code for a in answers) == [200] * 9 + [202]
    assert len({a.json()["run_id"] for a in answers}) == 1
    assert await runs(pg_env) == 1


@pytest.mark.parametrize("headers, query", [
    ({}, ""), ({"Authorization": "Bearer wrong"}, ""), ({"Authorization": f"Basic {TOKEN}"}, ""),
    ({}, f"?token={TOKEN}"), ({"Authorization": f"Bearer {TOKEN}"}, f"?token={TOKEN}")])
async def test_without_the_token_nothing_starts(fetcher: httpx.AsyncClient, pg_env: Env, headers, query) -> None:  # noqa: ANN001
    answers = await asyncio.gather(*(fetcher.post("/fetch" + query, headers=headers) for _ in range(10)))
    assert {a.status_code for a in answers} == {401}
    assert await runs(pg_env) == 0


async def test_without_a_configured_token_post_fetch_is_off(pg_env: Env, amqp_url: str, amqp_prefix: str) -> None:
    app = build(settings_for(pg_env.settings.database_url, amqp_url=amqp_url, amqp_prefix=amqp_prefix))
    await app.state.runtime.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fetcher") as client:
            answer = await client.post("/fetch", headers={"Authorization": "Bearer anything"})
    finally:
        await app.state.runtime.stop()
    assert answer.status_code == 403 and "API_TOKEN" in answer.json()["detail"]
    assert await runs(pg_env) == 0


async def test_a_broken_config_json_is_a_clear_error_and_starts_nothing(pg_env: Env, amqp_url: str,
                                                                       amqp_prefix: str, tmp_path) -> None:  # noqa: ANN001
    config = tmp_path / "config.json"
    config.write_text('{"days_back": 1000000}')
    app = build(settings_for(pg_env.settings.database_url, amqp_url=amqp_url, amqp_prefix=amqp_prefix,
                             api_token=TOKEN, arxiv_bot_config=str(config)))
    await app.state.runtime.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fetcher") as client:
            answer = await client.post("/fetch", headers={"Authorization": f"Bearer {TOKEN}"})
    finally:
        await app.state.runtime.stop()
    assert answer.status_code == 500 and "'days_back'" in answer.json()["detail"]
    assert await runs(pg_env) == 0
