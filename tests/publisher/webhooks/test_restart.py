"""Acceptance: real service processes, a receiver that answers 503 for a while, a publisher killed and
restarted in the middle; every digest (and every paper) still arrives exactly once, signed."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.data import shared_data
from tests.e2e.cli import arxiv_bot, child_env
from tests.e2e.deployment import Deployment, deployed, sql, wait_until
from tests.e2e.test_embedded import reference_config
from tests.servers import FakeArxiv, WebhookReceiver

TOKEN = "restart-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def config_without_summaries(folder: Path) -> Path:
    """The reference config on the real day, summaries off: the digest goes out as soon as it is scored."""
    path = reference_config(folder)
    config = json.loads(path.read_text())
    config.setdefault("ai_summary", {})["enabled"] = False
    path.write_text(json.dumps(config))
    return path


@pytest.fixture
def services(tmp_path: Path, pg_url: str, amqp_url: str, amqp_prefix: str) -> Iterator[Deployment]:
    day = shared_data("arxiv/day-2024-11-28")
    with FakeArxiv(day) as arxiv:
        env = child_env(DATABASE_URL=pg_url, AMQP_URL=amqp_url, AMQP_PREFIX=amqp_prefix, ARXIV_RSS_BASE_URL=arxiv.base,
                        ARXIV_BOT_CONFIG=str(config_without_summaries(tmp_path)), SWEEP_INTERVAL_SECONDS="0.3",
                        API_TOKEN=TOKEN, FETCH_COALESCE_SECONDS="0", WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
                        WEBHOOK_RETRY_SCHEDULE=",".join(["0.3"] * 40), WEBHOOK_RETRY_JITTER="0",
                        WEBHOOK_TIMEOUT_SECONDS="2", WEBHOOK_PAUSE_AFTER_FAILURES="1000")
        with deployed(env, tmp_path, "fetcher", "scorer", "publisher") as deployment:
            yield deployment


def subscribe(services: Deployment, url: str, **fields: str) -> dict:
    response = httpx.post(services.url("publisher") + "/api/v1/webhooks", headers=AUTH,
                          json={"url": url, "profile": "default", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def pending(database: str) -> int:
    return int(sql(database, "SELECT count(*) FROM webhook_deliveries WHERE status <> 'delivered'"))  # type: ignore[arg-type]


def test_each_digest_arrives_exactly_once_across_a_publisher_restart(services: Deployment) -> None:
    database = services.env["DATABASE_URL"]
    with WebhookReceiver() as receiver:
        receiver.default = (503, {}, b"maintenance")
        digest = subscribe(services, receiver.url + "/digest")
        papers = subscribe(services, receiver.url + "/papers", per="paper")
        chat = subscribe(services, receiver.url + "/slack", format="slack")
        assert arxiv_bot("fetch", cwd=services.workdir, env=services.env).returncode == 0
        wait_until(lambda: sql(database, "SELECT count(*) FROM webhook_deliveries") == 32, 120, "32 deliveries")
        wait_until(lambda: len(receiver.requests) >= 40, 60, "retries against the 503s")

        services.kill("publisher")  # mid-retries: no shutdown hook runs
        refused_before_restart = len(receiver.requests)
        services.start("publisher")
        wait_until(lambda: len(receiver.requests) > refused_before_restart + 10, 60, "retries after the restart")
        receiver.default = (200, {}, b"ok")
        wait_until(lambda: pending(database) == 0, 120, "every delivery to succeed")

        accepted = receiver.delivered()
        assert all(count == 1 for count in receiver.successes_per_id().values())
        by_path: dict[str, list] = {}
        for request in accepted:
            by_path.setdefault(request.path, []).append(request)
        assert len(by_path["/digest"]) == 1 and len(by_path["/papers"]) == 30
        assert len(by_path["/slack"]) == len(json.loads(sql(database, "SELECT parts::text FROM webhook_deliveries "
                                                            "WHERE subscription_id = $1", chat["id"])))
        for path, secret in (("/digest", digest["secret"]), ("/papers", papers["secret"])):
            for request in [r for r in receiver.requests if r.path == path]:
                Webhook(secret).verify(request.body, request.headers)  # every attempt, refused or not
        ids = {r.json()["data"]["paper"]["id"] for r in by_path["/papers"]}
        assert len(ids) == 30

        # The same announcement fetched again gives the same digest: nothing more is owed to anyone.
        assert arxiv_bot("fetch", cwd=services.workdir, env=services.env).returncode == 0
        wait_until(lambda: sql(database, "SELECT count(*) FROM run_profiles WHERE stage = 'published'") == 2, 120,
                   "the second run to be published")
        seen = len(receiver.requests)
        log = httpx.get(services.url("publisher") + f"/api/v1/webhooks/{digest['id']}/deliveries", headers=AUTH)
        time.sleep(2)  # several sweeps: anything wrongly owed would go out now
    assert len(receiver.requests) == seen and sql(database, "SELECT count(*) FROM webhook_deliveries") == 32
    (delivery,) = log.json()["items"]
    # Refused first (every delivery had its first try during the outage), accepted last; an attempt cut short by
    # the kill counts as an attempt without a log line.
    codes = [a["status_code"] for a in delivery["log"]]
    assert delivery["status"] == "delivered" and delivery["attempts"] >= len(codes) >= 2
    assert codes[0] == 503 and codes[-1] == 200 and codes.count(200) == 1
