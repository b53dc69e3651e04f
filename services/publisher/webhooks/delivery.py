"""The delivery loop: send what is due, log every request, retry with backoff, pause what keeps failing.

Any number of publishers may run it side by side: a delivery is claimed with SKIP LOCKED under a lease,
and only the lease holder records the outcome. Deliveries are sent at least once on the wire and recorded
as delivered at most once; a receiver that saw an answer lost to a crash gets the same `webhook-id` again.
"""
from __future__ import annotations

import asyncio
import logging
import os
import random
import time
import uuid
from datetime import timedelta

import httpx

from shared.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from shared.repository import Repository
from shared.repository.webhooks import DELIVERED, FAILED
from shared.runtime import Env
from shared.settings import Settings

from services.publisher.webhooks.sender import Outcome, Signing, prepare, redact, send
from services.publisher.webhooks.transport import pinned_client

log = logging.getLogger(__name__)
CHAT_PART_PAUSE = 0.5  # between the parts of a split digest: chat platforms limit requests per second


def lease_seconds(settings: Settings) -> float:
    """How long a claim holds: a few requests' worth. An attempt that would outlive it stops early and the
    rest of its parts go out in the next round, so a claim never expires under a live worker."""
    return settings.webhook_timeout_seconds * 3 + 30


def backoff(settings: Settings, attempt: int, retry_after: float | None = None) -> float | None:
    """Seconds to wait after failed attempt number `attempt` (1-based); None once the schedule is spent."""
    schedule = settings.webhook_retry_schedule
    if attempt > len(schedule):
        return None
    jitter = settings.webhook_retry_jitter
    wait = schedule[attempt - 1] * random.uniform(1 - jitter, 1 + jitter)
    return max(wait, retry_after or 0.0)


def signing(subscription: WebhookSubscription) -> Signing:
    """A config.json webhook's secret stays in the environment variable it names, read at each send: a
    Feishu bot's signing secret for `feishu`, a `whsec_` key for the others."""
    if subscription.secret_env is not None:
        value = os.environ.get(subscription.secret_env) or None
        return Signing(None, value) if subscription.format == "feishu" else Signing(value)
    return Signing(subscription.secret, subscription.feishu_secret)


async def _send_parts(env: Env, client: httpx.AsyncClient, delivery: WebhookDelivery,
                      subscription: WebhookSubscription, deadline: float) -> tuple[int, list[Outcome]]:
    """Send the parts not sent yet, in order, stopping at the first failure or near the lease's end."""
    settings, keys = env.settings, signing(subscription)
    sent, outcomes = delivery.parts_sent, []
    pause = CHAT_PART_PAUSE if subscription.format != "json" else 0.0
    for index in range(delivery.parts_sent, len(delivery.parts)):
        if outcomes:
            await asyncio.sleep(pause)
        if time.monotonic() + settings.webhook_timeout_seconds > deadline:
            break  # no time left in this lease: the next round goes on from here
        message_id = delivery.id if len(delivery.parts) == 1 else f"{delivery.id}_{index + 1}"
        body, headers = prepare(subscription.format, delivery.parts[index], message_id, env.clock(), keys)
        outcome = await send(client, subscription.url, subscription.format, body, headers,
                             settings.webhook_timeout_seconds)
        outcomes.append(outcome)
        if not outcome.ok:
            break
        sent += 1
    return sent, outcomes


