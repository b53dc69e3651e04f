"""The four services as separate processes on the real RabbitMQ and PostgreSQL, fed by `arxiv-bot fetch`."""
from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import asyncpg
import httpx
import pytest

from shared.topology import SERVICES
from tests.e2e.cli import arxiv_bot, child_env, command
from tests.e2e.test_embedded import REFERENCE_SELECTION, readme_ids, reference_config
from tests.data import shared_data
from tests.servers import FakeArxiv, FakeLLM


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Deployment:
    def __init__(self, env: dict[str, str], workdir: Path):
        self.env, self.workdir = env, workdir
        self.ports = {service: free_port() for service in SERVICES}
        self.procs: dict[str, subprocess.Popen] = {}

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def start(self) -> None:
        for service in SERVICES:
            log = open(self.workdir / f"{service}.log", "w")  # noqa: SIM115 - closed with the process
            self.procs[service] = subprocess.Popen(
                [*command(), "serve", service, "--port", str(self.ports[service])],
                cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        for service in SERVICES:
            wait_until(lambda s=service: httpx.get(self.url(s) + "/readyz").status_code == 200, 60, f"{service} ready")

    def metric(self, service: str, line_start: str) -> float:
        for line in httpx.get(self.url(service) + "/metrics").text.splitlines():
            if line.startswith(line_start):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()

    def logs(self) -> str:
        return "\n".join(f"--- {s}\n" + (self.workdir / f"{s}.log").read_text()[-4000:] for s in SERVICES)


@pytest.fixture
def deployment(tmp_path: Path, pg_url: str, amqp_url: str, amqp_prefix: str) -> Iterator[tuple[Deployment, FakeLLM]]:
    day = shared_data("arxiv/day-2024-11-28")
    config = reference_config(tmp_path)
    with FakeArxiv(day) as arxiv, FakeLLM() as llm:
        env = child_env(DATABASE_URL=pg_url, AMQP_URL=amqp_url, AMQP_PREFIX=amqp_prefix,
                        ARXIV_RSS_BASE_URL=arxiv.base, LLM_BASE_URL=llm.url + "/v1", DASHSCOPE_API_KEY="test-key",
                        ARXIV_BOT_CONFIG=str(config), SWEEP_INTERVAL_SECONDS="0.5")
        deployment = Deployment(env, tmp_path)
        try:
            deployment.start()
            yield deployment, llm
        except BaseException:
            print(deployment.logs())
            raise
        finally:
            deployment.stop()
            _truncate(pg_url)


def _sql(url: str, query: str, *args: object) -> object:
    async def run() -> object:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetchval(query, *args)
        finally:
            await conn.close()
    return asyncio.run(run())


def _truncate(url: str) -> None:
    _sql(url, "TRUNCATE papers, fetch_runs, run_items, scores, summaries, run_summaries, publications, outbox CASCADE")


def _stage(url: str, run_id: str) -> object:
    return _sql(url, "SELECT stage FROM fetch_runs WHERE id = $1", run_id)


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
    assert again.returncode == 0 and "0 new" in again.stdout
    wait_until(lambda: services.metric("publisher", 'arxiv_bot_publications_total{result="unchanged"}') == 1,
               60, "the second run to be published")
    assert len(llm.requests) == 15  # the second run asked the model nothing
    same = httpx.get(publisher + "/readme", headers={"If-None-Match": readme.headers["etag"]})
    assert same.status_code == 304
    assert services.metric("scorer", 'arxiv_bot_messages_total{outcome="ok",routing_key="run.fetched"}') == 2
    assert services.metric("summarizer", 'arxiv_bot_llm_requests_total{outcome="cached"}') == 15


def test_a_fetch_can_be_requested_over_http(deployment: tuple[Deployment, FakeLLM]) -> None:
    services, _ = deployment
    response = httpx.post(services.url("fetcher") + "/fetch")
    assert response.status_code == 202
    run_id = response.json()["run_id"]
    wait_until(lambda: httpx.get(services.url("publisher") + "/readme").status_code == 200, 120, "the README")
    assert services.metric("fetcher", 'arxiv_bot_messages_total{outcome="ok",routing_key="fetch.requested"}') == 1
    assert _stage(services.env["DATABASE_URL"], run_id) == "published"  # the request's id names its run
