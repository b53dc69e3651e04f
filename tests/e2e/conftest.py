"""The deployment fixture: four service processes against local arXiv and LLM servers."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.data import shared_data
from tests.e2e.cli import child_env
from tests.e2e.deployment import Deployment, deployed
from tests.e2e.test_embedded import reference_config
from tests.servers import FakeArxiv, FakeLLM


API_TOKEN = "e2e-operator-token"


@pytest.fixture
def deployment(tmp_path: Path, pg_url: str, amqp_url: str, amqp_prefix: str) -> Iterator[tuple[Deployment, FakeLLM]]:
    day = shared_data("arxiv/day-2024-11-28")
    config = reference_config(tmp_path)
    with FakeArxiv(day) as arxiv, FakeLLM() as llm:
        env = child_env(DATABASE_URL=pg_url, AMQP_URL=amqp_url, AMQP_PREFIX=amqp_prefix,
                        ARXIV_RSS_BASE_URL=arxiv.base, ARXIV_BASE_URL=arxiv.url, LLM_BASE_URL=llm.url + "/v1",
                        DASHSCOPE_API_KEY="test-key",
                        ARXIV_BOT_CONFIG=str(config), SWEEP_INTERVAL_SECONDS="0.5",
                        API_TOKEN=API_TOKEN, FETCH_COALESCE_SECONDS="0", SUMMARY_CLAIM_SECONDS="3")
        with deployed(env, tmp_path) as deployment:
            yield deployment, llm


