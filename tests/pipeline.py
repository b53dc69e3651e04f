"""Drive a run through the real handlers up to a given stage, for tests of the later stages."""
from __future__ import annotations

from sqlmodel import col, select

from shared.config import BotConfig
from shared.messages import Message, RunFetched, decode
from shared.models import OutboxMessage
from shared.runtime import Env
from services.fetcher.fetch import fetch_run
from services.scorer.worker import on_run_fetched
from tests.servers import FakeArxiv


async def emitted(env: Env, routing_key: str) -> list[Message]:
    async with env.sessions() as session:
        rows = await session.exec(select(OutboxMessage).where(col(OutboxMessage.routing_key) == routing_key)
                                  .order_by(col(OutboxMessage.id)))
        return [decode(r.routing_key, r.body) for r in rows]


async def scored_run(env: Env, cfg: BotConfig, feeds: dict[str, bytes]) -> Message:
    """Fetch from a local arXiv, score, and return the run.scored message the scorer emitted."""
    with FakeArxiv(feeds=feeds) as arxiv:
        env.settings.arxiv_rss_base_url = arxiv.base
        run = await fetch_run(env, cfg)
    await on_run_fetched(RunFetched(run_id=run.id, status=run.status, items=run.items, new=run.new,
                                    changed=run.changed), env)
    return (await emitted(env, "run.scored"))[-1]
