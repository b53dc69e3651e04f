"""The outbox, and named locks."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select

from shared.messages import Message
from shared.models import Lock, OutboxMessage, utcnow
from shared.repository.base import Queries


class OutboxQueries(Queries):
    def emit(self, message: Message) -> None:
        self.session.add(OutboxMessage(message_id=message.message_id, routing_key=message.routing_key,
                                       body=message.model_dump_json(), created_at=utcnow()))

    async def claim_outbox(self, limit: int = 100) -> list[OutboxMessage]:
        # SKIP LOCKED lets four services relay the same table without sending a row twice (PostgreSQL;
        # SQLite has one writer and ignores it).
        rows = await self.session.exec(
            select(OutboxMessage).where(col(OutboxMessage.sent_at).is_(None)).order_by(col(OutboxMessage.id))
            .limit(limit).with_for_update(skip_locked=True))
        return list(rows)

    async def mark_sent(self, ids: Sequence[int], when: datetime) -> None:
        if ids:
            await self.session.exec(update(OutboxMessage).where(col(OutboxMessage.id).in_(ids)).values(sent_at=when))

    async def lock(self, name: str) -> None:
        """Hold the named lock until this transaction ends. It must be the transaction's first write: on SQLite
        that makes it the writer (waiting for the busy timeout), on PostgreSQL it takes the row lock (an upsert, so a
        store emptied by hand still has its locks)."""
        now = utcnow()
        await self.session.exec(self.upsert(Lock.__table__).values(name=name, touched_at=now)  # type: ignore[attr-defined]
                                .on_conflict_do_update(index_elements=["name"], set_={"touched_at": now}))
