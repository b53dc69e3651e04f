"""Webhook subscriptions, their deliveries (claimed with SKIP LOCKED by any publisher replica) and the log."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select

from shared.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from shared.repository.base import BATCH, MANY, Queries, chunks

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class WebhookQueries(Queries):
    async def get_subscription(self, subscription_id: str) -> WebhookSubscription | None:
        found = await self.session.get(WebhookSubscription, subscription_id)
        return None if found is None or found.deleted else found

    async def subscriptions_page(self, after: str | None, limit: int, origin: str | None = None
                                 ) -> list[WebhookSubscription]:
        query = select(WebhookSubscription).where(col(WebhookSubscription.deleted).is_(False))
        if origin is not None:
            query = query.where(col(WebhookSubscription.origin) == origin)
        if after is not None:
            query = query.where(col(WebhookSubscription.id) > after)
        return list(await self.session.exec(query.order_by(col(WebhookSubscription.id)).limit(limit)))

    async def count_subscriptions(self, profile: str) -> int:
        return (await self.session.exec(select(func.count()).select_from(WebhookSubscription).where(
            col(WebhookSubscription.profile) == profile, col(WebhookSubscription.deleted).is_(False)))).one()

    async def subscriptions_for(self, profile: str) -> list[WebhookSubscription]:
        """Every live subscription of a profile, paused ones included: a resumed one catches up."""
        return list(await self.session.exec(select(WebhookSubscription).where(
            col(WebhookSubscription.profile) == profile, col(WebhookSubscription.deleted).is_(False))
            .order_by(col(WebhookSubscription.id))))

    async def add_deliveries(self, rows: list[dict[str, Any]]) -> None:
        """Insert what is not there yet: a redelivered publish finds its deliveries and adds none."""
        stmt = self.upsert(WebhookDelivery.__table__).on_conflict_do_nothing(  # type: ignore[attr-defined]
            index_elements=["subscription_id", "dedupe_key"])
        for part in chunks(rows, MANY):  # one statement, many parameter sets: compiled once (feeds.py says why)
            await self.session.exec(stmt, params=part)  # type: ignore[call-overload]

    async def claim_deliveries(self, now: datetime, limit: int, lease: str, until: datetime
                               ) -> list[tuple[WebhookDelivery, WebhookSubscription]]:
        """Take up to `limit` due deliveries of active subscriptions for one attempt: each gets this lease and
        is not due again before `until` (if the worker dies mid-send, another one retries it then).
        SKIP LOCKED lets several publishers claim side by side without taking the same one."""
        rows = list(await self.session.exec(
            select(WebhookDelivery, WebhookSubscription)
            .join(WebhookSubscription, col(WebhookSubscription.id) == col(WebhookDelivery.subscription_id))
            .where(col(WebhookDelivery.status) == PENDING, col(WebhookDelivery.next_attempt_at) <= now,
                   col(WebhookSubscription.active).is_(True), col(WebhookSubscription.deleted).is_(False))
            .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id)).limit(limit)
            .with_for_update(skip_locked=True, of=WebhookDelivery)))
        for delivery, _ in rows:  # written back when the claiming transaction commits
            delivery.lease, delivery.next_attempt_at, delivery.attempts = lease, until, delivery.attempts + 1
            self.session.add(delivery)
        return rows

    async def finish_attempt(self, delivery_id: str, lease: str, log: Sequence[WebhookAttempt],
                             **values: object) -> bool:
        """Record an attempt, if this worker's lease is still the delivery's: one whose lease ran out and was
        taken over writes nothing, so a delivery is never marked twice."""
        result = await self.session.exec(update(WebhookDelivery).where(
            col(WebhookDelivery.id) == delivery_id, col(WebhookDelivery.lease) == lease,
            col(WebhookDelivery.status) == PENDING).values(lease=None, **values))
        if result.rowcount != 1:
            return False
        self.session.add_all(log)
        return True

    async def count_failure(self, subscription_id: str, pause_after: int, reason: str, now: datetime,
                            pause_now: bool = False) -> bool:
        """One more failed attempt in a row; pauses the subscription at `pause_after`. Returns whether it paused."""
        table = WebhookSubscription
        counted = (await self.session.exec(
            update(table).where(col(table.id) == subscription_id)
            .values(consecutive_failures=table.consecutive_failures + 1)
            .returning(col(table.consecutive_failures)))).first()
        if counted is None or (counted[0] < pause_after and not pause_now):
            return False
        paused = await self.session.exec(update(table).where(col(table.id) == subscription_id,
                                                             col(table.active).is_(True))
                                         .values(active=False, paused_reason=reason, updated_at=now))
        return paused.rowcount == 1

    async def count_success(self, subscription_id: str) -> None:
        await self.session.exec(update(WebhookSubscription).where(
            col(WebhookSubscription.id) == subscription_id, col(WebhookSubscription.consecutive_failures) != 0)
            .values(consecutive_failures=0))

    async def resume(self, subscription: WebhookSubscription, now: datetime) -> None:
        """Active again, failures forgotten, and whatever waited is due now."""
        subscription.active, subscription.consecutive_failures, subscription.paused_reason = True, 0, None
        subscription.updated_at = now
        self.session.add(subscription)
        await self.session.exec(update(WebhookDelivery).where(
            col(WebhookDelivery.subscription_id) == subscription.id, col(WebhookDelivery.status) == PENDING)
            .values(next_attempt_at=now))

    async def deliveries_page(self, subscription_id: str, before: tuple[datetime, str] | None, limit: int
                              ) -> list[WebhookDelivery]:
        query = select(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == subscription_id)
        if before is not None:
            created, delivery_id = before
            at = col(WebhookDelivery.created_at)
            query = query.where((at < created) | ((at == created) & (col(WebhookDelivery.id) < delivery_id)))
        return list(await self.session.exec(query.order_by(col(WebhookDelivery.created_at).desc(),
                                                           col(WebhookDelivery.id).desc()).limit(limit)))

    async def attempts_of(self, delivery_ids: Sequence[str]) -> dict[str, list[WebhookAttempt]]:
        found: dict[str, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
        for part in chunks(list(delivery_ids), BATCH):
            rows = await self.session.exec(select(WebhookAttempt).where(col(WebhookAttempt.delivery_id).in_(part))
                                           .order_by(col(WebhookAttempt.id)))
            for row in rows:
                found[row.delivery_id].append(row)
        return found
