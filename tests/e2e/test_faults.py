"""Fault injection on the running services: crashes, a service down, the broker dropping every connection."""
from __future__ import annotations

import subprocess

import httpx

from tests.e2e.cli import arxiv_bot
from tests.e2e.deployment import Deployment, sql, wait_until
from tests.e2e.test_embedded import REFERENCE_SELECTION, readme_ids
from tests.servers import FakeLLM


def summaries_in_readme(services: Deployment) -> int:
    response = httpx.get(services.url("publisher") + "/readme")
    return response.text.count("🤖 AI Summary") if response.status_code == 200 else -1


def test_a_summarizer_killed_mid_run_loses_nothing_and_duplicates_nothing(
        deployment: tuple[Deployment, FakeLLM]) -> None:
    services, llm = deployment
    llm.delay = 0.5  # 15 papers, 3 at a time: the run takes a few seconds, long enough to kill it inside
    assert arxiv_bot("fetch", cwd=services.workdir, env=services.env).returncode == 0
    wait_until(lambda: len(llm.requests) >= 4, 60, "the summarizer to be mid-run")
    services.kill("summarizer")
    asked_before_restart = len(llm.requests)
    assert asked_before_restart < 15
    services.start("summarizer")
    wait_until(lambda: summaries_in_readme(services) == 15, 120, "all 15 summaries in the README")
    url = services.env["DATABASE_URL"]
    assert sql(url, "SELECT count(*) FROM summaries WHERE status = 'done'") == 15
    assert sql(url, "SELECT count(*) FROM publications WHERE name = 'README.md'") == 1
    # Only the calls in flight at the kill (at most max_workers = 3) may have been asked twice.
    assert len(llm.requests) <= 15 + 3
    assert readme_ids(httpx.get(services.url("publisher") + "/readme").text) == REFERENCE_SELECTION


def test_a_stopped_scorer_finds_the_run_waiting_when_it_comes_back(deployment: tuple[Deployment, FakeLLM]) -> None:
    services, _ = deployment
    services.kill("scorer")
    assert arxiv_bot("fetch", cwd=services.workdir, env=services.env).returncode == 0
    assert httpx.get(services.url("publisher") + "/readme").status_code == 404
    services.start("scorer")
    wait_until(lambda: summaries_in_readme(services) == 15, 120, "the README after the scorer came back")


def test_services_reconnect_after_the_broker_drops_every_connection(deployment: tuple[Deployment, FakeLLM]) -> None:
    services, _ = deployment
    subprocess.run(["rabbitmqctl", "close_all_connections", "arxiv-bot fault test"], check=True,
                   capture_output=True, timeout=60)
    # Readiness reflects the outage and then the reconnection.
    wait_until(lambda: all(httpx.get(services.url(s) + "/readyz").status_code == 200
                           for s in ("scorer", "summarizer", "publisher")), 60, "services to reconnect")
    assert arxiv_bot("fetch", cwd=services.workdir, env=services.env).returncode == 0
    wait_until(lambda: summaries_in_readme(services) == 15, 120, "the README after the reconnection")
