"""config.json's `webhooks` in the one-process mode (`arxiv-bot run --once`).

They become subscriptions in the run's own store (origin `config`), so the digest publishes their
deliveries in its transaction and the same loop sends them, signed the same way, recorded the same way:
a delivery that failed is retried by the next run, one that succeeded is never sent again. Secrets stay in
the environment variables `secret_env` names; the store keeps only the name.
"""
from __future__ import annotations

import hashlib
import logging
import os

from shared.config import WebhookConfig
from shared.models import WebhookSubscription
from shared.repository import Repository
from shared.runtime import Env
from shared.stages import ProfileOrigin

from services.publisher.webhooks.delivery import deliver_due
from services.publisher.webhooks.sender import redact
from services.publisher.webhooks.signing import SecretError, secret_key
from services.publisher.webhooks.targets import TargetError, check_target

log = logging.getLogger(__name__)


def config_id(hook: WebhookConfig) -> str:
    """The same webhook in config.json is the same subscription run after run (and keeps its deliveries)."""
    key = "\n".join([hook.url, hook.format, hook.profile, hook.per])
    return "cfg_" + hashlib.sha256(key.encode()).hexdigest()[:32]


async def problem(env: Env, hook: WebhookConfig) -> str | None:
    settings = env.settings
    try:
        await check_target(hook.url, settings.webhook_allowed_networks, settings.webhook_timeout_seconds)
    except TargetError as exc:
        return str(exc)
    if hook.secret_env is None:
        return None
    value = os.environ.get(hook.secret_env)
    if not value:
        return f"{hook.secret_env} is not set (remove secret_env to send unsigned)"
    if hook.format != "feishu":
        try:
            secret_key(value)
        except SecretError as exc:
            return f"{hook.secret_env}: {exc}"
    return None


async def sync_config_webhooks(env: Env, hooks: list[WebhookConfig]) -> int:
    """Make the store's config subscriptions exactly config.json's usable ones; returns how many there are.
    Each run starts them afresh (active, failures forgotten, earlier failures due again): config.json is their
    only owner, and one run is one attempt at whatever is owed."""
    wanted: dict[str, WebhookConfig] = {}
    for index, hook in enumerate(hooks):
        why = await problem(env, hook)
        if why is not None:
            log.error("config.json webhooks[%d] (%s): %s; it is skipped this run", index, redact(hook.url), why)
            continue
        wanted[config_id(hook)] = hook
    now = env.clock()
    async with env.sessions() as session, session.begin():
        repo = Repository(session)
        for subscription in await repo.subscriptions_page(None, 100_000, origin=ProfileOrigin.CONFIG):
            if subscription.id not in wanted:
                subscription.deleted, subscription.active, subscription.updated_at = True, False, now
                repo.add(subscription)
        for subscription_id, hook in wanted.items():
            subscription = await session.get(WebhookSubscription, subscription_id) or WebhookSubscription(
                id=subscription_id, url=hook.url, profile=hook.profile, format=hook.format, per=hook.per,
                origin=ProfileOrigin.CONFIG, created_at=now, updated_at=now)
            subscription.secret_env, subscription.deleted = hook.secret_env, False
            repo.add(subscription)
            await session.flush()
            await repo.resume(subscription, now)  # and whatever an earlier run could not deliver is due now
    return len(wanted)


async def deliver_configured(env: Env) -> None:
    """At the end of the run: send what is due (this run's digests, and earlier runs' failures)."""
    results = await deliver_due(env)
    if results:
        log.info("webhooks: %s", ", ".join(f"{count} {result}" for result, count in sorted(results.items())))
