"""The publisher's HTTP API on a real runtime (PostgreSQL and RabbitMQ): digests, 304s, bad input."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
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


# --- HTTP semantics: HEAD, OPTIONS, conditional requests --------------------------------------------------

GET_ROUTES = ["/healthz", "/readyz", "/metrics", "/readme", "/rss", "/rss/cs.AI"]


@pytest.mark.parametrize("path", GET_ROUTES)
async def test_head_answers_every_get_route_like_get_without_a_body(client: httpx.AsyncClient, pg_env,  # noqa: ANN001
                                                                     path: str) -> None:
    await publish_one(pg_env)
    get, head = await client.get(path), await client.head(path)
    assert head.status_code == get.status_code == 200 and head.content == b"" and get.content
    for name in ("content-type", "content-length", "etag", "last-modified", "cache-control"):
        assert head.headers.get(name) == get.headers.get(name), name


@pytest.mark.parametrize("path", GET_ROUTES)
async def test_options_answers_every_get_route_with_allow(client: httpx.AsyncClient, path: str) -> None:
    response = await client.options(path)
    assert (response.status_code, response.headers["allow"], response.content) == (204, "GET, HEAD, OPTIONS", b"")


async def test_head_of_something_not_published_is_a_404_without_a_body(client: httpx.AsyncClient) -> None:
    response = await client.head("/readme")
    assert response.status_code == 404 and response.content == b""


async def test_other_methods_are_a_405_naming_the_allowed_ones(client: httpx.AsyncClient) -> None:
    response = await client.delete("/readme")
    assert (response.status_code, response.headers["allow"]) == (405, "GET, HEAD, OPTIONS")


@pytest.fixture
async def published(client: httpx.AsyncClient, pg_env) -> httpx.Response:  # noqa: ANN001
    await publish_one(pg_env)
    return await client.get("/readme")


def conditional_cases(etag: str) -> list[tuple[dict[str, str], int]]:
    opaque = etag.strip('"')
    return [
        ({"If-None-Match": etag}, 304),
        ({"If-None-Match": f'W/"{opaque}"'}, 304),                    # a weak tag
        ({"If-None-Match": f'"other", W/"{opaque}"'}, 304),           # a list
        ({"If-None-Match": "*"}, 304),
        ({"If-None-Match": '"other"'}, 200),                          # a tag that does not match
        ({"If-None-Match": f'"{opaque}x"'}, 200),
    ]


async def test_if_none_match_with_weak_tags_lists_and_star(client: httpx.AsyncClient,
                                                           published: httpx.Response) -> None:
    etag = published.headers["etag"]
    for headers, status in conditional_cases(etag):
        for method in ("GET", "HEAD"):
            response = await client.request(method, "/readme", headers=headers)
            assert response.status_code == status, (method, headers)
            assert response.headers["etag"] == etag and "last-modified" in response.headers
            assert response.content == (published.content if status == 200 and method == "GET" else b"")


async def test_if_none_match_over_several_header_fields(client: httpx.AsyncClient,
                                                        published: httpx.Response) -> None:
    headers = [("If-None-Match", '"other"'), ("If-None-Match", published.headers["etag"])]
    assert (await client.get("/readme", headers=headers)).status_code == 304


async def test_last_modified_and_if_modified_since(client: httpx.AsyncClient, published: httpx.Response) -> None:
    modified = parsedate_to_datetime(published.headers["last-modified"])
    assert published.headers["last-modified"].endswith(" GMT")
    assert abs(modified - datetime.now(timezone.utc)) < timedelta(hours=1)
    cases = [(published.headers["last-modified"], 304), (format_datetime(modified + timedelta(days=1), True), 304),
             (format_datetime(modified - timedelta(seconds=1), True), 200), ("not a date", 200)]
    for since, status in cases:
        assert (await client.get("/readme", headers={"If-Modified-Since": since})).status_code == status, since
    # If-None-Match present: If-Modified-Since does not count, whatever it says.
    both = {"If-None-Match": '"other"', "If-Modified-Since": published.headers["last-modified"]}
    assert (await client.get("/readme", headers=both)).status_code == 200


@pytest.mark.parametrize("category", ["cs.AI%0A", "cs.AI%0D%0A", "cs.AI%20", "%20cs.AI"])
async def test_a_category_with_a_trailing_or_leading_line_break_or_space_is_a_400(client: httpx.AsyncClient,
                                                                                 category: str) -> None:
    assert (await client.get(f"/rss/{category}")).status_code == 400
