"""The four services as separate processes on the real RabbitMQ and PostgreSQL, fed by `arxiv-bot fetch`."""
from __future__ import annotations

from xml.etree import ElementTree

import httpx

from tests.e2e.cli import arxiv_bot
from tests.e2e.conftest import API_TOKEN
from tests.e2e.deployment import Deployment, sql, wait_until
from tests.e2e.test_embedded import REFERENCE_SELECTION, readme_ids
from tests.servers import FakeLLM


def test_a_fetch_flows_through_four_services_and_a_second_fetch_changes_nothing(
        deployment: tuple[Deployment, FakeLLM]) -> None:
    services, llm = deployment
    fetch = arxiv_bot("fetch", cwd=services.workdir, env=services.env)
    assert fetch.returncode == 0, fetch.stderr
    assert "376 new" in fetch.stdout
    publisher = services.url("publisher")
    wait_until(lambda: httpx.get(publisher + "/readme").status_code == 200, 120, "the README")
    readme = httpx.get(publisher + "/readme")
    assert readme_ids(readme.text) == REFERENCE_SELECTION
    assert readme.text.count("🤖 AI Summary (by qwen-long)") == 15 and len(llm.requests) == 15
    rss = ElementTree.fromstring(httpx.get(publisher + "/rss").content)
    assert [g.text.removeprefix("oai:arXiv.org:") for g in rss.iter("guid")] == REFERENCE_SELECTION
    assert sum("<h4>AI summary</h4>" in (d.text or "") for d in rss.iter("description")) == 15
    cs_dc = ElementTree.fromstring(httpx.get(publisher + "/rss/cs.DC").content).findall("channel/item")
    assert 0 < len(cs_dc) < 30

    again = arxiv_bot("fetch", cwd=services.workdir, env=services.env)
    # The same feeds again: arXiv has not announced since, so the run is stale, scores that day again (a config
    # edited meanwhile would show) and publishes the same digest.
    assert again.returncode == 0
    assert "stale: arXiv has not announced since 2024-11-28; 376 papers, 0 new" in again.stdout
    wait_until(lambda: services.metric("publisher", 'arxiv_bot_publications_total{result="unchanged"}') == 1,
               60, "the second run to be published")
    assert len(llm.requests) == 15  # the second run asked the model nothing
    same = httpx.get(publisher + "/readme", headers={"If-None-Match": readme.headers["etag"]})
    assert same.status_code == 304
    # At least once: a connection lost under load redelivers a message the scorer had handled (its effect is
    # there already, so the redelivery changes nothing, as the model's and the publisher's counts show).
    assert services.metric("scorer", 'arxiv_bot_messages_total{outcome="ok",routing_key="run.fetched"}') >= 2
    assert services.metric("summarizer", 'arxiv_bot_llm_requests_total{outcome="cached"}') == 15


def test_a_fetch_can_be_requested_over_http_with_the_token_only(deployment: tuple[Deployment, FakeLLM]) -> None:
    services, _ = deployment
    url = services.url("fetcher") + "/fetch"
    assert httpx.post(url).status_code == 401
    assert httpx.post(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert httpx.post(url + f"?token={API_TOKEN}").status_code == 401
    database = services.env["DATABASE_URL"]
    assert sql(database, "SELECT count(*) FROM fetch_runs") == 0  # none of those started anything
    response = httpx.post(url, headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert response.status_code == 202 and response.json()["started"] is True
    run_id = response.json()["run_id"]
    wait_until(lambda: httpx.get(services.url("publisher") + "/readme").status_code == 200, 120, "the README")
    assert services.metric("fetcher", 'arxiv_bot_messages_total{outcome="ok",routing_key="fetch.requested"}') == 1
    # The request's message id names its run.
    assert sql(database, "SELECT stage FROM run_profiles WHERE run_id = $1", run_id) == "published"
