"""The scorer's handler on a real store: scores stored with their reasons, once per run."""
from __future__ import annotations

import json

from sqlmodel import col, select

from shared.config import BotConfig
from shared.messages import RunFetched
from shared.models import FetchRun, OutboxMessage, Score
from shared.runtime import Env
from services.fetcher.fetch import fetch_run
from services.scorer.worker import on_run_fetched
from tests.feeds import Item, feed
from tests.servers import FakeArxiv


async def fetched(env: Env, cfg: BotConfig, feeds: dict[str, bytes]) -> FetchRun:
    with FakeArxiv(feeds=feeds) as arxiv:
        env.settings.arxiv_rss_base_url = arxiv.base
        return await fetch_run(env, cfg)


def announced(run: FetchRun) -> RunFetched:
    return RunFetched(run_id=run.id, status=run.status, items=run.items, new=run.new, changed=run.changed)


async def test_scores_rank_and_reasons_are_stored_and_the_selection_is_emitted(store_env: Env) -> None:
    cfg = BotConfig(categories=["cs.AI"], keywords=["Sparse", "Attention"], max_papers=2, days_back=100000)
    cfg.ai_summary.max_papers_to_summarize = 1
    items = [Item("2411.00001", "Dense models", "Sparse attention."), Item("2411.00002", "Sparse Attention",
             "Sparse attention for all."), Item("2411.00003", "Nothing here"), Item("2411.00004", "A survey",
             "Sparse attention survey.")]
    run = await fetched(store_env, cfg, {"cs.AI": feed("cs.AI", items)})
    await on_run_fetched(announced(run), store_env)
    async with store_env.sessions() as session:
        scores = list(await session.exec(select(Score).order_by(col(Score.rank))))
        stored = await session.get(FetchRun, run.id)
        scored = [json.loads(m.body) for m in await session.exec(
            select(OutboxMessage).where(OutboxMessage.routing_key == "run.scored"))]
    assert [(s.arxiv_id, s.score, s.rank) for s in scores] == [("2411.00002", 3.0, 1), ("2411.00001", 2.0, 2)]
    assert scores[0].keywords == ["Sparse", "Attention"] and scores[0].title_keywords == ["Sparse", "Attention"]
    assert scores[0].shown_category == "cs.AI"
    assert (stored.stage, stored.selected) == ("scored", 2)
    assert len(scored) == 1
    assert scored[0]["selected"] == ["2411.00002", "2411.00001"] and scored[0]["to_summarize"] == ["2411.00002"]


async def test_a_redelivered_run_fetched_scores_nothing_twice(store_env: Env) -> None:
    cfg = BotConfig(categories=["cs.AI"], keywords=["Sparse"], days_back=100000)
    run = await fetched(store_env, cfg, {"cs.AI": feed("cs.AI", [Item("2411.00001", "Sparse")])})
    await on_run_fetched(announced(run), store_env)
    await on_run_fetched(announced(run), store_env)
    async with store_env.sessions() as session:
        assert len(list(await session.exec(select(Score)))) == 1
        assert len(list(await session.exec(select(OutboxMessage).where(
            OutboxMessage.routing_key == "run.scored")))) == 1


async def test_disabled_summaries_ask_for_none(store_env: Env) -> None:
    cfg = BotConfig(categories=["cs.AI"], keywords=["Sparse"], days_back=100000)
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
