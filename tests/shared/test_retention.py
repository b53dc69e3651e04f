"""The outbox, the publications and webhook bodies stay bounded: sent, superseded and finished rows go (or
lose their bodies) after their retention."""
from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import col, select

from shared.models import (FetchRun, OutboxMessage, Publication, WebhookAttempt, WebhookDelivery,
                           WebhookSubscription, utcnow)
from shared.retention import BODIES_BATCH, prune
from shared.runtime import Env


async def test_old_sent_rows_and_superseded_renderings_go_and_the_rest_stays(store_env: Env) -> None:
    now = utcnow()
    old, recent = now - timedelta(days=40), now - timedelta(hours=1)
    async with store_env.sessions() as session, session.begin():
        session.add(FetchRun(id="r", started_at=old, status="ok", stage="scored"))
        session.add_all([
            OutboxMessage(message_id="sent-old", routing_key="k", body="{}", created_at=old, sent_at=old),
            OutboxMessage(message_id="sent-new", routing_key="k", body="{}", created_at=recent, sent_at=recent),
            OutboxMessage(message_id="unsent-old", routing_key="k", body="{}", created_at=old)])
        await session.flush()
        for name in ("README.md", "days/2024-11-27.html", "days/2024-11-28.html", "feeds/cs.AI.rss"):
            for day, created in ((date(2024, 11, 28), old), (date(2024, 11, 28), old), (date(2024, 11, 28), recent),
                                 (date(2024, 11, 27), old), (None, old)):
                if name.startswith("days/") and day != date.fromisoformat(name[5:15]):
                    continue  # a day page is rendered on its own day only
                session.add(Publication(profile="default", name=name, run_id="r", announced=day, digest_key="k",
                                        content_type="text/plain", content="x", created_at=created))
    counts = await prune(store_env.sessions, store_env.settings, now)
    async with store_env.sessions() as session:
        outbox = [m.message_id for m in await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))]
        publications = [(p.name, p.announced, p.created_at == old)
                        for p in await session.exec(select(Publication).order_by(col(Publication.id)))]
    assert counts == {"outbox": 1, "publications": 4 + 4 + 2, "claims": 0, "bodies": 0}  # README, feed, the 28th's page
    assert outbox == ["sent-new", "unsent-old"]  # never an unsent one, whatever its age
    # What is served stays: the newest day's newest rendering of every artifact (a recent one would stay anyway),
    # and each day page's newest, however old. A README or feed of an earlier day is never served again.
    assert publications == [("README.md", date(2024, 11, 28), False),
                            ("days/2024-11-27.html", date(2024, 11, 27), True),
                            ("days/2024-11-28.html", date(2024, 11, 28), False),
                            ("feeds/cs.AI.rss", date(2024, 11, 28), False)]


async def test_finished_deliveries_lose_their_bodies_after_the_retention_and_keep_their_count_and_log(
        store_env: Env) -> None:
    now = utcnow()
    old, recent = now - timedelta(days=40), now - timedelta(hours=1)
    body = {"text": "x" * 20_000}  # a digest for a chat platform: tens of kilobytes a part
    # More old finished deliveries than one batch, so the pruning goes round more than once.
    old_done = [f"done-{n}" for n in range(BODIES_BATCH + 3)]
    rows = [(i, "delivered", old, 3) for i in old_done] + [
        ("failed-old", "failed", old, 2), ("pending-old", "pending", old, 2), ("done-new", "delivered", recent, 1)]
    async with store_env.sessions() as session, session.begin():
        session.add(FetchRun(id="r", started_at=old, status="ok", stage="scored"))
        session.add(WebhookSubscription(id="wh", url="https://example.org/hook", profile="default", format="slack",
                                        per="digest", origin="api", created_at=old, updated_at=old))
        await session.flush()
        for delivery_id, status, created, parts in rows:
            session.add(WebhookDelivery(id=delivery_id, subscription_id="wh", dedupe_key=delivery_id,
                                        event="digest.published", run_id="r", profile="default",
                                        parts=[body] * parts, parts_sent=parts if status == "delivered" else 0,
                                        status=status, created_at=created))
        await session.flush()
        session.add(WebhookAttempt(delivery_id="failed-old", attempt=1, started_at=old, latency_ms=5,
                                   status_code=500, error="boom"))
    counts = await prune(store_env.sessions, store_env.settings, now)
    again = await prune(store_env.sessions, store_env.settings, now)
    async with store_env.sessions() as session:
        kept = {d.id: d for d in await session.exec(select(WebhookDelivery))}
        log = list(await session.exec(select(WebhookAttempt)))
    assert counts["bodies"] == len(old_done) + 1 and again["bodies"] == 0
    for delivery_id, status, created, parts in rows:
        delivery = kept[delivery_id]
        finished_long_ago = status != "pending" and created == old
        assert len(delivery.parts) == parts  # what the API reports as `parts`
        assert delivery.parts == ([{}] * parts if finished_long_ago else [body] * parts), delivery_id
        assert (delivery.parts_pruned_at is not None) == finished_long_ago
    assert [(a.delivery_id, a.status_code) for a in log] == [("failed-old", 500)]  # the log stays
