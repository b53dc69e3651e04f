"""One paper's request through the worker, against a local LLM that misbehaves: retries, deadline, limits."""
from __future__ import annotations

import pytest

from shared.runtime import Env
from tests.feeds import Item
from tests.servers import FakeLLM
from tests.summarizer.runs import cfg, outcomes, run, summaries

ITEMS = [Item(f"2411.{n:05d}", f"Sparse paper {n}", f"Sparse abstract {n}.") for n in range(1, 4)]


def metric(env: Env, name: str, **labels: str) -> float:
    return env.metrics.registry.get_sample_value(f"arxiv_bot_{name}", labels) or 0.0


@pytest.mark.parametrize(("fault", "cause"), [("429", "429"), ("500", "5xx"), ("drop", "connection")])
async def test_a_passing_fault_is_retried_and_the_paper_is_done(env: Env, llm: FakeLLM, fault: str,
                                                               cause: str) -> None:
    env.settings.llm_retries = 2
    llm.faults = [(fault, 0.2)]
    run_id = await run(env, cfg(llm, wanted=1), ITEMS[:1])
    assert (await outcomes(env, run_id))["2411.00001"].status == "done"
    assert len(llm.requests) == 2 and (await summaries(env))["2411.00001"].attempts == 1
    assert metric(env, "llm_retries_total", cause=cause) == 1


async def test_tokens_are_counted_per_model(env: Env, llm: FakeLLM) -> None:
    await run(env, cfg(llm, wanted=2), ITEMS)
    rows = (await summaries(env)).values()
    assert metric(env, "llm_prompt_tokens_total", model="test-model") == sum(r.prompt_tokens for r in rows) > 0
    assert metric(env, "llm_completion_tokens_total", model="test-model") == sum(r.completion_tokens for r in rows)
    assert metric(env, "fulltext_sources_total", source="abstract") == 2


@pytest.mark.parametrize(("fault", "asked", "error"), [
    ("malformed", 1, "the model's answer was malformed"),  # would fail the same way again: not retried
    ("empty", 1, "unusable answer: the answer is empty"),
    ("500", 2, "HTTP 500 from the model: model overloaded"),  # retried once, then given up
])
async def test_after_the_last_retry_the_paper_fails_with_the_reason_and_a_later_run_retries(
        env: Env, llm: FakeLLM, fault: str, asked: int, error: str) -> None:
    env.settings.llm_retries = 1
    llm.faults = [(fault, 0)] * asked
    config = cfg(llm, wanted=1)
    first = await run(env, config, ITEMS[:1])
    assert (await outcomes(env, first))["2411.00001"].status == "failed" and len(llm.requests) == asked
    assert (await summaries(env))["2411.00001"].error == error
    later = await run(env, config, ITEMS[:1])
    assert (await outcomes(env, later))["2411.00001"].status == "done"
    assert (await summaries(env))["2411.00001"].attempts == 2


async def test_a_slow_model_is_cut_off_at_the_deadline(env: Env, llm: FakeLLM) -> None:
    env.settings.llm_deadline_seconds = 1
    env.settings.llm_retries = 0
    llm.faults = [("slow", 3)]
    run_id = await run(env, cfg(llm, wanted=1), ITEMS[:1])
    assert (await outcomes(env, run_id))["2411.00001"].status == "failed"
    assert (await summaries(env))["2411.00001"].error == "no answer within 1 s"


async def test_a_slow_answer_times_out_per_request_and_the_retry_gets_it(env: Env, llm: FakeLLM) -> None:
    env.settings.llm_timeout = 2  # ample for a local answer on a busy machine, short of the slow one
    env.settings.llm_retries = 1
    llm.faults = [("slow", 6)]
    run_id = await run(env, cfg(llm, wanted=1), ITEMS[:1])
    assert (await outcomes(env, run_id))["2411.00001"].status == "done" and len(llm.requests) == 2
    assert metric(env, "llm_retries_total", cause="timeout") == 1


async def test_requests_per_minute_hold_the_rest_and_a_wait_past_the_deadline_fails_clearly(
        env: Env, llm: FakeLLM) -> None:
    env.settings.llm_deadline_seconds = 5
    config = cfg(llm, workers=3, wanted=3)
    config.ai_summary.rpm = 1  # one now, the next in 60 s: far past the 5 s deadline
    run_id = await run(env, config, ITEMS)
    assert len(llm.requests) == 1
    assert sorted(o.status for o in (await outcomes(env, run_id)).values()) == ["done", "failed", "failed"]
    errors = [s.error for s in (await summaries(env)).values() if s.status == "failed"]
    assert all("rpm/tpm limits would hold this request" in (e or "") for e in errors)


async def test_tokens_per_minute_hold_the_next_request_until_the_last_ones_tokens_are_back(
        env: Env, llm: FakeLLM) -> None:
    env.settings.llm_deadline_seconds = 5
    config = cfg(llm, workers=1, wanted=3)  # one at a time: each request settles before the next asks
    # A request reserves its input plus 1,500 tokens for the answer, at most the whole bucket (1,000). The first
    # takes it all and gives back what it did not use (~770 of it); the next needs 1,000 again: ~14 s away at
    # 1,000 a minute, past the 5 s deadline.
    config.ai_summary.tpm = 1_000
    run_id = await run(env, config, ITEMS)
    assert len(llm.requests) == 1
    assert sorted(o.status for o in (await outcomes(env, run_id)).values()) == ["done", "failed", "failed"]
