"""One fault scenario's world: the four services as processes, a small arXiv day, an LLM and a webhook receiver.

The day is synthetic on purpose (36 papers in three feeds, nine of them cross-listed, 10 selected, 6 to
summarize): every scenario runs the same pipeline in a few seconds, so the time goes to the faults.
`FakeLLM.faults` is given a seeded plan as long as the scenario can use, so request number i met fault
plan[i]: which answers reached the summarizer is known exactly, and so is how often each paper was paid for.
"""
from __future__ import annotations

import contextlib
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.e2e.cli import child_env
from tests.e2e.deployment import Deployment, deployed, free_port
from tests.feeds import Item, feed
from tests.servers import FakeArxiv, FakeLLM, WebhookReceiver

API_TOKEN = "faults-operator-token"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
CATEGORIES = ("cs.LG", "cs.AI", "cs.CL")
SELECTED, SUMMARIZED = 10, 6
OK = ("ok", 0.0)


def papers() -> list[Item]:
    items = []
    for n in range(1, 37):
        home = CATEGORIES[n % 3]
        cross = [CATEGORIES[(n + 1) % 3]] if n % 4 == 0 else []
        if n % 2 == 0:
            # The score grows with n (more keyword hits for higher n), so the selection is one clear order.
            title, abstract = f"Sparse attention study {n}", "We make attention sparse. " + "Attention. " * (n % 7)
        else:
            title, abstract = f"Graph colouring note {n}", f"We colour graphs, case {n}."
        items.append(Item(f"2411.{n:05d}", title, abstract, categories=[home, *cross]))
    return items


def feeds() -> dict[str, bytes]:
    return {c: feed(c, [i for i in papers() if c in i.categories]) for c in CATEGORIES}


FEED_ITEMS = sum(len(i.categories) for i in papers())


def write_config(folder: Path) -> Path:
    path = folder / "config.json"
    path.write_text(json.dumps({
        "categories": list(CATEGORIES), "keywords": ["Sparse", "attention"], "exclude_keywords": [],
        "days_back": 3650, "max_papers": SELECTED,
        "ai_summary": {"enabled": True, "api_key_env": "DASHSCOPE_API_KEY", "model": "test-model",
                       "max_papers_to_summarize": SUMMARIZED, "max_workers": 3}}))
    return path


def llm_plan(seed: int, failure_rate: float, length: int = 600, slow: float = 3.0) -> list[tuple[str, float]]:
    """What each LLM request gets, in arrival order: a 429, a 500, or an answer slower than LLM_TIMEOUT, each a
    third of `failure_rate`; else an answer."""
    rng = random.Random(seed)
    faults = [("429", 0.2), ("500", 0.0), ("slow", slow)]
    return [rng.choice(faults) if rng.random() < failure_rate else OK for _ in range(length)]


def title_of(request: dict) -> str:
    found = re.search(r"Title: (.*)", request["messages"][-1]["content"])
    return found.group(1).strip() if found else "?"


@dataclass
class World:
    services: Deployment
    arxiv: FakeArxiv
    llm: FakeLLM
    plan: list[tuple[str, float]]
    receiver_port: int
    subscriptions: dict[str, dict] = field(default_factory=dict)

    @property
    def database(self) -> str:
        return self.services.env["DATABASE_URL"]

    def subscribe(self) -> None:
        """One subscription per digest and one per paper, both JSON (one part each: one webhook-id each)."""
        for name, per in (("digest", "digest"), ("papers", "paper")):
            response = httpx.post(self.services.url("publisher") + "/api/v1/webhooks", headers=AUTH, json={
                "url": f"http://127.0.0.1:{self.receiver_port}/{name}", "profile": "default", "per": per})
            assert response.status_code == 201, response.text
            self.subscriptions[name] = response.json()

    def request_fetch(self) -> str:
        response = httpx.post(self.services.url("fetcher") + "/fetch", headers=AUTH, timeout=30)
        assert response.status_code == 202, response.text
        return response.json()["run_id"]

    def answers_per_title(self) -> dict[str, int]:
        """How many answers the summarizer actually received, per paper (a fault's request is not one)."""
        with self.llm.lock:
            requests = list(self.llm.requests)
        counts: dict[str, int] = {}
        for index, request in enumerate(requests):
            if self.plan[index] == OK:
                counts[title_of(request)] = counts.get(title_of(request), 0) + 1
        return counts

    def readiness(self, service: str) -> int:
        try:
            return httpx.get(self.services.url(service) + "/readyz", timeout=5).status_code
        except httpx.HTTPError:
            return 0


@contextlib.contextmanager
def world(tmp_path: Path, database_url: str, amqp_url: str, amqp_prefix: str, *,
          plan: list[tuple[str, float]] | None = None, llm_delay: float = 0.3, feed_delay: float = 0.3,
          start: bool = True, **settings: str) -> Iterator[World]:
    """The four services on `database_url` and `amqp_url`, with small delays and retry schedules so faults
    play out in seconds. Extra keyword arguments are environment settings for the services."""
    plan = plan if plan is not None else [OK] * 600
    receiver_port = free_port()
    with FakeArxiv(feeds=feeds()) as arxiv, FakeLLM() as llm:
        arxiv.delay, llm.delay = feed_delay, llm_delay
        llm.faults = list(plan)
        env = child_env(**{
            "DATABASE_URL": database_url, "AMQP_URL": amqp_url, "AMQP_PREFIX": amqp_prefix,
            "ARXIV_RSS_BASE_URL": arxiv.base, "LLM_BASE_URL": llm.url + "/v1", "DASHSCOPE_API_KEY": "test-key",
            "ARXIV_BOT_CONFIG": str(write_config(tmp_path)), "API_TOKEN": API_TOKEN,
            "SWEEP_INTERVAL_SECONDS": "0.3", "FETCH_COALESCE_SECONDS": "0", "SUMMARY_CLAIM_SECONDS": "2",
            # Delays the test fixtures know (tests/conftest.py TEST_DELAYS), so the prefix's queues are deleted.
            "RETRY_DELAYS_SECONDS": "0.1,0.2,0.4,1",
            # Never the deadline: these runs must publish because every summary is in, however slow the machine.
            "PUBLISH_DEADLINE_SECONDS": "900",
            "LLM_TIMEOUT": "1", "LLM_RETRIES": "6", "LLM_BACKOFF_SECONDS": "0.05", "LLM_MAX_BACKOFF_SECONDS": "0.3",
            "HTTP_RETRIES": "0", "SHUTDOWN_GRACE_SECONDS": "2",
            "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8", "WEBHOOK_RETRY_SCHEDULE": "0.5,1,1,2,2,2,2,2,2,2",
            "WEBHOOK_TIMEOUT_SECONDS": "2", "WEBHOOK_PAUSE_AFTER_FAILURES": "1000", **settings})
        with deployed(env, tmp_path, start=start) as services:
            yield World(services, arxiv, llm, plan, receiver_port)


def receiving(world_: World) -> WebhookReceiver:
    """The receiver, listening where the subscriptions point (start it late to play "connection refused")."""
    return WebhookReceiver(port=world_.receiver_port)
