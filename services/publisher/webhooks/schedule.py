"""Deciding a digest's webhook deliveries, inside the transaction that publishes it.

Either both commit or neither does: a digest is never published without its deliveries, and a delivery
never exists for a digest that was not published. The delivery loop (delivery.py) sends them afterwards.
"""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from shared.repository import Repository
from shared.repository.webhooks import PENDING
from shared.runtime import Env

from services.publisher.digest import Digest
from services.publisher.webhooks.notice import notices
from services.publisher.webhooks.render import render


def message_id() -> str:
    """A `webhook-id`: the same on every retry of the delivery, so a receiver can deduplicate."""
    return "msg_" + uuid.uuid4().hex


async def schedule_deliveries(repo: Repository, env: Env, digest: Digest, key: str, announced: date | None) -> int:
    """One delivery per (subscription, digest) or (subscription, paper) of the digest's profile; the unique
    key turns a second call for the same digest into nothing. Returns how many were new candidates."""
    subscriptions = await repo.subscriptions_for(digest.profile)
    if not subscriptions:
        return 0
    now = env.clock()
    rendered: dict[tuple[str, str], list[tuple[str, str | None, str, list[dict[str, Any]]]]] = {}
    rows: list[dict[str, Any]] = []
    for subscription in subscriptions:
        shape = (subscription.format, subscription.per)
        if shape not in rendered:  # every subscription of one shape gets the same bytes
            rendered[shape] = [(dedupe, arxiv_id, notice.event, render(subscription.format, notice))
                               for dedupe, arxiv_id, notice in notices(digest, subscription.per, key, announced,
                                                                       env.settings.public_url, now)]
        for dedupe, arxiv_id, event, parts in rendered[shape]:
            rows.append(dict(id=message_id(), subscription_id=subscription.id, dedupe_key=dedupe, event=event,
                             run_id=digest.run_id, profile=digest.profile, arxiv_id=arxiv_id, parts=parts,
                             parts_sent=0, status=PENDING, attempts=0, next_attempt_at=now, lease=None,
                             last_status_code=None, last_error=None, created_at=now, delivered_at=None))
    await repo.add_deliveries(rows)
    return len(rows)
