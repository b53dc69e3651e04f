"""Keeping the store's bookkeeping tables bounded: sent outbox rows, superseded renderings, the bodies of
finished webhook deliveries, dead claims.

Every service prunes (at most once an hour); deleting what is already gone is harmless, so several
processes doing it at once need no coordination.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import and_, bindparam, delete, exists, func, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from shared.models import OutboxMessage, Publication, SummaryClaim, WebhookDelivery
from shared.repository.webhooks import DELIVERED, FAILED
from shared.settings import Settings

log = logging.getLogger(__name__)
BODIES_BATCH = 500  # deliveries whose bodies are read and emptied at a time
DELIVERIES = WebhookDelivery.__table__  # type: ignore[attr-defined]  # Core: an executemany UPDATE with a WHERE


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
    bodies = await _delivery_bodies(sessions, now - timedelta(days=settings.publication_retention_days), now)
    counts = {"outbox": outbox.rowcount, "publications": publications.rowcount, "claims": claims.rowcount,
              "bodies": bodies}
    if any(counts.values()):
        log.info("pruned %(outbox)d sent outbox rows, %(publications)d superseded publications, "
                 "%(bodies)d finished webhook deliveries' bodies, %(claims)d dead claims", counts)
    return counts


async def _delivery_bodies(sessions, before: datetime, now: datetime) -> int:  # noqa: ANN001
    """Empty the bodies of deliveries delivered or failed before `before`: nothing sends them again. The count
    of parts stays (one empty object each), and so do the delivery and its log of attempts."""
    emptied = 0
    while True:
        async with sessions() as session, session.begin():
            rows = list(await session.exec(
                select(WebhookDelivery.id, WebhookDelivery.parts).where(
                    col(WebhookDelivery.status).in_((DELIVERED, FAILED)), col(WebhookDelivery.created_at) < before,
                    col(WebhookDelivery.parts_pruned_at).is_(None)).limit(BODIES_BATCH)))
            if not rows:
                return emptied
            await session.exec(update(DELIVERIES).where(DELIVERIES.c.id == bindparam("row_id"))
                               .values(parts=bindparam("stubs"), parts_pruned_at=now),
                               params=[{"row_id": row_id, "stubs": [{}] * len(parts)} for row_id, parts in rows])
        emptied += len(rows)
