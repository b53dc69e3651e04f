"""The summarizer against a real local OpenAI-compatible server: outcomes, concurrency, cache, failures."""
from __future__ import annotations

import asyncio

from sqlmodel import select

from shared.config import BotConfig
from shared.models import RunSummary, Summary
from shared.runtime import Env
from services.summarizer.summarize import prompt_hash
from tests.feeds import Item, feed
from tests.pipeline import emitted, scored_run, summarize_run
from tests.servers import FakeLLM

ITEMS = [Item(f"2411.{n:05d}", f"Sparse paper {n}", f"Sparse abstract {n}.") for n in range(1, 7)]


def cfg(llm: FakeLLM, workers: int = 2, wanted: int = 5) -> BotConfig:
    config = BotConfig(categories=["cs.AI"], keywords=["Sparse"], days_back=3650, min_score=0)
    config.ai_summary.base_url = llm.url + "/v1"
    config.ai_summary.api_key_env = "ARXIV_BOT_TEST_KEY"
    config.ai_summary.max_workers = workers
    config.ai_summary.max_papers_to_summarize = wanted
    config.ai_summary.model = "test-model"
    return config


async def on_run_scored(scored, env: Env) -> None:  # noqa: ANN001
    await summarize_run(env, scored.run_id)


async def outcomes(env: Env, run_id: str) -> dict[str, str]:
    async with env.sessions() as session:
        rows = await session.exec(select(RunSummary).where(RunSummary.run_id == run_id))
        return {r.arxiv_id: r.status for r in rows}


async def test_each_wanted_paper_is_summarized_once_within_max_workers(store_env: Env, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "test-key")
    with FakeLLM() as llm:
        llm.delay = 0.2  # long enough for calls to overlap if the limit let them
        scored = await scored_run(store_env, cfg(llm, workers=2), {"cs.AI": feed("cs.AI", ITEMS)})
        await on_run_scored(scored, store_env)
    assert len(llm.requests) == 5 and llm.max_in_flight == 2
    assert llm.requests[0]["model"] == "test-model"
    asked = sorted(r["messages"][-1]["content"].split("Abstract:\n")[1] for r in llm.requests)
    assert asked == [f"Sparse abstract {n}." for n in range(1, 6)]
    assert set((await outcomes(store_env, scored.run_id)).values()) == {"done"}
    async with store_env.sessions() as session:
        summaries = list(await session.exec(select(Summary)))
    assert len(summaries) == 5 and all(s.text.startswith("Summary: Title: Sparse paper") for s in summaries)
    assert all(s.prompt_hash == prompt_hash(cfg(llm).prompt) and s.prompt_tokens > 0 for s in summaries)
    done = await emitted(store_env, "paper.summarized")
    assert sorted(m.arxiv_id for m in done) == [f"2411.{n:05d}" for n in range(1, 6)]
    assert {m.status for m in done} == {"done"}


async def test_a_later_run_and_a_redelivery_ask_the_model_nothing(store_env: Env, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "test-key")
    with FakeLLM() as llm:
        first = await scored_run(store_env, cfg(llm), {"cs.AI": feed("cs.AI", ITEMS)})
        await on_run_scored(first, store_env)
        await on_run_scored(first, store_env)  # redelivered
        second = await scored_run(store_env, cfg(llm), {"cs.AI": feed("cs.AI", ITEMS)})
        await on_run_scored(second, store_env)
    assert len(llm.requests) == 5
    assert set((await outcomes(store_env, second.run_id)).values()) == {"done"}
    assert len(await emitted(store_env, "paper.summarized")) == 10  # 5 per run; the redelivery emitted nothing


async def test_a_new_version_or_prompt_is_summarized_again(store_env: Env, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "test-key")
    with FakeLLM() as llm:
        config = cfg(llm, wanted=1)
        await on_run_scored(await scored_run(store_env, config, {"cs.AI": feed("cs.AI", ITEMS[:1])}), store_env)
        revised = [Item(ITEMS[0].id, ITEMS[0].title, ITEMS[0].abstract, version=2)]
        await on_run_scored(await scored_run(store_env, config, {"cs.AI": feed("cs.AI", revised)}), store_env)
        config.prompt = "Summarize in one line."
        await on_run_scored(await scored_run(store_env, config, {"cs.AI": feed("cs.AI", revised)}), store_env)
    assert len(llm.requests) == 3
    assert llm.requests[-1]["messages"][0]["content"] == "Summarize in one line."


