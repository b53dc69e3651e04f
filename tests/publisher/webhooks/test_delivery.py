"""The delivery loop against a real local receiver: signed, retried with backoff, logged, paused, never twice."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from shared.repository import Repository
from shared.runtime import Env
from services.publisher.webhooks.delivery import deliver_due
from tests.publisher.api.store import published_run
from tests.publisher.webhooks.subscriptions import attempts, deliveries, quick_retries, subscribe, subscription
from tests.servers import WebhookReceiver

SERVICE_UNAVAILABLE = (503, {}, b"busy")


async def deliver_until(env: Env, done, rounds: int = 60) -> None:  # noqa: ANN001
    for _ in range(rounds):
        await deliver_due(env)
        if await done():
            return
        await asyncio.sleep(0.06)
    raise AssertionError("deliveries did not settle")


async def settled(env: Env) -> bool:
    return all(d.status != "pending" for d in await deliveries(env))


async def test_a_digest_is_delivered_signed_and_logged(store_env: Env) -> None:
    quick_retries(store_env)
    with WebhookReceiver() as receiver:
        hook = await subscribe(store_env, receiver.url + "/hook")
        scored = await published_run(store_env)
        assert await deliver_due(store_env) == {"delivered": 1}
        assert await deliver_due(store_env) == {}  # nothing more is due
    (request,) = receiver.requests
    payload = Webhook(hook.secret).verify(request.body, request.headers)
    assert payload["type"] == "digest.published" and payload["data"]["run"]["id"] == scored.run_id
    assert [p["id"] for p in payload["data"]["papers"]] == scored.selected
    assert request.headers["content-type"] == "application/json" and request.path == "/hook"
    (delivery,) = await deliveries(store_env)
    assert delivery.status == "delivered" and delivery.delivered_at is not None and delivery.attempts == 1
    assert request.headers["webhook-id"] == delivery.id
    (logged,) = await attempts(store_env)
    assert logged.ok and logged.status_code == 200 and logged.latency_ms >= 0 and logged.error is None


async def test_a_receiver_down_for_a_while_gets_each_digest_exactly_once(store_env: Env) -> None:
    quick_retries(store_env, schedule="0.05,0.05,0.05,0.05")
    with WebhookReceiver() as receiver:
        receiver.answers = [SERVICE_UNAVAILABLE] * 3
        hook = await subscribe(store_env, receiver.url)
        await published_run(store_env)
        await deliver_until(store_env, lambda: settled(store_env))
        for _ in range(3):
            await deliver_due(store_env)
    assert [r.status for r in receiver.requests] == [503, 503, 503, 200]
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1  # the same id on every retry
    assert receiver.successes_per_id() == {receiver.requests[0].headers["webhook-id"]: 1}
    for request in receiver.requests:
        Webhook(hook.secret).verify(request.body, request.headers)  # each retry signed afresh
    log = await attempts(store_env)
    assert [(a.attempt, a.ok, a.status_code) for a in log] == [(1, False, 503), (2, False, 503), (3, False, 503),
                                                               (4, True, 200)]
    assert log[0].error == "HTTP 503: busy"
    assert (await subscription(store_env, hook.id)).consecutive_failures == 0


async def test_backoff_follows_the_schedule_with_jitter(store_env: Env) -> None:
    quick_retries(store_env, schedule="60,600")
    store_env.settings.webhook_retry_jitter = 0.2
    with WebhookReceiver() as receiver:
        receiver.default = SERVICE_UNAVAILABLE
        await subscribe(store_env, receiver.url)
        await published_run(store_env)
        before = store_env.clock()
        await deliver_due(store_env)
        (delivery,) = await deliveries(store_env)
        assert timedelta(seconds=48) <= delivery.next_attempt_at - before <= timedelta(seconds=73)
        assert await deliver_due(store_env) == {}  # not due yet
        later = store_env.clock() + timedelta(seconds=75)
        store_env.clock = lambda: later
        await deliver_due(store_env)
        (delivery,) = await deliveries(store_env)
        assert timedelta(seconds=480) <= delivery.next_attempt_at - later <= timedelta(seconds=721)
        assert len(receiver.requests) == 2


async def test_after_the_last_retry_a_delivery_is_given_up(store_env: Env) -> None:
    quick_retries(store_env, schedule="0,0")
    with WebhookReceiver() as receiver:
        receiver.default = (500, {}, b"boom")
        await subscribe(store_env, receiver.url)
        await published_run(store_env)
        await deliver_until(store_env, lambda: settled(store_env))
        await deliver_due(store_env)
    (delivery,) = await deliveries(store_env)
    assert delivery.status == "failed" and delivery.attempts == 3 and delivery.last_status_code == 500
    assert len(receiver.requests) == 3


async def test_repeated_failures_pause_the_subscription_until_resumed(store_env: Env) -> None:
    quick_retries(store_env, schedule="0,0,0,0,0", pause_after=2)
    with WebhookReceiver() as receiver:
        receiver.default = SERVICE_UNAVAILABLE
        hook = await subscribe(store_env, receiver.url)
        await published_run(store_env)
        for _ in range(5):
            await deliver_due(store_env)
        paused = await subscription(store_env, hook.id)
        assert not paused.active and "2 failed attempts in a row" in (paused.paused_reason or "")
        assert len(receiver.requests) == 2  # nothing sent while paused
        receiver.default = (200, {}, b"ok")
        async with store_env.sessions() as session, session.begin():
            await Repository(session).resume(paused, store_env.clock())
        await deliver_due(store_env)
    assert [r.status for r in receiver.requests] == [503, 503, 200]
    assert (await subscription(store_env, hook.id)).active


async def test_410_gone_pauses_at_once_and_retry_after_is_honoured(store_env: Env) -> None:
    quick_retries(store_env, schedule="1")
    with WebhookReceiver() as gone, WebhookReceiver() as limited:
        gone.default = (410, {}, b"no such hook")
        limited.default = (429, {"Retry-After": "120"}, b"slow down")
        first = await subscribe(store_env, gone.url)
        await subscribe(store_env, limited.url)
        await published_run(store_env)
        now = store_env.clock()
        await deliver_due(store_env)
    assert "410" in ((await subscription(store_env, first.id)).paused_reason or "")
    waiting = [d for d in await deliveries(store_env) if d.subscription_id != first.id]
    assert waiting[0].next_attempt_at - now >= timedelta(seconds=119)


async def test_a_slow_receiver_is_a_timeout(store_env: Env) -> None:
    quick_retries(store_env)
    store_env.settings.webhook_timeout_seconds = 0.3
    with WebhookReceiver() as receiver:
        receiver.delay = 1.0
        await subscribe(store_env, receiver.url)
        await published_run(store_env)
        await deliver_due(store_env)
    (logged,) = await attempts(store_env)
    assert not logged.ok and logged.error == "no answer within 0.3 s"


async def test_a_private_target_is_refused_at_delivery_time(store_env: Env) -> None:
    quick_retries(store_env)
    store_env.settings.webhook_allowed_networks = []
    with WebhookReceiver() as receiver:
        await subscribe(store_env, f"http://localhost:{receiver.httpd.server_address[1]}/")  # stored directly
        await published_run(store_env)
        await deliver_due(store_env)
    assert receiver.requests == []
    (logged,) = await attempts(store_env)
    assert "refused: localhost resolves to 127.0.0.1 (a loopback address)" in (logged.error or "")


async def test_a_split_digest_resumes_at_the_part_that_failed(store_env: Env) -> None:
    quick_retries(store_env)
    with WebhookReceiver() as receiver:
        receiver.answers = [(200, {}, b"ok"), SERVICE_UNAVAILABLE]
        await subscribe(store_env, receiver.url, format_="discord")
        await published_run(store_env, items=many_papers(30))
        (delivery,) = await deliveries(store_env)
        assert len(delivery.parts) >= 3
        await deliver_until(store_env, lambda: settled(store_env))
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert ids == [f"{delivery.id}_1", f"{delivery.id}_2", f"{delivery.id}_2"] + \
        [f"{delivery.id}_{i}" for i in range(3, len(delivery.parts) + 1)]
    assert [r.json() for r in receiver.delivered()] == delivery.parts  # each part accepted once, in order


async def test_feishu_refusing_with_200_is_a_failure(store_env: Env) -> None:
    quick_retries(store_env, schedule="100")
    with WebhookReceiver() as receiver:
        receiver.default = (200, {}, b'{"code":19021,"msg":"sign match fail or timestamp is not within one hour"}')
        await subscribe(store_env, receiver.url, format_="feishu", feishu_secret="bot-secret")
        await published_run(store_env)
        await deliver_due(store_env)
    (delivery,) = await deliveries(store_env)
    assert delivery.status == "pending" and "code 19021: sign match fail" in (delivery.last_error or "")
    assert "sign" in receiver.requests[0].json()


async def test_two_publishers_never_send_the_same_delivery(pg_env: Env) -> None:
    quick_retries(pg_env)
    with WebhookReceiver() as receiver:
        receiver.delay = 0.3
        for _ in range(3):
            await subscribe(pg_env, receiver.url)
        await published_run(pg_env)
        await asyncio.gather(*(deliver_due(pg_env) for _ in range(4)))
    assert sorted(receiver.successes_per_id().values()) == [1, 1, 1]
    assert all(d.status == "delivered" and d.attempts == 1 for d in await deliveries(pg_env))


async def test_a_claim_whose_worker_died_is_retried_with_the_same_id(store_env: Env) -> None:
    quick_retries(store_env)
    with WebhookReceiver() as receiver:
        await subscribe(store_env, receiver.url)
        await published_run(store_env)
        now = store_env.clock()
        async with store_env.sessions() as session, session.begin():
            ((claimed, _),) = await Repository(session).claim_deliveries(now, 10, "dead-worker", now)
        # The dead worker's lease has run out (it was set to end at once): another publisher takes over.
        await deliver_due(store_env)
        async with store_env.sessions() as session, session.begin():
            late = await Repository(session).finish_attempt(claimed.id, "dead-worker", [], status="delivered")
    assert late is False  # the dead worker's outcome, arriving late, changes nothing
    (request,) = receiver.requests
    assert request.headers["webhook-id"] == claimed.id
    (delivery,) = await deliveries(store_env)
    assert delivery.attempts == 2 and delivery.status == "delivered"


def many_papers(count: int):  # noqa: ANN201
    from tests.feeds import Item

    return [Item(f"2411.{10000 + n}", f"Sparse LLM paper {n} " + "with a long title " * 10,
                 "Fast sparse attention. " * 80, categories=["cs.AI"]) for n in range(count)]


@pytest.mark.parametrize("format_", ["json", "slack", "discord", "feishu"])
async def test_every_format_is_accepted_by_a_receiver(store_env: Env, format_: str) -> None:
    quick_retries(store_env)
    with WebhookReceiver() as receiver:
        await subscribe(store_env, receiver.url, format_=format_)
        await published_run(store_env)
        await deliver_due(store_env)
    assert receiver.requests and all(r.status == 200 for r in receiver.requests)
