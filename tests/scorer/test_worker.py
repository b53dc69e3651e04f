"""The scorer's handler on a real store: scores stored with their reasons, once per run."""
from __future__ import annotations

import json

from sqlmodel import col, select

from shared.config import BotConfig
from shared.messages import RunFetched
from shared.models import FetchRun, OutboxMessage, RunProfile, Score
from shared.profiles import MAX_TERM_CHARS, MAX_TERM_CHARS_TOTAL, MAX_TERMS
from shared.repository import Repository
from shared.runtime import Env
from services.fetcher.fetch import fetch_now
from services.scorer.worker import on_run_fetched
from tests.feeds import Item, feed
from tests.pipeline import announced, fetched_run as fetched
from tests.servers import FakeArxiv
from tests.shared.test_config import long_terms


async def test_scores_rank_and_reasons_are_stored_and_the_selection_is_emitted(store_env: Env) -> None:
    cfg = BotConfig(categories=["cs.AI"], keywords=["Sparse", "Attention"], max_papers=2, days_back=3650,
                    min_score=0, scoring_mode="reference")
    cfg.ai_summary.max_papers_to_summarize = 1
    items = [Item("2411.00001", "Dense models", "Sparse attention."), Item("2411.00002", "Sparse Attention",
             "Sparse attention for all."), Item("2411.00003", "Nothing here"), Item("2411.00004", "A survey",
             "Sparse attention survey.")]
    run = await fetched(store_env, cfg, {"cs.AI": feed("cs.AI", items)})
    await on_run_fetched(announced(run), store_env)
    async with store_env.sessions() as session:
        scores = list(await session.exec(select(Score).order_by(col(Score.rank))))
        stored = await session.get(FetchRun, run.id)
        profile = await session.get(RunProfile, (run.id, "default"))
        scored = [json.loads(m.body) for m in await session.exec(
            select(OutboxMessage).where(OutboxMessage.routing_key == "run.scored"))]
        requested = [json.loads(m.body) for m in await session.exec(
            select(OutboxMessage).where(OutboxMessage.routing_key == "summary.requested"))]
    # The third paper has no keyword and the fourth is a survey (excluded by default).
    assert [(s.arxiv_id, s.score, s.rank, s.near_miss) for s in scores] == [
        ("2411.00002", 3.0, 1, False), ("2411.00001", 2.0, 2, False)]
    assert scores[0].hits == [{"term": "Sparse", "where": "title", "points": 1.5},
                              {"term": "Attention", "where": "title", "points": 1.5}]
    assert scores[0].shown_category == "cs.AI"
    assert stored.stage == "scored"
    assert (profile.stage, profile.selected, profile.to_summarize, profile.status) == (
        "scored", 2, ["2411.00002"], "ok")
    assert [(r["arxiv_id"], r["version"]) for r in requested] == [("2411.00002", 1)]
    assert len(scored) == 1
    assert scored[0]["selected"] == ["2411.00002", "2411.00001"] and scored[0]["to_summarize"] == ["2411.00002"]


async def test_a_redelivered_run_fetched_scores_nothing_twice(store_env: Env) -> None:
    cfg = BotConfig(categories=["cs.AI"], keywords=["Sparse"], days_back=3650, min_score=0)
    run = await fetched(store_env, cfg, {"cs.AI": feed("cs.AI", [Item("2411.00001", "Sparse")])})
    await on_run_fetched(announced(run), store_env)
    await on_run_fetched(announced(run), store_env)
    async with store_env.sessions() as session:
        assert len(list(await session.exec(select(Score)))) == 1
        assert len(list(await session.exec(select(OutboxMessage).where(
            OutboxMessage.routing_key == "run.scored")))) == 1


async def test_disabled_summaries_ask_for_none(store_env: Env) -> None:
    cfg = BotConfig(categories=["cs.AI"], keywords=["Sparse"], days_back=3650, min_score=0)
    cfg.ai_summary.enabled = False
    run = await fetched(store_env, cfg, {"cs.AI": feed("cs.AI", [Item("2411.00001", "Sparse")])})
    await on_run_fetched(announced(run), store_env)
    async with store_env.sessions() as session:
        body = json.loads((await session.exec(select(OutboxMessage.body).where(
            OutboxMessage.routing_key == "run.scored"))).one())
    assert body["selected"] == ["2411.00001"] and body["to_summarize"] == []


async def test_an_unknown_run_is_logged_and_skipped(store_env: Env, caplog) -> None:  # noqa: ANN001
    await on_run_fetched(RunFetched(run_id="f" * 32, status="ok", items=0, new=0, changed=0), store_env)
    assert "not in the store" in caplog.text