async def test_one_failing_paper_is_recorded_and_the_others_are_done(store_env: Env, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "test-key")
    with FakeLLM() as llm:
        llm.fail_for = {"Sparse abstract 2."}
        scored = await scored_run(store_env, cfg(llm, wanted=3), {"cs.AI": feed("cs.AI", ITEMS)})
        await on_run_scored(scored, store_env)
    result = await outcomes(store_env, scored.run_id)
    assert sorted(result.values()) == ["done", "done", "failed"]
    async with store_env.sessions() as session:
        failed = (await session.exec(select(Summary).where(Summary.status == "failed"))).one()
    assert failed.arxiv_id == "2411.00002" and "overloaded" in (failed.error or "") and failed.attempts == 1


async def test_a_failed_summary_is_retried_by_a_later_run(store_env: Env, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "test-key")
    with FakeLLM() as llm:
        llm.fail_for = {"Sparse abstract 1."}
        await on_run_scored(await scored_run(store_env, cfg(llm, wanted=1), {"cs.AI": feed("cs.AI", ITEMS[:1])}),
                            store_env)
        llm.fail_for = set()
        again = await scored_run(store_env, cfg(llm, wanted=1), {"cs.AI": feed("cs.AI", ITEMS[:1])})
        await on_run_scored(again, store_env)
    assert len(llm.requests) == 2
    assert await outcomes(store_env, again.run_id) == {"2411.00001": "done"}


async def test_without_a_key_summaries_are_disabled_and_nothing_is_asked(store_env: Env, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("ARXIV_BOT_TEST_KEY", raising=False)
    with FakeLLM() as llm:
        scored = await scored_run(store_env, cfg(llm, wanted=3), {"cs.AI": feed("cs.AI", ITEMS)})
        await on_run_scored(scored, store_env)
    assert llm.requests == []
    assert list((await outcomes(store_env, scored.run_id)).values()) == ["disabled"] * 3
    assert [m.status for m in await emitted(store_env, "paper.summarized")] == ["disabled"] * 3


async def test_a_wrong_key_fails_each_paper_but_completes_the_run(store_env: Env, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "not-the-key")
    with FakeLLM() as llm:
        scored = await scored_run(store_env, cfg(llm, wanted=2), {"cs.AI": feed("cs.AI", ITEMS)})
        await on_run_scored(scored, store_env)
    assert list((await outcomes(store_env, scored.run_id)).values()) == ["failed", "failed"]


async def test_two_runs_wanting_the_same_summaries_at_once_pay_once(store_env: Env, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "test-key")
    with FakeLLM() as llm:
        llm.delay = 0.3  # both runs ask while the first answers are still coming
        first = await scored_run(store_env, cfg(llm, workers=3), {"cs.AI": feed("cs.AI", ITEMS)})
        second = await scored_run(store_env, cfg(llm, workers=3), {"cs.AI": feed("cs.AI", ITEMS)})
        await asyncio.gather(summarize_run(store_env, first.run_id), summarize_run(store_env, second.run_id))
    assert len(llm.requests) == 5
    assert set((await outcomes(store_env, first.run_id)).values()) == {"done"}
    assert set((await outcomes(store_env, second.run_id)).values()) == {"done"}


async def test_a_broken_answer_is_that_papers_failure_and_never_stored_raw(store_env: Env, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "test-key")
    answers = {"Sparse abstract 1.": "NUL\x00 inside", "Sparse abstract 2.": "lone \ud800 surrogate",
               "Sparse abstract 3.": "   ", "Sparse abstract 4.": "x" * 50_000}

    def answer(messages: list[dict]) -> str:
        return next(v for k, v in answers.items() if k in messages[-1]["content"])

    with FakeLLM(answer) as llm:
        scored = await scored_run(store_env, cfg(llm, wanted=4), {"cs.AI": feed("cs.AI", ITEMS)})
        await summarize_run(store_env, scored.run_id)
    async with store_env.sessions() as session:
        rows = {s.arxiv_id: s for s in await session.exec(select(Summary))}
    assert rows["2411.00001"].text == "NUL inside" and rows["2411.00002"].text == "lone  surrogate"
    assert rows["2411.00003"].status == "failed" and "empty" in rows["2411.00003"].error
    assert len(rows["2411.00004"].text) < 21_000 and "[cut:" in rows["2411.00004"].text
    assert sorted((await outcomes(store_env, scored.run_id)).values()) == ["done", "done", "done", "failed"]
