"""Graceful shutdown on the real broker: a service sent SIGTERM mid-message loses nothing and exits in time.

The slow messages are the summarizer's two summary requests (one per paper, both delivered at once, one LLM
slot), slowed by a slow local LLM server: nothing of ours is patched.
"""
from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aio_pika

from shared.service import ServiceRuntime
from shared.topology import Topology
from tests.conftest import settings_for
from tests.e2e.deployment import Deployment, wait_until
from tests.ops.live import request_fetch, synthetic_deployment, wait_for_readme
from tests.servers import FakeLLM


def terminate_mid_message(services: Deployment, llm: FakeLLM, grace: float) -> str:
    """SIGTERM the summarizer while it waits on the LLM; return its log once it has exited."""
    request_fetch(services)
    wait_until(lambda: len(llm.requests) >= 1, 60, "the summarizer to be inside its handler")
    process = services.procs["summarizer"]
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace + 20)  # the grace period plus closing connections, with room for a busy CI
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the summarizer did not exit within its grace period ({grace} s)") from None
    return (services.workdir / "summarizer.log").read_text()


def ready_in_queue(amqp_url: str, queue: str) -> int:
    async def count() -> int:
        connection = await aio_pika.connect(amqp_url)
        async with connection:
            channel = await connection.channel()
            declared = await channel.declare_queue(queue, passive=True)
            return declared.declaration_result.message_count or 0
    return asyncio.run(count())


def test_a_message_in_flight_finishes_within_the_grace_period(tmp_path: Path, pg_url: str, amqp_url: str,
                                                             amqp_prefix: str) -> None:
    with synthetic_deployment(tmp_path, pg_url, amqp_url, amqp_prefix, summaries=2, workers=1,
                              SHUTDOWN_GRACE_SECONDS="60") as (services, llm):
        llm.delay = 1.5  # two calls one after the other: the two handlers take about 3 s
        log = terminate_mid_message(services, llm, grace=60)
        assert "waiting up to 60 s for 2 message(s) in flight" in log
        assert "requeueing" not in log
        # Finished and acked before the exit: the run goes on without a summarizer running.
        wait_for_readme(services, summaries=2)
        assert len(llm.requests) == 2
        assert ready_in_queue(amqp_url, Topology(amqp_prefix).queue("summarizer")) == 0


def test_a_message_that_cannot_finish_in_time_is_requeued_and_done_after_a_restart(
        tmp_path: Path, pg_url: str, amqp_url: str, amqp_prefix: str) -> None:
    with synthetic_deployment(tmp_path, pg_url, amqp_url, amqp_prefix, summaries=2, workers=1,
                              SHUTDOWN_GRACE_SECONDS="1") as (services, llm):
        llm.delay = 5  # far longer than the grace period
        log = terminate_mid_message(services, llm, grace=1)
        assert "did not finish in 1 s; requeueing them" in log
        # Both requests back in the summarizer's queue, durable, for whichever summarizer comes next.
        assert ready_in_queue(amqp_url, Topology(amqp_prefix).queue("summarizer")) == 2
        llm.delay = 0
        services.start("summarizer")
        wait_for_readme(services, summaries=2)
        assert ready_in_queue(amqp_url, Topology(amqp_prefix).parking_queue("summarizer")) == 0


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


async def test_a_service_started_before_its_broker_waits_for_it(pg_url: str, amqp_url: str, amqp_prefix: str,
                                                                 caplog) -> None:  # noqa: ANN001
    # The broker's port answers nothing at first (compose or Kubernetes starting everything at once), then a
    # forwarder to the real RabbitMQ opens there: the service connects without being restarted.
    broker = urlsplit(amqp_url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    late = urlunsplit(broker._replace(netloc=f"{broker.username}:{broker.password}@127.0.0.1:{port}"))
    settings = settings_for(pg_url, amqp_url=late, amqp_prefix=amqp_prefix, startup_wait_seconds=60)
    runtime = ServiceRuntime("scorer", settings, {})
    starting = asyncio.ensure_future(runtime.start())

    async def forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = await asyncio.open_connection(broker.hostname, broker.port or 5672)
        await asyncio.gather(_pipe(reader, upstream[1]), _pipe(upstream[0], writer), return_exceptions=True)

    for _ in range(100):
        if "RabbitMQ at AMQP_URL is not reachable yet" in caplog.text:
            break
        await asyncio.sleep(0.1)
    assert "RabbitMQ at AMQP_URL is not reachable yet" in caplog.text and not starting.done()
    server = await asyncio.start_server(forward, "127.0.0.1", port)
    try:
        await asyncio.wait_for(starting, 30)
        assert runtime.broker.ready
        await runtime.stop()
    finally:
        server.close()
