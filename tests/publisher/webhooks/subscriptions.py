"""Subscriptions and deliveries straight in the store, and the settings that make retries quick to watch."""
from __future__ import annotations

import uuid

from sqlmodel import col, select

from shared.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from shared.runtime import Env
from services.publisher.webhooks.signing import new_secret


async def subscribe(env: Env, url: str, format_: str = "json", per: str = "digest", profile: str = "default",
                    **fields: object) -> WebhookSubscription:
    now = env.clock()
    subscription = WebhookSubscription(id="wh_" + uuid.uuid4().hex, url=url, profile=profile, format=format_,
                                       per=per, origin="api", secret=new_secret(), created_at=now, updated_at=now,
                                       **fields)
    async with env.sessions() as session, session.begin():
        session.add(subscription)
    return subscription


async def deliveries(env: Env) -> list[WebhookDelivery]:
    async with env.sessions() as session:
        return list(await session.exec(select(WebhookDelivery).order_by(col(WebhookDelivery.created_at),
                                                                        col(WebhookDelivery.dedupe_key))))


async def attempts(env: Env) -> list[WebhookAttempt]:
    async with env.sessions() as session:
        return list(await session.exec(select(WebhookAttempt).order_by(col(WebhookAttempt.id))))


async def subscription(env: Env, subscription_id: str) -> WebhookSubscription:
    async with env.sessions() as session:
        found = await session.get(WebhookSubscription, subscription_id)
    assert found is not None
    return found


def quick_retries(env: Env, schedule: str = "0.05,0.05,0.05", pause_after: int = 100) -> None:
    """Retries in fractions of a second, no jitter, local receivers allowed."""
    settings = env.settings
    settings.webhook_retry_schedule = [float(s) for s in schedule.split(",") if s]
    settings.webhook_retry_jitter = 0.0
    settings.webhook_pause_after_failures = pause_after
    settings.webhook_allowed_networks = settings.model_validate({"webhook_allowed_networks": "127.0.0.0/8"}) \
        .webhook_allowed_networks
    settings.webhook_timeout_seconds = 5.0
