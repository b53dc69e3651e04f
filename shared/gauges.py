"""Gauges read from the store at each sweep: what an operator watches that no single message tells.

Small reads against the tables as they are; every service refreshes them, so they are exported as long as
any service runs (queries aggregate with max(), since each service reports the same value).
"""
from __future__ import annotations

import math
from datetime import datetime, timezone

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.metrics import Metrics
from shared.models import FetchRun, Publication, RunProfile, RunSummary
from shared.stages import ProfileStage
from shared.topology import Topology

# A fetch that got papers; `empty` (a weekend, a holiday) and `error` runs are not a successful fetch.
SUCCESSFUL_FETCH = ("ok", "partial")


def _utc(moment: datetime) -> datetime:
    # Aggregates (max()) bypass the column type, so SQLite hands back a naive datetime; the store writes UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


async def last_successful_fetch(session: AsyncSession) -> datetime | None:
    finished = func.coalesce(col(FetchRun.finished_at), col(FetchRun.started_at))
    moment = (await session.exec(select(func.max(finished)).where(col(FetchRun.status).in_(SUCCESSFUL_FETCH)))).one()
    return _utc(moment) if moment else None


async def newest_publication(session: AsyncSession) -> datetime | None:
    moment = (await session.exec(select(func.max(col(Publication.created_at))))).one()
    return _utc(moment) if moment else None


async def summaries_pending(session: AsyncSession) -> int:
    """Papers that (run, profile)s still waiting to publish want summarized and that have no outcome yet."""
    waiting = list(await session.exec(select(RunProfile.run_id, RunProfile.to_summarize).where(
        col(RunProfile.stage) == ProfileStage.SCORED)))
    if not waiting:
        return 0
    wanted: dict[str, set[str]] = {}
    for run_id, ids in waiting:
        wanted.setdefault(run_id, set()).update(ids)
    done = set(await session.exec(select(RunSummary.run_id, RunSummary.arxiv_id).where(
        col(RunSummary.run_id).in_(list(wanted)))))
    return sum(1 for run_id, ids in wanted.items() for arxiv_id in ids if (run_id, arxiv_id) not in done)


async def refresh_store_gauges(sessions, metrics: Metrics, now: datetime) -> None:
    async with sessions() as session:
        fetched = await last_successful_fetch(session)
        published = await newest_publication(session)
        pending = await summaries_pending(session)
    metrics.last_successful_fetch.set(fetched.timestamp() if fetched else 0)
    metrics.publication_age.set((now - published).total_seconds() if published else math.nan)
    metrics.summaries_pending.set(pending)


async def refresh_queue_gauges(connection, topology: Topology, service: str, metrics: Metrics) -> None:
    """Ready messages in the service's queue (its backlog) and in its parking queue (for a human)."""
    # A channel of its own: the consumer's channel caches passive declarations, and a failed one closes it.
    channel = await connection.channel()
    try:
        for name in (topology.queue(service), topology.parking_queue(service)):
            queue = await channel.declare_queue(name, passive=True, robust=False)
            metrics.queue_messages.labels(name).set(queue.declaration_result.message_count or 0)
    finally:
        await channel.close()
