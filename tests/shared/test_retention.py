"""The outbox and the publications stay bounded: sent and superseded rows go after their retention."""
from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import col, select

from shared.models import FetchRun, OutboxMessage, Publication, utcnow
from shared.retention import prune
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
    assert counts == {"outbox": 1, "publications": 4 + 4 + 2, "claims": 0}  # README, feed, the 28th's page
    assert outbox == ["sent-new", "unsent-old"]  # never an unsent one, whatever its age
    # What is served stays: the newest day's newest rendering of every artifact (a recent one would stay anyway),
    # and each day page's newest, however old. A README or feed of an earlier day is never served again.
    assert publications == [("README.md", date(2024, 11, 28), False),
                            ("days/2024-11-27.html", date(2024, 11, 27), True),
                            ("days/2024-11-28.html", date(2024, 11, 28), False),
                            ("feeds/cs.AI.rss", date(2024, 11, 28), False)]
