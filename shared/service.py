"""The thin AMQP worker of a service process (ServiceRuntime): it feeds messages to the handlers.

The worker acks a message only after its handler's commit and after relaying the outbox. On SIGTERM (uvicorn
turns it into the app's shutdown) it stops consuming, lets the messages in flight finish for up to
SHUTDOWN_GRACE_SECONDS, requeues what has not finished, then closes its connections: no message is lost, and a
requeued one is redelivered to whichever consumer comes next.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.config import ConfigError
from shared.db import make_engine, make_sessions, ping, store_unmigrated, store_unreachable
from shared.gauges import refresh_queue_gauges, refresh_store_gauges
from shared.logging import log_context
from shared.messages import UnknownMessage, decode
from shared.metrics import STAGES, Metrics
from shared.outbox import relay
from shared.retention import prune
from shared.runtime import Env, Handler, Periodic, make_http, tune_gc
from shared.settings import Settings
from shared.topology import Topology

if TYPE_CHECKING:
    from aio_pika.abc import AbstractIncomingMessage, AbstractQueue

log = logging.getLogger(__name__)
PRUNE_INTERVAL_SECONDS = 3600


def _messaging() -> Any:
    """shared.messaging, imported by the first process that talks to the broker: aio-pika costs a third of a
    second and several megabytes, which `run --once` (no broker) need not pay."""
    from shared import messaging

    return messaging


class StartupFailed(ConnectionError):
    """A dependency stayed unreachable for all of STARTUP_WAIT_SECONDS: one line says which and why."""


def _broker_unreachable(error: BaseException) -> bool:
    # aiormq's connection errors are OSErrors; refused credentials are one too, but waiting will not fix them.
    return isinstance(error, OSError) and type(error).__name__ != "ProbableAuthenticationError"


def _unmigrated(error: exc.DBAPIError) -> ConfigError:
    return ConfigError("the store at DATABASE_URL has no tables yet: run `arxiv-bot migrate` first "
                       f"({str(error.orig).splitlines()[0][:120]})")


async def require_tables(url: str, timeout: float = 10.0) -> None:
    """Raise what `ServiceRuntime.start` would for a store never migrated, before a server starts: uvicorn shows
    an app's failed start as a traceback. A store that does not answer is left to `start`, which says so."""
    engine = make_engine(url)
    try:
        async with asyncio.timeout(timeout), engine.connect() as conn:
            await conn.execute(text("SELECT 1 FROM outbox LIMIT 1"))
    except exc.DBAPIError as error:
        if store_unmigrated(error):
            raise _unmigrated(error) from None
    except (exc.SQLAlchemyError, OSError):  # TimeoutError is one
        pass
    finally:
        await engine.dispose()


