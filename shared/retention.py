"""Keeping the store's bookkeeping tables bounded: sent outbox rows, superseded renderings, dead claims.

Every service prunes (at most once an hour); deleting what is already gone is harmless, so several
processes doing it at once need no coordination.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import and_, delete, exists, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import col

from shared.models import OutboxMessage, Publication, SummaryClaim
from shared.settings import Settings

log = logging.getLogger(__name__)


async def prune(sessions, settings: Settings, now: datetime) -> dict[str, int]:  # noqa: ANN001
    """Delete sent outbox rows and superseded publications older than their retention; returns counts.

    A publication is superseded when it can never be served again. A day page (`days/<date>.html`) is served for
    its day: superseded by a newer rendering of the same day only, so the newest of each day stays forever and
    earlier days can still be shown. Every other artifact (README, feeds, the front page) is served as the newest
    announcement's (repository `current_publication`): superseded by a newer rendering of the same day or by
    any rendering of a later one. Those were 1.2 MB of every day's 1.3 MB of renderings, kept for ever."""
    newer = aliased(Publication)
    # As current_publication orders: a later announcement first (one without a date last), then the newer row.
    never = date.min
    later = func.coalesce(newer.announced, never) > func.coalesce(Publication.announced, never)
    same_day_newer = and_(func.coalesce(newer.announced, never) == func.coalesce(Publication.announced, never),
                          newer.id > Publication.id)
    day_page = col(Publication.name).like("days/%")
    superseded = exists().where(and_(newer.profile == Publication.profile, newer.name == Publication.name,
                                     or_(same_day_newer, and_(~day_page, later))))
    async with sessions() as session, session.begin():
        outbox = await session.exec(delete(OutboxMessage).where(
            col(OutboxMessage.sent_at) < now - timedelta(days=settings.outbox_retention_days)))
        publications = await session.exec(delete(Publication).where(
            col(Publication.created_at) < now - timedelta(days=settings.publication_retention_days), superseded))
        claims = await session.exec(delete(SummaryClaim).where(col(SummaryClaim.expires_at) < now - timedelta(days=1)))
    counts = {"outbox": outbox.rowcount, "publications": publications.rowcount, "claims": claims.rowcount}
    if any(counts.values()):
        log.info("pruned %(outbox)d sent outbox rows, %(publications)d superseded publications, "
                 "%(claims)d dead claims", counts)
    return counts
