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


# --- the readers' paths: feeds, pages, compression, the memory cache ----------------------------------------

READER_PATHS = ["/", "/profiles/default", "/profiles/default/2024-11-28", "/feeds/default.rss",
                "/feeds/default.atom", "/feeds/default.json", "/feeds/default/cs.AI.rss", "/feeds/default/cs.AI.atom",
                "/feeds/default/cs.AI.json"]
TYPES = {"/": "text/html; charset=utf-8", "/feeds/default.rss": "application/rss+xml; charset=utf-8",
         "/feeds/default.atom": "application/atom+xml; charset=utf-8",
         "/feeds/default.json": "application/feed+json; charset=utf-8"}


@pytest.mark.parametrize("path", READER_PATHS)
async def test_every_reader_path_is_served_with_head_and_304(client: httpx.AsyncClient, pg_env,  # noqa: ANN001
                                                            path: str) -> None:
    await publish_one(pg_env)
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == TYPES.get(path, response.headers["content-type"])
    assert "charset=utf-8" in response.headers["content-type"] and response.headers["vary"] == "accept-encoding"
    head = await client.head(path)
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == response.headers["etag"]
    again = await client.get(path, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


async def test_feeds_hold_the_paper_with_its_title_escaped(client: httpx.AsyncClient, pg_env) -> None:  # noqa: ANN001
    await publish_one(pg_env)
    atom = ElementTree.fromstring((await client.get("/feeds/default.atom")).content)
    titles = [t.text for t in atom.iter("{http://www.w3.org/2005/Atom}title")]
    assert "Sparse <b>attention</b> & more" in titles
    feed = (await client.get("/feeds/default.json")).json()
    assert [i["_arxiv"]["id"] for i in feed["items"]] == ["2411.00001"]
    assert (await client.get("/feeds/default/cs.LG.json")).json()["items"] == []


@pytest.mark.parametrize("coding", ["gzip", "br"])
async def test_compressed_for_clients_that_ask(client: httpx.AsyncClient, pg_env, coding: str) -> None:  # noqa: ANN001
    await publish_one(pg_env)
    plain = await client.get("/feeds/default.rss", headers={"Accept-Encoding": "identity"})
    packed = await client.get("/feeds/default.rss", headers={"Accept-Encoding": coding})
    assert "content-encoding" not in plain.headers and packed.headers["content-encoding"] == coding
    assert packed.content == plain.content  # httpx decodes it: the same feed
    assert int(packed.headers["content-length"]) < len(plain.content)
    assert packed.headers["etag"] != plain.headers["etag"]


async def test_the_page_has_a_strict_policy(client: httpx.AsyncClient, pg_env) -> None:  # noqa: ANN001
    await publish_one(pg_env)
    page = await client.get("/")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy
    assert "Sparse &lt;b&gt;attention&lt;/b&gt; &amp; more" in page.text
    assert (await client.get("/favicon.svg")).headers["content-type"] == "image/svg+xml"


@pytest.mark.parametrize("path, status", [
    ("/feeds/default.xml", 404), ("/feeds/nobody.rss", 404), ("/feeds/default/cs..AI.rss", 400),
    ("/profiles/nobody", 404), ("/profiles/default/2024-13-45", 404), ("/profiles/default/yesterday", 404),
    ("/feeds/NOBODY.rss", 404),
])
async def test_what_is_not_there_is_a_clear_error(client: httpx.AsyncClient, pg_env, path: str,  # noqa: ANN001
                                                  status: int) -> None:
    await publish_one(pg_env)
    response = await client.get(path)
    assert response.status_code == status and response.json()["detail"]


@pytest.mark.parametrize("day", ["2024-13-45", "2024-02-30", "9999-99-99", "yesterday"])
async def test_a_day_that_is_no_date_says_so(client: httpx.AsyncClient, pg_env, day: str) -> None:  # noqa: ANN001
    await publish_one(pg_env)
    response = await client.get(f"/profiles/default/{day}")
    assert response.status_code == 404
    assert response.json()["detail"] == f"{day!r} is not a day: an earlier day is a date such as 2024-11-28"


async def test_a_new_publication_is_served_after_the_next_check(client: httpx.AsyncClient, pg_env) -> None:  # noqa: ANN001
    await publish_one(pg_env)
    first = await client.get("/feeds/default.json")
    cfg = BotConfig(categories=["cs.AI", "cs.LG"], keywords=["Sparse"], days_back=3650, min_score=0)
    cfg.ai_summary.enabled = False
    items = [Item("2411.00002", "Sparse newer", categories=["cs.LG"])]
    await on_run_scored(await scored_run(pg_env, cfg, {"cs.AI": feed("cs.AI", []), "cs.LG": feed("cs.LG", items)}),
                        pg_env)
    await client._transport.app.state.cache.check()  # what the next request after a second would trigger
    second = await client.get("/feeds/default.json")
    assert second.headers["etag"] != first.headers["etag"]
    assert {i["_arxiv"]["id"] for i in second.json()["items"]} == {"2411.00001", "2411.00002"}