class ServiceRuntime:
    """One service process: database, broker, consumer, outbox sweep and the service's periodic task."""

    def __init__(self, service: str, settings: Settings, handlers: dict[str, Handler],
                 periodic: Periodic | None = None, consume: bool = True):
        if not settings.database_url:
            raise ValueError("DATABASE_URL is not set: a service needs the shared PostgreSQL store")
        self.service, self.settings, self.handlers = service, settings, handlers
        self.periodic, self.consume = periodic, consume
        self.metrics = Metrics(service)
        self.broker = _messaging().Broker(settings.amqp_url, Topology(settings.amqp_prefix), settings.prefetch,
                             settings.retry_delays_seconds)
        self.stage = STAGES.get(service)
        if self.stage:
            self.metrics.declare_stage(self.stage)
        for key in handlers:
            self.metrics.in_flight.labels(key)
        self._tasks: list[asyncio.Task] = []
        self._in_flight: set[asyncio.Task] = set()
        self._consumer: tuple[AbstractQueue, str] | None = None
        self._stopping = False

    async def start(self) -> None:
        tune_gc()
        self.engine: AsyncEngine = make_engine(self.settings.database_url or "")
        self.env = Env(self.settings, make_sessions(self.engine), make_http(self.settings), self.metrics,
                       relay=self.relay)
        await self._when_reachable("RabbitMQ at AMQP_URL", self.broker.connect, _broker_unreachable)
        try:
            # Whatever an earlier crash left unsent goes first.
            await self._when_reachable("the store at DATABASE_URL", self.relay,
                                       lambda error: store_unreachable(error) and not store_unmigrated(error))
        except exc.DBAPIError as error:
            if store_unmigrated(error):
                raise _unmigrated(error) from None
            raise
        if self.consume:
            queue = await self.broker.declare(self.service, self.handlers)
            self._consumer = (queue, await queue.consume(self.on_message, no_ack=False))
        with contextlib.suppress(Exception):  # gauges only; the sweep retries and logs
            await self.refresh_gauges()
        self._tasks.append(asyncio.create_task(self._sweep(), name=f"{self.service}-sweep"))

    async def _when_reachable(self, what: str, attempt: Callable[[], Awaitable[None]],
                              outage: Callable[[BaseException], bool]) -> None:
        """`attempt`, again after a pause while it fails for an outage, for up to STARTUP_WAIT_SECONDS."""
        deadline = time.monotonic() + self.settings.startup_wait_seconds
        pause = 1.0
        while True:
            try:
                await attempt()
                return
            except Exception as error:
                reason = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
                if not outage(error):
                    raise
                if time.monotonic() + pause > deadline:
                    raise StartupFailed(f"{what} is still not reachable after {self.settings.startup_wait_seconds:g} s "
                                        f"(STARTUP_WAIT_SECONDS): {reason}") from error
                log.warning("%s is not reachable yet (%s): trying again in %.0f s", what, reason, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 10.0)

    async def stop(self) -> None:
        self._stopping = True
        await self._stop_consuming()
        await self._drain(self.settings.shutdown_grace_seconds)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.broker.close()
        await self.env.close()
        await self.engine.dispose()

    async def _stop_consuming(self) -> None:
        if self._consumer is None:
            return
        queue, tag = self._consumer
        self._consumer = None
        try:
            await asyncio.wait_for(queue.cancel(tag), timeout=5)
        except Exception:  # noqa: BLE001 - a broker that is gone delivers nothing more anyway
            log.warning("could not cancel the consumer cleanly", exc_info=True)

    async def _drain(self, grace: float) -> None:
        """Let the messages in flight finish within `grace` seconds; requeue the others."""
        pending = set(self._in_flight)
        if not pending:
            return
        log.info("shutting down: waiting up to %.0f s for %d message(s) in flight", grace, len(pending))
        _, pending = await asyncio.wait(pending, timeout=grace)
        if pending:
            log.warning("shutting down: %d message(s) did not finish in %.0f s; requeueing them", len(pending), grace)
            for task in pending:
                task.cancel()  # on_message requeues on cancellation
            await asyncio.wait(pending, timeout=10)

    async def readiness(self) -> dict[str, bool]:
        try:
            await asyncio.wait_for(ping(self.engine), timeout=3)
            database = True
        except Exception:  # noqa: BLE001 - any failure means "not ready", the detail is in the logs
            log.warning("readiness: database unreachable", exc_info=True)
            database = False
        return {"database": database, "broker": self.broker.ready}

    async def relay(self) -> None:
        sent = await relay(self.env.sessions, self.broker.publish)
        self.metrics.outbox_relayed.inc(sent)

    async def on_message(self, incoming: AbstractIncomingMessage) -> None:
        key = _messaging().message_type(incoming)
        if self._stopping:
            # Delivered just before the consumer was cancelled: leave it to the next consumer.
            await incoming.nack(requeue=True)
            return
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        self.metrics.in_flight.labels(key).inc()
        try:
            with log_context(message_id=incoming.message_id, routing_key=key):
                await self._handle(key, incoming)
        finally:
            self.metrics.in_flight.labels(key).dec()
            self._in_flight.discard(task)  # type: ignore[arg-type]

    async def _handle(self, key: str, incoming: AbstractIncomingMessage) -> None:
        try:
            message = decode(key, incoming.body)
        except (ValidationError, UnknownMessage, UnicodeDecodeError) as exc:
            # Retrying cannot fix a body we do not understand: park it at once, for a human.
            log.error("parking undecodable message %s on %r: %s", incoming.message_id, key, exc)
            self.metrics.messages.labels(key, "invalid").inc()
            await self._hand_over(incoming, _messaging().attempts_of(incoming),
                                  f"undecodable: {exc}".splitlines()[0], park=True)
            return
        started = time.perf_counter()
        with log_context(run_id=getattr(message, "run_id", None)):
            # The handler runs shielded: a channel closed by a broker outage cancels this consumer task, yet the
            # handler needs only the store to finish, and its committed effect is what the redelivery finds (a
            # summary cancelled mid-answer would be paid for again). Shutdown and the timeout still cancel it.
            work = asyncio.ensure_future(self.handlers[key](message, self.env))
            try:
                async with asyncio.timeout(self.settings.handler_timeout_seconds):
                    await asyncio.shield(work)
            except asyncio.CancelledError:
                if self._stopping:
                    work.cancel()
                # Shutdown ran out of grace (or the channel closed): what the handler committed stays, and
                # the redelivery finds it done. Not an attempt: nothing failed.
                log.warning("cancelled mid-message: requeueing message %s on %s", message.message_id, key)
                with contextlib.suppress(Exception):
                    await incoming.nack(requeue=True)
                raise
            except Exception as exc:  # noqa: BLE001 - one bad message must not stop the consumer
                work.cancel()  # a timeout left it running
                await self._failed(key, incoming, exc)
                return
            elapsed = time.perf_counter() - started
            self.metrics.handler_duration.labels(key).observe(elapsed)
            await self.env.flush()
            await incoming.ack()
        self.metrics.messages.labels(key, "ok").inc()
        if self.stage:
            self.metrics.stage_done(self.stage, elapsed, self.env.clock())

    async def _failed(self, key: str, incoming: AbstractIncomingMessage, exc: Exception) -> None:
        """Count the attempt; retry after its delay, or park after the last one. Logged once, with the reason.

        A database that cannot be reached is an outage, not the message's fault: the message waits the first
        retry delay as often as it takes, and no attempt is counted, so an outage never parks anything."""
        if store_unreachable(exc):
            log.warning("database unreachable while handling %s %s (%s: %s); retrying it, not counted as an "
                        "attempt", key, incoming.message_id, type(exc).__name__, str(exc).splitlines()[0][:200]
                        if str(exc) else "")
            if await self._hand_over(incoming, _messaging().attempts_of(incoming), "database unreachable", park=False):
                self.metrics.messages.labels(key, "retried").inc()
            return
        attempts = _messaging().attempts_of(incoming) + 1
        reason = (f"no result within {self.settings.handler_timeout_seconds:g} s" if isinstance(exc, TimeoutError)
                  else f"{type(exc).__name__}: {exc}".splitlines()[0][:500])
        last = attempts > len(self.broker.retry_delays)
        log.error("handler for %s failed on message %s (attempt %d, %s): %s", key, incoming.message_id, attempts,
                  "parking it" if last else "will retry", reason, exc_info=exc)
        if await self._hand_over(incoming, attempts, reason, park=last):
            self.metrics.messages.labels(key, "parked" if last else "retried").inc()

    async def _hand_over(self, incoming: AbstractIncomingMessage, attempts: int, reason: str, park: bool) -> bool:
        """Into the retry or parking queue, confirmed, and only then acked."""
        try:
            if park:
                await self.broker.park(self.service, incoming, attempts, reason)
            else:
                await self.broker.retry(self.service, incoming, attempts, reason)
            await incoming.ack()
            return True
        except Exception:  # noqa: BLE001 - the broker is gone: the unacked message comes back by itself
            log.warning("could not hand message %s to its %s queue; it will be redelivered", incoming.message_id,
                        "parking" if park else "retry", exc_info=True)
            with contextlib.suppress(Exception):
                await incoming.nack(requeue=True)
            return False

    async def refresh_gauges(self) -> None:
        await refresh_store_gauges(self.env.sessions, self.metrics, self.env.clock())
        if self.consume and self.broker.connection is not None:
            await refresh_queue_gauges(self.broker.connection, self.broker.topology, self.service, self.metrics)

    async def _sweep(self) -> None:
        pruned_at = 0.0
        # Stopping ends the loop even if a library swallowed the cancellation mid-sweep (seen with a query in
        # flight): stop() would otherwise wait for this task for ever.
        while not self._stopping:
            await asyncio.sleep(self.settings.sweep_interval_seconds)
            if self._stopping:
                return
            try:
                if self.periodic is not None:
                    await self.periodic(self.env)
                await self.relay()
                await self.refresh_gauges()
                if time.monotonic() - pruned_at > PRUNE_INTERVAL_SECONDS:
                    await prune(self.env.sessions, self.settings, self.env.clock())
                    pruned_at = time.monotonic()
            except Exception:  # noqa: BLE001 - the next sweep tries again
                self.metrics.sweep_failures.inc()
                log.warning("periodic sweep failed", exc_info=True)
