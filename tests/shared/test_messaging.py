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
from shared.runtime import Env
from shared.service import ServiceRuntime
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

    settings = settings_for(pg_env.settings.database_url, amqp_url=amqp_url, amqp_prefix=amqp_prefix,
                            retry_delays_seconds=[0.2, 0.4])
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


async def get_one(url: str, queue: str) -> aio_pika.abc.AbstractIncomingMessage:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, durable=True, passive=True)
        message = await declared.get(no_ack=True)
        assert message is not None
        return message


async def _depth_is(url: str, queue: str, expected: int) -> bool:
    return await queue_depth(url, queue) == expected


async def test_a_failing_handler_is_retried_after_each_delay_then_parked_with_its_reason(
        runtime: ServiceRuntime, amqp_url: str) -> None:
    runtime.failures["left"] = 10  # type: ignore[attr-defined]
    started = asyncio.get_running_loop().time()
    await send(runtime, fetched().encode())
    parked = runtime.broker.topology.parking_queue("scorer")
    await wait_for(lambda: _depth_is(amqp_url, parked, 1))
    # Three attempts: the first, then one after 0.2 s and one after 0.4 s more.
    assert len(runtime.calls) == 3  # type: ignore[attr-defined]
    assert asyncio.get_running_loop().time() - started >= 0.6
    assert await queue_depth(amqp_url, runtime.broker.topology.queue("scorer")) == 0
    message = await get_one(amqp_url, parked)
    assert message.type == "run.fetched" and message.headers["x-attempts"] == 3
    assert message.headers["x-parked-reason"] == "RuntimeError: injected failure"
    assert runtime.metrics.messages.labels("run.fetched", "retried")._value.get() == 2
    assert runtime.metrics.messages.labels("run.fetched", "parked")._value.get() == 1


async def test_a_transient_failure_is_retried_and_then_succeeds(runtime: ServiceRuntime, amqp_url: str) -> None:
    runtime.failures["left"] = 1  # type: ignore[attr-defined]
    await send(runtime, fetched().encode())
    await wait_for(lambda: _depth_is(amqp_url, runtime.broker.topology.queue("publisher"), 1))
    assert len(runtime.calls) == 2  # type: ignore[attr-defined]
    assert await queue_depth(amqp_url, runtime.broker.topology.parking_queue("scorer")) == 0


async def test_a_message_redelivered_by_a_crash_is_not_an_attempt(pg_env: Env, amqp_url: str,
                                                                   amqp_prefix: str) -> None:
    topology = Topology(amqp_prefix)
    broker = Broker(amqp_url, topology, retry_delays=[0.2])
    await broker.connect()
    await broker.declare("scorer", [RunFetched.routing_key])
    await broker.declare("publisher", HANDLERS["publisher"])
    await broker.publish(RunFetched.routing_key, fetched().encode(), "crashed")
    await broker.close()
    # A consumer takes the message and dies before acking it: RabbitMQ hands it out again, flagged redelivered.
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel()
    queue = await channel.declare_queue(topology.queue("scorer"), durable=True, passive=True)
    assert await queue.get(no_ack=False) is not None
    await connection.close()
    calls: list[Message] = []

    async def fails_once(message: Message, env: Env) -> None:
        calls.append(message)
        if len(calls) == 1:
            raise RuntimeError("first real failure")

    settings = settings_for(pg_env.settings.database_url, amqp_url=amqp_url, amqp_prefix=amqp_prefix,
                            retry_delays_seconds=[0.2])
    runtime = ServiceRuntime("scorer", settings, {RunFetched.routing_key: fails_once})
    await runtime.start()
    try:
        await wait_for(lambda: asyncio.sleep(0, result=len(calls) == 2))
    finally:
        await runtime.stop()
    # Its first real failure was attempt 1 of 2, not a reason to park it.
    assert await queue_depth(amqp_url, topology.parking_queue("scorer")) == 0
    assert await queue_depth(amqp_url, topology.queue("scorer")) == 0


