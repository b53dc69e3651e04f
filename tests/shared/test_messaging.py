"""The real RabbitMQ: confirms, durable queues, acks after commit, retry then parking, outbox relay."""
from __future__ import annotations

import asyncio
import json

import aio_pika
import pytest
from sqlmodel import select

from shared.messages import Message, RunFetched, RunScored
from arxiv_bot.embedded import HANDLERS
from shared.messaging import Broker
from shared.models import OutboxMessage
from shared.repository import Repository
from shared.runtime import Env, ServiceRuntime
from shared.topology import Topology
from tests.conftest import settings_for


async def queue_depth(url: str, name: str) -> int:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, durable=True, passive=True)
        return queue.declaration_result.message_count


async def wait_for(predicate, timeout: float = 10.0) -> None:  # noqa: ANN001
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def scored(run_id: str = "r" * 32) -> RunScored:
    return RunScored(run_id=run_id, profile="default", selected=[], to_summarize=[])


async def test_a_published_message_waits_durably_in_each_bound_queue(amqp_url: str, amqp_prefix: str) -> None:
    broker = Broker(amqp_url, Topology(amqp_prefix))
    await broker.connect()
    try:
        for service in ("summarizer", "publisher", "scorer"):
            await broker.declare(service, HANDLERS[service])
        message = scored()
        await broker.publish(message.routing_key, message.encode(), message.message_id)
    finally:
        await broker.close()
    topology = Topology(amqp_prefix)
    # run.scored is bound to the publisher only: the summarizer takes per-paper summary requests.
    assert await queue_depth(amqp_url, topology.queue("summarizer")) == 0
    assert await queue_depth(amqp_url, topology.queue("publisher")) == 1
    assert await queue_depth(amqp_url, topology.queue("scorer")) == 0


@pytest.fixture
async def runtime(pg_env: Env, amqp_url: str, amqp_prefix: str):  # noqa: ANN201
    calls: list[Message] = []
    failures = {"left": 0}

    async def handler(message: Message, env: Env) -> None:
        calls.append(message)
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("injected failure")
        async with env.sessions() as session, session.begin():
            Repository(session).emit(scored(message.run_id))  # type: ignore[attr-defined]

    settings = settings_for(pg_env.settings.database_url, amqp_url=amqp_url, amqp_prefix=amqp_prefix)
    rt = ServiceRuntime("scorer", settings, {RunFetched.routing_key: handler})
    rt.calls, rt.failures = calls, failures  # type: ignore[attr-defined]
    await rt.start()
    publisher = Broker(amqp_url, Topology(amqp_prefix))
    await publisher.connect()
    await publisher.declare("publisher", HANDLERS["publisher"])  # so relayed run.scored messages have somewhere to wait
    rt.sender = publisher  # type: ignore[attr-defined]
    try:
        yield rt
    finally:
        await publisher.close()
        await rt.stop()


async def send(rt: ServiceRuntime, body: bytes, routing_key: str = RunFetched.routing_key) -> None:
    await rt.sender.publish(routing_key, body, "m1")  # type: ignore[attr-defined]


def fetched(run_id: str = "r" * 32) -> RunFetched:
    return RunFetched(run_id=run_id, status="ok", items=1, new=1, changed=0)


async def test_a_handled_message_is_acked_and_its_outbox_relayed(runtime: ServiceRuntime, amqp_url: str) -> None:
    await send(runtime, fetched().encode())
    topology = runtime.broker.topology
    await wait_for(lambda: _depth_is(amqp_url, topology.queue("publisher"), 1))
    assert len(runtime.calls) == 1  # type: ignore[attr-defined]
    assert await queue_depth(amqp_url, topology.queue("scorer")) == 0
    async with runtime.env.sessions() as session:
        rows = list(await session.exec(select(OutboxMessage)))
    assert len(rows) == 1 and rows[0].sent_at is not None
    assert runtime.metrics.messages.labels("run.fetched", "ok")._value.get() == 1


async def _depth_is(url: str, queue: str, expected: int) -> bool:
    return await queue_depth(url, queue) == expected


async def test_a_failing_handler_is_retried_once_then_parked(runtime: ServiceRuntime, amqp_url: str) -> None:
    runtime.failures["left"] = 2  # type: ignore[attr-defined]
    await send(runtime, fetched().encode())
    parked = runtime.broker.topology.parking_queue("scorer")
    await wait_for(lambda: _depth_is(amqp_url, parked, 1))
    assert len(runtime.calls) == 2  # type: ignore[attr-defined]
    assert await queue_depth(amqp_url, runtime.broker.topology.queue("scorer")) == 0


async def test_a_transient_failure_is_retried_and_then_succeeds(runtime: ServiceRuntime, amqp_url: str) -> None:
    runtime.failures["left"] = 1  # type: ignore[attr-defined]
    await send(runtime, fetched().encode())
    await wait_for(lambda: _depth_is(amqp_url, runtime.broker.topology.queue("publisher"), 1))
    assert len(runtime.calls) == 2  # type: ignore[attr-defined]
    assert await queue_depth(amqp_url, runtime.broker.topology.parking_queue("scorer")) == 0


@pytest.mark.parametrize("body", [b"not json", b'{"schema_version": 2, "run_id": "x"}', b'{"run_id": 5}',
                                  b"\xff\xfe bad utf-8"])
async def test_an_undecodable_message_is_parked_without_calling_the_handler(
        runtime: ServiceRuntime, amqp_url: str, body: bytes) -> None:
    await send(runtime, body)
    await wait_for(lambda: _depth_is(amqp_url, runtime.broker.topology.parking_queue("scorer"), 1))
    assert runtime.calls == []  # type: ignore[attr-defined]


async def test_unsent_outbox_rows_are_relayed_once_even_by_two_relays(pg_env: Env, amqp_url: str,
                                                                      amqp_prefix: str) -> None:
    async with pg_env.sessions() as session, session.begin():
        repo = Repository(session)
        for n in range(250):
            repo.emit(scored(f"{n:032d}"))
    settings = settings_for(pg_env.settings.database_url, amqp_url=amqp_url, amqp_prefix=amqp_prefix)
    first, second = ServiceRuntime("scorer", settings, {}, consume=False), ServiceRuntime("scorer", settings, {},
                                                                                           consume=False)
    broker = Broker(amqp_url, Topology(amqp_prefix))
    await broker.connect()
    await broker.declare("publisher", HANDLERS["publisher"])
    await broker.close()
    # start() relays what is pending: two runtimes starting together must not send a row twice.
    await asyncio.gather(first.start(), second.start())
    try:
        await wait_for(lambda: _depth_is(amqp_url, Topology(amqp_prefix).queue("publisher"), 250))
        await asyncio.sleep(0.3)
        assert await queue_depth(amqp_url, Topology(amqp_prefix).queue("publisher")) == 250
    finally:
        await first.stop()
        await second.stop()
    async with pg_env.sessions() as session:
        assert all(r.sent_at for r in await session.exec(select(OutboxMessage)))
    assert json.loads(scored().encode())["schema_version"] == 1
