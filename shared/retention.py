"""Keeping the store's bookkeeping tables bounded: sent outbox rows, superseded renderings, dead claims.

Every service prunes (at most once an hour); deleting what is already gone is harmless, so several
processes doing it at once need no coordination.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists
from sqlalchemy.orm import aliased
from sqlmodel import col

from shared.models import OutboxMessage, Publication, SummaryClaim
from shared.settings import Settings

log = logging.getLogger(__name__)


async def prune(sessions, settings: Settings, now: datetime) -> dict[str, int]:  # noqa: ANN001
    """Delete sent outbox rows and superseded publications older than their retention; returns counts.

    A publication is superseded when a newer rendering of the same artifact for the same profile and
    announcement exists: the newest of each day stays forever, so earlier days can still be shown."""
    newer = aliased(Publication)
    superseded = exists().where(and_(newer.profile == Publication.profile, newer.name == Publication.name,
                                     newer.announced == Publication.announced, newer.id > Publication.id))
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