async def test_the_type_travels_in_the_amqp_type_property(runtime: ServiceRuntime, amqp_url: str) -> None:
    # Sent straight to the queue (as a replay is): the routing key says nothing, the type property everything.
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        await channel.default_exchange.publish(aio_pika.Message(fetched().encode(), type="run.fetched"),
                                               routing_key=runtime.broker.topology.queue("scorer"))
    await wait_for(lambda: _depth_is(amqp_url, runtime.broker.topology.queue("publisher"), 1))
    assert len(runtime.calls) == 1  # type: ignore[attr-defined]
    relayed = await get_one(amqp_url, runtime.broker.topology.queue("publisher"))
    assert relayed.type == "run.scored"


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


async def test_a_handler_that_hangs_is_timed_out_retried_and_parked(pg_env: Env, amqp_url: str,
                                                                   amqp_prefix: str) -> None:
    calls: list[Message] = []

    async def hangs(message: Message, env: Env) -> None:
        calls.append(message)
        await asyncio.sleep(60)

    settings = settings_for(pg_env.settings.database_url, amqp_url=amqp_url, amqp_prefix=amqp_prefix,
                            retry_delays_seconds=[0.1], handler_timeout_seconds=0.3)
    runtime = ServiceRuntime("scorer", settings, {RunFetched.routing_key: hangs})
    await runtime.start()
    try:
        await runtime.broker.publish(RunFetched.routing_key, fetched().encode(), "hangs")
        parked = runtime.broker.topology.parking_queue("scorer")
        await wait_for(lambda: _depth_is(amqp_url, parked, 1))
    finally:
        await runtime.stop()
    assert len(calls) == 2
    message = await get_one(amqp_url, parked)
    assert message.headers["x-parked-reason"] == "no result within 0.3 s"


async def test_a_message_no_service_consumes_is_relayed_without_blocking_the_rest(pg_env: Env, amqp_url: str,
                                                                                  amqp_prefix: str) -> None:
    # paper.updated has no consumer among our services: the broker drops it (other programs may bind to it);
    # the relay must still mark it sent and deliver what follows it.
    from shared.messages import PaperUpdated, UpdatedPaper
    assert not any(PaperUpdated.routing_key in handlers for handlers in HANDLERS.values())
    async with pg_env.sessions() as session, session.begin():
        repo = Repository(session)
        repo.emit(PaperUpdated(run_id="r" * 32, papers=[UpdatedPaper(arxiv_id="2411.00001", version=2,
                                                                     previous_version=1)]))
        repo.emit(RunFetched(run_id="r" * 32, status="stale", items=0, new=0, changed=0))
    settings = settings_for(pg_env.settings.database_url, amqp_url=amqp_url, amqp_prefix=amqp_prefix)
    broker = Broker(amqp_url, Topology(amqp_prefix))
    await broker.connect()
    await broker.declare("scorer", HANDLERS["scorer"])
    await broker.close()
    runtime = ServiceRuntime("fetcher", settings, {}, consume=False)
    await runtime.start()
    try:
        await wait_for(lambda: _depth_is(amqp_url, Topology(amqp_prefix).queue("scorer"), 1))
    finally:
        await runtime.stop()
    async with pg_env.sessions() as session:
        assert all(r.sent_at for r in await session.exec(select(OutboxMessage)))


async def test_a_handler_that_flushes_sends_its_messages_before_it_returns(pg_env: Env, amqp_url: str,
                                                                          amqp_prefix: str) -> None:
    # The fetcher commits its run, flushes, then computes search documents and enriches for seconds more: the
    # scorer must get run.fetched at the flush, not when the handler returns (nor at the next sweep).
    release = asyncio.Event()

    async def commits_then_works_on(message: Message, env: Env) -> None:
        async with env.sessions() as session, session.begin():
            Repository(session).emit(scored(message.run_id))  # type: ignore[attr-defined]
        await env.flush()
        await release.wait()

    settings = settings_for(pg_env.settings.database_url, amqp_url=amqp_url, amqp_prefix=amqp_prefix,
                            sweep_interval_seconds=600)  # no sweep relays meanwhile
    runtime = ServiceRuntime("scorer", settings, {RunFetched.routing_key: commits_then_works_on})
    await runtime.start()
    try:
        await runtime.broker.declare("publisher", HANDLERS["publisher"])
        await runtime.broker.publish(RunFetched.routing_key, fetched().encode(), "m1")
        await wait_for(lambda: _depth_is(amqp_url, runtime.broker.topology.queue("publisher"), 1))
        assert not release.is_set()  # relayed while the handler still works
    finally:
        release.set()
        await runtime.stop()