async def test_each_profile_gets_its_selection_and_a_paper_both_pick_is_summarized_once(store_env: Env) -> None:
    cfg = BotConfig.model_validate({
        "categories": ["cs.AI"], "keywords": ["Sparse"], "days_back": 3650, "min_score": 0,
        "profiles": {"kernels": {"categories": ["cs.DC", "cs.AI"], "keywords": ["Kernel", "Sparse"],
                                 "ai_summary": {"max_papers_to_summarize": 2}}}})
    feeds = {"cs.AI": feed("cs.AI", [Item("2411.00001", "Sparse kernels", categories=["cs.AI"])]),
             "cs.DC": feed("cs.DC", [Item("2411.00002", "GPU kernel tuning", categories=["cs.DC"])])}
    run = await fetched(store_env, cfg, feeds)
    await on_run_fetched(announced(run), store_env)
    async with store_env.sessions() as session:
        profiles = {p.profile: p for p in await session.exec(select(RunProfile))}
        scored = {json.loads(m.body)["profile"]: json.loads(m.body) for m in await session.exec(
            select(OutboxMessage).where(OutboxMessage.routing_key == "run.scored"))}
        requested = [json.loads(m.body)["arxiv_id"] for m in await session.exec(
            select(OutboxMessage).where(OutboxMessage.routing_key == "summary.requested"))]
    assert scored["default"]["selected"] == ["2411.00001"]
    assert scored["kernels"]["selected"] == ["2411.00001", "2411.00002"]  # 3.0 (two terms), then 1.5
    assert sorted(requested) == ["2411.00001", "2411.00002"]  # 2411.00001 once, though both picked it
    assert profiles["default"].candidates == 1 and profiles["kernels"].candidates == 2


async def test_a_stored_profile_that_cannot_be_scored_is_left_out_and_the_others_are_scored(
        store_env: Env, caplog) -> None:  # noqa: ANN001
    # config.json and the API refuse such a term now; a profile stored before they did must not sink the run.
    cfg = BotConfig.model_validate({"categories": ["cs.AI"], "keywords": ["Sparse"], "days_back": 3650,
                                    "min_score": 0, "profiles": {"broken": {"keywords": ["!!!"]}}})
    run = await fetched(store_env, cfg, {"cs.AI": feed("cs.AI", [Item("2411.00001", "Sparse kernels")])})
    await on_run_fetched(announced(run), store_env)
    async with store_env.sessions() as session:
        profiles = {p.profile: p for p in await session.exec(select(RunProfile))}
        stored = await session.get(FetchRun, run.id)
    assert set(profiles) == {"default"} and profiles["default"].selected == 1
    assert stored.stage == "scored"
    assert "profile 'broken' cannot be scored and is left out" in caplog.text and "'!!!'" in caplog.text


async def test_profiles_past_what_one_run_matches_are_left_out_and_the_others_are_scored(
        store_env: Env, caplog) -> None:  # noqa: ANN001
    # config.json's profiles and the API's are each checked, but not against each other: together they can pass
    # the budget. The run scores `default` and the profiles that fit, by name, and leaves out the rest.
    cfg = BotConfig.model_validate({"categories": ["cs.AI"], "keywords": ["Sparse"], "exclude_keywords": [],
                                    "days_back": 3650, "min_score": 0})
    run = await fetched(store_env, cfg, {"cs.AI": feed("cs.AI", [Item("2411.00001", "Sparse kernels")])})
    per_profile = (2 * MAX_TERMS - 1) * MAX_TERM_CHARS  # "Sparse" is `default`'s, counted once
    fits = (MAX_TERM_CHARS_TOTAL - len("Sparse")) // per_profile
    async with store_env.sessions() as session, session.begin():
        repo = Repository(session)
        settings = (await repo.get_profile("default")).settings
        for n in range(fits + 1):
            await repo.write_profile(f"big-{n:02d}", {**settings, "name": f"big-{n:02d}",
                                                      "keywords": ["Sparse", *long_terms(f"k{n}", MAX_TERMS - 1)],
                                                      "exclude_keywords": long_terms(f"e{n}")}, "api",
                                     store_env.clock())
    await on_run_fetched(announced(run), store_env)
    async with store_env.sessions() as session:
        profiles = {p.profile: p for p in await session.exec(select(RunProfile))}
    assert set(profiles) == {"default", *(f"big-{n:02d}" for n in range(fits))}
    assert all(p.selected == 1 for p in profiles.values())
    assert f"profile 'big-{fits:02d}' cannot be scored and is left out: all profiles' distinct keywords" in caplog.text


async def test_a_stale_day_is_scored_again_with_the_profiles_edited_since(store_env: Env) -> None:
    # arXiv has not announced since the first run; the researcher changed their keywords meanwhile.
    day = {"cs.AI": feed("cs.AI", [Item("2411.00001", "Sparse attention"), Item("2411.00002", "Graph networks")])}
    runs = []
    with FakeArxiv(feeds=day) as arxiv:
        store_env.settings.arxiv_rss_base_url = arxiv.base
        for keyword in ("Sparse", "Graph"):
            cfg = BotConfig(categories=["cs.AI"], keywords=[keyword], days_back=3650, min_score=0)
            run, _ = await fetch_now(store_env, cfg, "test")
            await on_run_fetched(announced(run), store_env)
            runs.append(run)
    async with store_env.sessions() as session:
        picked = [[s.arxiv_id for s in await session.exec(
            select(Score).where(Score.run_id == run.id, Score.near_miss == False))]  # noqa: E712
            for run in runs]
    assert [run.status for run in runs] == ["ok", "stale"]
    assert picked == [["2411.00001"], ["2411.00002"]]
