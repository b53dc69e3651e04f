"""The publisher's HTTP API on a real runtime (PostgreSQL and RabbitMQ): digests, 304s, bad input."""
from __future__ import annotations

from collections.abc import AsyncIterator
from xml.etree import ElementTree

import httpx
import pytest

from shared.config import BotConfig
from services.publisher.app import build
from services.publisher.worker import on_run_scored
from tests.conftest import settings_for
from tests.feeds import Item, feed
from tests.pipeline import scored_run


@pytest.fixture
async def client(pg_env, amqp_prefix: str, amqp_url: str) -> AsyncIterator[httpx.AsyncClient]:  # noqa: ANN001
    app = build(settings_for(pg_env.settings.database_url, amqp_url=amqp_url, amqp_prefix=amqp_prefix))
    runtime = app.state.runtime
    await runtime.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://publisher") as c:
            yield c
    finally:
        await runtime.stop()


async def publish_one(env) -> None:  # noqa: ANN001
    cfg = BotConfig(categories=["cs.AI", "cs.LG"], keywords=["Sparse"], days_back=3650, min_score=0)
    cfg.ai_summary.enabled = False
    items = [Item("2411.00001", "Sparse <b>attention</b> & more", categories=["cs.AI"])]
    await on_run_scored(await scored_run(env, cfg, {"cs.AI": feed("cs.AI", items), "cs.LG": feed("cs.LG", [])}), env)


async def test_health_readiness_and_metrics(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok", "service": "publisher"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"ready": True, "database": True, "broker": True}
    metrics = await client.get("/metrics")
    assert 'arxiv_bot_service_info{service="publisher"} 1.0' in metrics.text


async def test_nothing_published_yet_is_a_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/readme")).status_code == 404
    assert (await client.get("/rss")).status_code == 404


async def test_readme_and_feeds_are_served_with_etags(client: httpx.AsyncClient, pg_env) -> None:  # noqa: ANN001
    await publish_one(pg_env)
    readme = await client.get("/readme")
    assert readme.status_code == 200 and readme.headers["content-type"].startswith("text/markdown")
    assert "Sparse &lt;b&gt;attention&lt;/b&gt; &amp; more" in readme.text
    again = await client.get("/readme", headers={"If-None-Match": readme.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    rss = await client.get("/rss")
    items = ElementTree.fromstring(rss.content).findall("channel/item")
    assert [i.findtext("title") for i in items] == ["Sparse <b>attention</b> & more"]
    assert len(ElementTree.fromstring((await client.get("/rss/cs.AI")).content).findall("channel/item")) == 1
    assert ElementTree.fromstring((await client.get("/rss/cs.LG")).content).findall("channel/item") == []


@pytest.mark.parametrize("category", ["cs.AI;drop", "x" * 80, "cs..AI", "cs.AI.LG", "cs.AI%00"])
async def test_a_malformed_category_is_a_400(client: httpx.AsyncClient, category: str) -> None:
    response = await client.get(f"/rss/{category}")
    assert response.status_code == 400 and "cs.AI" in response.json()["detail"]


async def test_an_unmonitored_category_is_a_404(client: httpx.AsyncClient, pg_env) -> None:  # noqa: ANN001
    await publish_one(pg_env)
    response = await client.get("/rss/math.AG")
    assert response.status_code == 404 and "feeds/math.AG.xml" in response.json()["detail"]
