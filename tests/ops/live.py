"""The four services as processes on the real broker and store, fed by a small synthetic arXiv day.

Small on purpose (three papers, two summaries): these tests are about what the services export and how they
stop, not about selection, so they never depend on ../shared/data.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.e2e.cli import child_env
from tests.e2e.deployment import Deployment, deployed, wait_until
from tests.feeds import Item, feed
from tests.servers import FakeArxiv, FakeLLM

API_TOKEN = "ops-test-token"
ITEMS = [Item(f"2411.{n:05d}", f"Sparse attention {n}", f"We make attention sparse, take {n}.") for n in (1, 2, 3)]


def write_config(folder: Path, summaries: int = 2, workers: int = 2) -> Path:
    path = folder / "config.json"
    path.write_text(json.dumps({
        "categories": ["cs.LG"], "keywords": ["Sparse"], "exclude_keywords": [], "days_back": 3650, "min_score": 0,
        "ai_summary": {"enabled": True, "api_key_env": "DASHSCOPE_API_KEY", "model": "test-model",
                       "max_papers_to_summarize": summaries, "max_workers": workers}}))
    return path


@contextlib.contextmanager
def synthetic_deployment(tmp_path: Path, pg_url: str, amqp_url: str, amqp_prefix: str, summaries: int = 2,
                         workers: int = 2, **settings: str) -> Iterator[tuple[Deployment, FakeLLM]]:
    with FakeArxiv(feeds={"cs.LG": feed("cs.LG", ITEMS)}) as arxiv, FakeLLM() as llm:
        env = child_env(DATABASE_URL=pg_url, AMQP_URL=amqp_url, AMQP_PREFIX=amqp_prefix,
                        ARXIV_RSS_BASE_URL=arxiv.base, LLM_BASE_URL=llm.url + "/v1", DASHSCOPE_API_KEY="test-key",
                        ARXIV_BOT_CONFIG=str(write_config(tmp_path, summaries, workers)),
                        SWEEP_INTERVAL_SECONDS="0.5", API_TOKEN=API_TOKEN, **settings)
        with deployed(env, tmp_path) as deployment:
            yield deployment, llm


def request_fetch(deployment: Deployment) -> str:
    """POST /fetch as an operator would (the token is required once the API is protected)."""
    response = httpx.post(deployment.url("fetcher") + "/fetch", headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert response.status_code == 202, response.text
    return response.json()["run_id"]


def summaries_in_readme(deployment: Deployment) -> int:
    response = httpx.get(deployment.url("publisher") + "/readme")
    return response.text.count("AI Summary") if response.status_code == 200 else -1


def wait_for_readme(deployment: Deployment, summaries: int, timeout: float = 120) -> None:
    wait_until(lambda: summaries_in_readme(deployment) == summaries, timeout, f"a README with {summaries} summaries")
