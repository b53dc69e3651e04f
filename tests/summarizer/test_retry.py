"""Retries against a real local OpenAI-compatible server: what is retried, how long it waits, when it stops."""
from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator

import openai
import pytest

from services.summarizer.retry import Backoff, reason, with_retries
from services.summarizer.summarize import Answer, SummaryError, ask
from tests.servers import FakeLLM

MESSAGES = [{"role": "system", "content": "Summarize."}, {"role": "user", "content": "Title: Hopping"}]


@pytest.fixture
async def llm() -> AsyncIterator[FakeLLM]:
    with FakeLLM() as server:
        yield server


async def call(llm: FakeLLM, retries: int = 2, deadline: float = 30, timeout: float = 5, key: str = "test-key"
               ) -> Answer:
    model = openai.AsyncOpenAI(api_key=key, base_url=llm.url + "/v1", timeout=timeout, max_retries=0)
    try:
        return await with_retries(lambda: ask(model, "m", MESSAGES), Backoff(retries, 0.01, 0.05),
                                  asyncio.get_running_loop().time() + deadline, "test")
    finally:
        await model.close()


async def test_a_429_is_retried_after_the_servers_retry_after(llm: FakeLLM) -> None:
    llm.faults = [("429", 1)]
    answer = await call(llm)
    assert answer.text == "Summary: Title: Hopping" and len(llm.requests) == 2
    assert llm.times[1] - llm.times[0] >= 1.0  # Retry-After obeyed, though our own backoff was 10 ms


@pytest.mark.parametrize("fault", ["500", "drop"])
async def test_server_errors_and_dropped_connections_are_retried(llm: FakeLLM, fault: str) -> None:
    llm.faults = [(fault, 0), (fault, 0)]
    assert (await call(llm)).text == "Summary: Title: Hopping"
    assert len(llm.requests) == 3


async def test_a_slow_answer_times_out_and_the_retry_gets_it(llm: FakeLLM) -> None:
    llm.faults = [("slow", 6)]
    assert (await call(llm, timeout=2)).text == "Summary: Title: Hopping"
    assert len(llm.requests) == 2


@pytest.mark.parametrize(("fault", "error", "said"), [
    ("malformed", json.JSONDecodeError, "the model's answer was malformed"),
    ("empty", SummaryError, "unusable answer: the answer is empty"),
])
async def test_an_unusable_answer_is_not_asked_again(llm: FakeLLM, fault: str, error: type, said: str) -> None:
    llm.faults = [(fault, 0)]
    with pytest.raises(error) as failed:
        await call(llm)
    assert len(llm.requests) == 1 and reason(failed.value) == said


async def test_a_refused_key_is_not_asked_again(llm: FakeLLM) -> None:
    with pytest.raises(openai.AuthenticationError) as failed:
        await call(llm, key="not-the-key")
    assert reason(failed.value).startswith("HTTP 401 from the model")


async def test_after_the_last_retry_the_last_failure_is_raised(llm: FakeLLM) -> None:
    llm.faults = [("500", 0)] * 5
    with pytest.raises(openai.InternalServerError) as failed:
        await call(llm, retries=2)
    assert len(llm.requests) == 3 and reason(failed.value) == "HTTP 500 from the model: model overloaded"


async def test_a_retry_after_past_the_deadline_fails_at_once(llm: FakeLLM) -> None:
    llm.faults = [("429", 60)]
    with pytest.raises(openai.RateLimitError):
        await call(llm, deadline=5)
    assert len(llm.requests) == 1


def test_backoff_doubles_with_jitter_up_to_its_cap() -> None:
    backoff = Backoff(10, 2.0, 20.0, random.Random(7))
    for attempt, ceiling in enumerate([2, 4, 8, 16, 20, 20]):
        waits = [backoff.wait(attempt, TimeoutError()) for _ in range(50)]
        assert all(ceiling / 2 <= w <= ceiling for w in waits) and len(set(waits)) > 1
