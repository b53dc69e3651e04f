"""The summarizer against a real local arXiv and OpenAI-compatible server: what it reads, outcomes, concurrency,
the cache, failures, and what the digest says about each summary."""
from __future__ import annotations

import asyncio
import logging

import pytest
from sqlmodel import select

from shared.models import Summary
from shared.runtime import Env
from services.summarizer.prompt import system_prompt
from services.summarizer.summarize import prompt_hash
from services.summarizer.worker import on_summary_requested
from tests.feeds import Item, feed
from tests.pipeline import emitted, scored_run, summarize_run
from tests.servers import FakeArxiv, FakeLLM
from tests.summarizer.documents import corrupt_pdf, html_page, text_pdf
from tests.summarizer.runs import cfg, entry_of, outcomes, published, run, summaries

ITEMS = [Item(f"2411.{n:05d}", f"Sparse paper {n}", f"Sparse abstract {n}.") for n in range(1, 7)]


def statuses(result: dict) -> list[str]:
    return sorted(o.status for o in result.values())


async def test_html_for_one_pdf_for_another_nothing_for_a_third_and_the_digest_says_which(
        env: Env, arxiv: FakeArxiv, llm: FakeLLM) -> None:
    arxiv.html["2411.00001v1"] = html_page("Sparse paper 1", "HTMLONE")
    arxiv.pdf["2411.00002v1"] = text_pdf("Sparse paper 2", "PDFTWO")
    run_id = await run(env, cfg(llm, wanted=3), ITEMS[:3])
    asked = {r["messages"][-1]["content"].split("\n", 1)[0]: r["messages"][-1]["content"] for r in llm.requests}
    assert len(llm.requests) == 3
    first, second, third = (asked[f"Title: Sparse paper {n}"] for n in (1, 2, 3))
    assert "HTMLONE-method: we count hops per second." in first and "HTMLONE-conclusion" in first
    assert "PDFTWO-results: quokkas reach 42.0 hops per second." in second and "PDFTWO-intro" in second
    assert third.endswith("Abstract:\nSparse abstract 3.")  # the abstract, and only it
    rows = await summaries(env)
    assert [rows[f"2411.0000{n}"].source for n in (1, 2, 3)] == ["html", "pdf", "abstract"]
    assert rows["2411.00003"].source_detail == "no full text available"
    assert all(r.tokens_sent > 0 and r.chars_sent > 0 and not r.cut for r in rows.values())
    readme, rss = await published(env, run_id)
    html_label = f"Summary of the full text (HTML, {rows['2411.00001'].tokens_sent:,} tokens)"
    pdf_label = f"Summary of the full text (PDF, {rows['2411.00002'].tokens_sent:,} tokens)"
    abstract_label = "Summary of the abstract only (no full text available)"
    assert f"*{html_label}*\n\n</details>" in entry_of(readme, "2411.00001")
    assert f"*{pdf_label}*" in entry_of(readme, "2411.00002")
    assert f"*{abstract_label}*" in entry_of(readme, "2411.00003")
    assert all(label in rss for label in (html_label, pdf_label, abstract_label))
    spent = sum(r.prompt_tokens + r.completion_tokens for r in rows.values())
    assert f"*AI summaries: 3 (0 reused from earlier runs); {spent:,} tokens used by this run*" in readme


async def test_a_corrupt_pdf_gives_an_abstract_summary_that_says_so_and_the_run_publishes(
        env: Env, arxiv: FakeArxiv, llm: FakeLLM) -> None:
    arxiv.pdf["2411.00001v1"] = corrupt_pdf()
    arxiv.html["2411.00002v1"] = html_page("Sparse paper 2", "FINE")
    run_id = await run(env, cfg(llm, wanted=2), ITEMS[:2])
    assert statuses(await outcomes(env, run_id)) == ["done", "done"]
    row = (await summaries(env))["2411.00001"]
    assert (row.source, row.source_detail) == ("abstract", "the PDF could not be read")
    readme, _ = await published(env, run_id)
    assert "*Summary of the abstract only (the PDF could not be read)*" in entry_of(readme, "2411.00001")
    assert "Summary of the full text (HTML" in entry_of(readme, "2411.00002")


async def test_a_long_paper_is_cut_to_the_budget_and_labelled_so(env: Env, arxiv: FakeArxiv, llm: FakeLLM) -> None:
    arxiv.html["2411.00001v1"] = html_page("Sparse paper 1", "LONG", [
        ("1 Introduction", "LONG-intro " + "Hopping is studied at length here. " * 700),
        ("2 Related Work", "LONG-related " + "Others hopped before us. " * 700),
        ("3 Conclusion", "LONG-conclusion hopping is fast. " * 20)])
    config = cfg(llm, wanted=1)
    config.ai_summary.max_input_tokens = 2_000
    run_id = await run(env, config, ITEMS[:1])
    row = (await summaries(env))["2411.00001"]
    assert row.cut and row.tokens_sent <= 2_000
    sent = llm.requests[0]["messages"][-1]["content"]
    assert "LONG-intro" in sent and "LONG-conclusion" in sent and "LONG-related" not in sent
    readme, _ = await published(env, run_id)
    assert f"Summary of the full text (HTML, cut to {row.tokens_sent:,} tokens)" in readme


