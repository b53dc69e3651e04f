"""The transactional outbox: effects and the messages they cause commit together, then get relayed.

A crash between the commit and the publish leaves the rows unsent; the next relay (after the next message,
or the periodic sweep) sends them. Consumers are idempotent, so a row sent twice changes nothing twice.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import async_sessionmaker

from shared.models import utcnow
from shared.repository import Repository

Publish = Callable[[str, bytes, str], Awaitable[None]]


async def relay(sessions: async_sessionmaker, publish: Publish, batch: int = 500) -> int:
    """Send every unsent row; returns how many. A batch's publisher confirms are awaited together (one round
    trip per batch, not per message); no consumer depends on the order of messages, only on their effects."""
    sent = 0
    while True:
        async with sessions() as session, session.begin():
            repo = Repository(session)
            rows = await repo.claim_outbox(batch)
            await asyncio.gather(*(publish(row.routing_key, row.body.encode(), row.message_id) for row in rows))
            await repo.mark_sent([row.id for row in rows if row.id is not None], utcnow())
        sent += len(rows)
        if len(rows) < batch:
            return sent
