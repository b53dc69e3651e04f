"""Drive a run through the real handlers up to a given stage, for tests of the later stages."""
from __future__ import annotations

import asyncio

from sqlmodel import col, select

from shared.config import BotConfig
from shared.messages import Message, RunFetched, RunScored, SummaryRequested, decode
from shared.models import FetchRun, OutboxMessage
from shared.runtime import Env
from services.fetcher.fetch import fetch_now
from services.scorer.worker import on_run_fetched
from services.summarizer.worker import on_summary_requested
from tests.servers import FakeArxiv


async def emitted(env: Env, routing_key: str, run_id: str | None = None) -> list[Message]:
    async with env.sessions() as session:
        rows = await session.exec(select(OutboxMessage).where(col(OutboxMessage.routing_key) == routing_key)
                                  .order_by(col(OutboxMessage.id)))
        messages = [decode(r.routing_key, r.body) for r in rows]
    return [m for m in messages if run_id is None or getattr(m, "run_id", None) == run_id]


async def fetched_run(env: Env, cfg: BotConfig, feeds: dict[str, bytes]) -> FetchRun:
    with FakeArxiv(feeds=feeds) as arxiv:
        env.settings.arxiv_rss_base_url = arxiv.base
        run, started = await fetch_now(env, cfg, "test")
    assert started
    return run


def announced(run: FetchRun) -> RunFetched:
    return RunFetched(run_id=run.id, status=run.status, items=run.items, new=run.new, changed=run.changed)


async def scored_run(env: Env, cfg: BotConfig, feeds: dict[str, bytes], profile: str = "default") -> RunScored:
    """Fetch from a local arXiv, score, and return the run.scored message the scorer emitted for `profile`."""
    run = await fetched_run(env, cfg, feeds)
    await on_run_fetched(announced(run), env)
    (scored,) = [m for m in await emitted(env, "run.scored", run.id) if m.profile == profile]
    assert isinstance(scored, RunScored)
    return scored


async def summarize_run(env: Env, run_id: str) -> None:
    """Handle every summary.requested of the run at once, as a service with a prefetch would."""
    requests = [m for m in await emitted(env, "summary.requested", run_id) if isinstance(m, SummaryRequested)]
    await asyncio.gather(*(on_summary_requested(m, env) for m in requests))