async def test_each_wanted_paper_is_summarized_once_within_max_workers(env: Env, llm: FakeLLM) -> None:
    llm.delay = 0.2  # long enough for calls to overlap if the limit let them
    config = cfg(llm, workers=2)
    run_id = await run(env, config, ITEMS)
    assert len(llm.requests) == 5 and llm.max_in_flight == 2
    assert llm.requests[0]["model"] == "test-model"
    asked = sorted(r["messages"][-1]["content"].split("Abstract:\n")[1] for r in llm.requests)
    assert asked == [f"Sparse abstract {n}." for n in range(1, 6)]
    assert statuses(await outcomes(env, run_id)) == ["done"] * 5
    rows = await summaries(env)
    assert len(rows) == 5 and all(s.text.startswith("Summary: Title: Sparse paper") for s in rows.values())
    assert all(s.prompt_hash == prompt_hash(system_prompt(config)) and s.prompt_tokens > 0 for s in rows.values())
    assert all(s.language == "en" for s in rows.values())
    done = await emitted(env, "paper.summarized")
    assert sorted(m.arxiv_id for m in done) == [f"2411.{n:05d}" for n in range(1, 6)]
    assert {m.status for m in done} == {"done"}


async def test_a_later_run_reuses_a_summary_whatever_its_source_and_a_redelivery_asks_nothing(
        env: Env, arxiv: FakeArxiv, llm: FakeLLM) -> None:
    config = cfg(llm, wanted=2)
    first = await run(env, config, ITEMS[:2])  # arXiv has no full text yet: abstracts
    for message in await emitted(env, "summary.requested", first):
        await on_summary_requested(message, env)  # redelivered
    arxiv.html["2411.00001v1"] = html_page("Sparse paper 1", "LATER")
    second = await run(env, config, ITEMS[:2])
    assert len(llm.requests) == 2  # never paid for twice: the abstract summary stands for this version
    later = (await outcomes(env, second)).values()
    assert all(o.reused and o.status == "done" and o.source == "abstract" for o in later)
    assert not any(o.reused for o in (await outcomes(env, first)).values())
    assert len(await emitted(env, "paper.summarized")) == 4  # 2 per run; the redelivery emitted nothing
    readme, _ = await published(env, second)
    assert "*AI summaries: 2 (2 reused from earlier runs); 0 tokens used by this run*" in readme


async def test_a_new_version_prompt_or_language_is_summarized_again(env: Env, llm: FakeLLM) -> None:
    config = cfg(llm, wanted=1)
    await run(env, config, ITEMS[:1])
    revised = [Item(ITEMS[0].id, ITEMS[0].title, ITEMS[0].abstract, version=2)]
    await run(env, config, revised)
    config.ai_summary.language = "zh"
    await run(env, config, revised)
    config.prompt = "Summarize in one line."
    await run(env, config, revised)
    assert len(llm.requests) == 4
    assert "Write the summary in Chinese" in llm.requests[2]["messages"][0]["content"]
    assert llm.requests[-1]["messages"][0]["content"] == "Summarize in one line."
    async with env.sessions() as session:
        languages = sorted((s.version, s.language) for s in await session.exec(select(Summary)))
    assert languages == [(1, "en"), (2, "en"), (2, "zh"), (2, "zh")]


async def test_one_failing_paper_is_recorded_logged_once_and_the_others_are_done(
        env: Env, llm: FakeLLM, caplog: pytest.LogCaptureFixture) -> None:
    llm.fail_for = {"Sparse abstract 2."}
    with caplog.at_level(logging.INFO):
        run_id = await run(env, cfg(llm, wanted=3), ITEMS)
    assert statuses(await outcomes(env, run_id)) == ["done", "done", "failed"]
    failed = (await summaries(env))["2411.00002"]
    assert failed.status == "failed" and "overloaded" in (failed.error or "") and failed.attempts == 1
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and "2411.00002" in r.getMessage()]
    assert len(warnings) == 1 and "HTTP 500" in warnings[0].getMessage()


async def test_a_failed_summary_is_retried_by_later_runs_up_to_max_attempts(env: Env, llm: FakeLLM) -> None:
    llm.fail_for = {"Sparse abstract 1."}
    config = cfg(llm, wanted=1)
    for _ in range(4):
        last = await run(env, config, ITEMS[:1])
    assert len(llm.requests) == 3  # MAX_ATTEMPTS, then the failure is kept
    assert (await outcomes(env, last))["2411.00001"].status == "failed"
    llm.fail_for = set()
    revised = [Item(ITEMS[0].id, ITEMS[0].title, ITEMS[0].abstract, version=2)]
    assert (await outcomes(env, await run(env, config, revised)))["2411.00001"].status == "done"