async def attempt(env: Env, client: httpx.AsyncClient, delivery: WebhookDelivery,
                  subscription: WebhookSubscription, lease: str, deadline: float) -> str:
    """One attempt at a claimed delivery; returns its result: delivered, retry, failed or continue."""
    started = env.clock()
    sent, outcomes = await _send_parts(env, client, delivery, subscription, deadline)
    now, settings = env.clock(), env.settings
    entries = [WebhookAttempt(delivery_id=delivery.id, attempt=delivery.attempts, part=delivery.parts_sent + i,
                              started_at=started, ok=o.ok, status_code=o.status_code, latency_ms=o.latency_ms,
                              error=o.error) for i, o in enumerate(outcomes)]
    last = outcomes[-1] if outcomes else None
    values: dict[str, object] = {"parts_sent": sent}
    if last is not None:
        values.update(last_status_code=last.status_code, last_error=last.error)
    if sent == len(delivery.parts):
        result = "delivered"
        values.update(status=DELIVERED, delivered_at=now, next_attempt_at=None)
    elif last is None or last.ok:
        result = "continue"  # the lease ran short, nothing failed: not an attempt, due again at once
        values.update(next_attempt_at=now, attempts=delivery.attempts - 1)
    else:
        wait = backoff(settings, delivery.attempts, last.retry_after)
        result = "retry" if wait is not None else "failed"
        values.update(next_attempt_at=now + timedelta(seconds=wait) if wait is not None else None)
        if wait is None:
            values["status"] = FAILED
    async with env.sessions() as session, session.begin():
        repo = Repository(session)
        if not await repo.finish_attempt(delivery.id, lease, entries, **values):
            log.warning("delivery %s: its lease ran out before the outcome was recorded", delivery.id)
            return "expired"
        paused = False
        if last is not None and not last.ok:
            reason = f"{settings.webhook_pause_after_failures} failed attempts in a row; last: {last.error}" \
                if not last.gone else f"the receiver answered 410 Gone: {last.error}"
            paused = await repo.count_failure(subscription.id, settings.webhook_pause_after_failures, reason, now,
                                              pause_now=last.gone)
        elif outcomes:
            await repo.count_success(subscription.id)
    if last is not None and not last.ok:
        log.warning("webhook %s to %s: attempt %d failed (%s); %s", delivery.id, redact(subscription.url),
                    delivery.attempts, last.error,
                    "given up" if result == "failed" else f"next try at {values['next_attempt_at']:%H:%M:%S}")
    if paused:
        log.error("webhook subscription %s paused: %s (PATCH it with {\"active\": true} to resume)",
                  subscription.id, last.error if last else "")
    return result


async def _claim(env: Env, lease: str) -> list[tuple[WebhookDelivery, WebhookSubscription]]:
    settings, now = env.settings, env.clock()
    async with env.sessions() as session, session.begin():
        return await Repository(session).claim_deliveries(
            now, settings.webhook_concurrency, lease, now + timedelta(seconds=lease_seconds(settings)))


async def deliver_due(env: Env, budget_seconds: float | None = None) -> dict[str, int]:
    """Claim and send due deliveries, a few at a time, until none is due or the budget is spent; returns
    how many ended each way (delivered, retry, failed, continue, expired, error)."""
    settings = env.settings
    budget = budget_seconds if budget_seconds is not None else lease_seconds(settings)
    started, results = time.monotonic(), {}
    lease = uuid.uuid4().hex
    claimed = await _claim(env, lease)
    if not claimed:
        return results  # the common case, every sweep: one query, no client built
    async with pinned_client(settings.webhook_allowed_networks, settings.webhook_timeout_seconds) as client:
        while claimed:
            deadline = time.monotonic() + lease_seconds(settings) - 5
            outcomes = await asyncio.gather(*(attempt(env, client, d, s, lease, deadline) for d, s in claimed),
                                            return_exceptions=True)
            for (delivery, _), outcome in zip(claimed, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    # A bug, not a receiver's failure: logged once; the claim expires and the delivery is retried.
                    log.error("delivery %s: unexpected error", delivery.id, exc_info=outcome)
                    outcome = "error"
                results[outcome] = results.get(outcome, 0) + 1
            if len(claimed) < settings.webhook_concurrency or time.monotonic() - started >= budget:
                break
            lease = uuid.uuid4().hex
            claimed = await _claim(env, lease)
    return results