async def test_without_a_key_summaries_are_disabled_and_nothing_is_asked(
        env: Env, llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARXIV_BOT_TEST_KEY", raising=False)
    run_id = await run(env, cfg(llm, wanted=3), ITEMS)
    assert llm.requests == []
    assert statuses(await outcomes(env, run_id)) == ["disabled"] * 3
    assert [m.status for m in await emitted(env, "paper.summarized")] == ["disabled"] * 3


async def test_a_wrong_key_fails_each_paper_but_completes_the_run(
        env: Env, llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "not-the-key")
    run_id = await run(env, cfg(llm, wanted=2), ITEMS)
    assert statuses(await outcomes(env, run_id)) == ["failed", "failed"]
    assert all("HTTP 401" in (s.error or "") for s in (await summaries(env)).values())


async def test_a_refused_key_is_asked_once_a_run_warned_once_and_spends_no_papers_attempts(
        env: Env, llm: FakeLLM, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    # A user trying a wrong key more times than MAX_ATTEMPTS, then mending it, gets every summary: the refusal
    # was the setup's, not the papers'. Each run asks the model only until it refuses.
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "not-the-key")
    config = cfg(llm, workers=1, wanted=5)
    with caplog.at_level(logging.INFO):
        for _ in range(4):
            run_id = await run(env, config, ITEMS[:5])
            assert statuses(await outcomes(env, run_id)) == ["failed"] * 5
    assert llm.unauthorized == 4
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 4 and all("HTTP 401" in w and "ARXIV_BOT_TEST_KEY" in w for w in warnings)
    rows = await summaries(env)
    assert {r.attempts for r in rows.values()} == {0}
    assert sum("not asked: HTTP 401" in (r.error or "") for r in rows.values()) == 4
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "test-key")
    assert statuses(await outcomes(env, await run(env, config, ITEMS[:5]))) == ["done"] * 5


async def test_a_model_the_provider_does_not_know_is_a_refusal_too(env: Env, llm: FakeLLM) -> None:
    llm.models = {"qwen-long"}
    run_id = await run(env, cfg(llm, workers=1, wanted=3), ITEMS[:3])  # cfg asks for "test-model"
    assert statuses(await outcomes(env, run_id)) == ["failed"] * 3
    rows = await summaries(env)
    assert {r.attempts for r in rows.values()} == {0} and all("HTTP 404" in (r.error or "") for r in rows.values())


async def test_a_model_endpoint_that_cannot_be_reached_is_tried_once_a_run_and_spends_no_attempts(
        env: Env, llm: FakeLLM, caplog: pytest.LogCaptureFixture) -> None:
    config = cfg(llm, workers=1, wanted=4)
    config.ai_summary.base_url = "http://127.0.0.1:9/v1"  # nothing listens: every connection is refused
    with caplog.at_level(logging.INFO):
        run_id = await run(env, config, ITEMS[:4])
    assert statuses(await outcomes(env, run_id)) == ["failed"] * 4
    rows = await summaries(env)
    assert {r.attempts for r in rows.values()} == {0}
    assert sum((r.error or "").startswith("not asked: connection to the model failed") for r in rows.values()) == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "connection to the model failed" in warnings[0]


async def test_an_account_out_of_credit_is_asked_once_not_retried_and_spends_no_attempts(
        env: Env, llm: FakeLLM) -> None:
    llm.faults = [("quota", 0)] * 10  # OpenAI's 429 `insufficient_quota`: waiting does not mend it
    run_id = await run(env, cfg(llm, workers=1, wanted=3), ITEMS[:3])
    assert len(llm.requests) == 1  # neither retried nor asked for the other papers
    assert statuses(await outcomes(env, run_id)) == ["failed"] * 3
    rows = await summaries(env)
    assert {r.attempts for r in rows.values()} == {0} and all("quota" in (r.error or "") for r in rows.values())


async def test_a_papers_own_failure_still_counts_its_attempt(
        env: Env, llm: FakeLLM) -> None:
    llm.fail_for = {"Sparse abstract 1."}  # HTTP 500: the paper's, so it counts
    await run(env, cfg(llm, workers=1, wanted=2), ITEMS[:2])
    rows = await summaries(env)
    assert (rows["2411.00001"].status, rows["2411.00001"].attempts) == ("failed", 1)
    assert rows["2411.00002"].status == "done" and len(llm.requests) == 2


async def test_two_runs_wanting_the_same_summaries_at_once_pay_once(env: Env, llm: FakeLLM) -> None:
    llm.delay = 0.3  # both runs ask while the first answers are still coming
    config = cfg(llm, workers=3)
    first = await scored_run(env, config, {"cs.AI": feed("cs.AI", ITEMS)})
    second = await scored_run(env, config, {"cs.AI": feed("cs.AI", ITEMS)})
    await asyncio.gather(summarize_run(env, first.run_id), summarize_run(env, second.run_id))
    assert len(llm.requests) == 5
    assert statuses(await outcomes(env, first.run_id)) == ["done"] * 5
    assert statuses(await outcomes(env, second.run_id)) == ["done"] * 5
