"""RabbitMQ over aio-pika: a robust connection, publisher confirms, and the broker contract.

The contract: a message's type travels in the AMQP `type` property (and in the routing key, and in the body's
model); its failed attempts are counted in the `x-attempts` header; a failed message is republished to one of
its service's retry queues, which hands it back to that service alone after the delay; after the last attempt
it is parked with `x-parked-reason`. A redelivery after a crash is not an attempt: only a handler's failure is.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from shared.topology import Topology

log = logging.getLogger(__name__)
ATTEMPTS = "x-attempts"
PARKED_REASON = "x-parked-reason"
PARKED_AT = "x-parked-at"
LAST_ERROR = "x-last-error"


def attempts_of(message: AbstractIncomingMessage) -> int:
    try:
        return max(0, int((message.headers or {}).get(ATTEMPTS, 0)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0


def message_type(message: AbstractIncomingMessage) -> str:
    """The `type` property; the routing key for messages from before the contract (or sent by hand)."""
    return message.type or message.routing_key or ""


def copy_of(message: AbstractIncomingMessage, headers: Mapping[str, Any]) -> aio_pika.Message:
    return aio_pika.Message(message.body, content_type=message.content_type or "application/json",
                            message_id=message.message_id, type=message_type(message),
                            headers={**(message.headers or {}), **headers},
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT)


class Broker:
    def __init__(self, url: str, topology: Topology, prefetch: int = 8, retry_delays: Iterable[float] = ()):
        self.url, self.topology, self.prefetch = url, topology, prefetch
        self.retry_delays = tuple(retry_delays)
        self.connection: AbstractRobustConnection | None = None

    async def connect(self) -> None:
        # A robust connection reconnects and re-declares its channels, queues and consumers after a broker restart.
        self.connection = await aio_pika.connect_robust(self.url)
        self.channel = await self.connection.channel(publisher_confirms=True)
        await self.channel.set_qos(prefetch_count=self.prefetch)
        self.exchange = await self.channel.declare_exchange(
            self.topology.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        self.parking = await self.channel.declare_exchange(
            self.topology.parking_exchange, aio_pika.ExchangeType.DIRECT, durable=True)

    @property
    def ready(self) -> bool:
        # A robust connection is never "closed" while it reconnects (only close() closes it): whether it is
        # connected right now is its `connected` event, cleared when the broker goes and set when it is back.
        return (self.connection is not None and not self.connection.is_closed
                and self.connection.connected.is_set())

    async def declare(self, service: str, routing_keys: Iterable[str]) -> aio_pika.abc.AbstractQueue:
        parked = await self.channel.declare_queue(self.topology.parking_queue(service), durable=True)
        await parked.bind(self.parking, routing_key=service)
        # The dead-letter arguments stay as they were (a queue's arguments cannot change in place); they are
        # the safety net for a reject, while retries and parking go through the methods below.
        queue = await self.channel.declare_queue(self.topology.queue(service), durable=True, arguments={
            "x-dead-letter-exchange": self.topology.parking_exchange, "x-dead-letter-routing-key": service})
        for delay in self.retry_delays:
            await self.channel.declare_queue(self.topology.retry_queue(service, delay), durable=True, arguments={
                "x-message-ttl": int(delay * 1000), "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": self.topology.queue(service)})
        for key in routing_keys:
            await queue.bind(self.exchange, routing_key=key)
        return queue

    async def publish(self, routing_key: str, body: bytes, message_id: str) -> None:
        """Returns once the broker has confirmed the message is stored (persistent, on a durable exchange)."""
        await self.exchange.publish(
            aio_pika.Message(body, content_type="application/json", message_id=message_id, type=routing_key,
                             delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=routing_key)

    async def to_queue(self, queue: str, message: aio_pika.Message) -> None:
        """Straight into one queue (the default exchange routes by queue name): reaches that service only."""
        await self.channel.default_exchange.publish(message, routing_key=queue)

    async def retry(self, service: str, message: AbstractIncomingMessage, attempts: int, error: str) -> float:
        """Send a failed message back to its service after the delay for its attempt (the first delay for
        attempt 0: a wait that is not an attempt); returns the delay."""
        delay = self.retry_delays[max(1, min(attempts, len(self.retry_delays))) - 1]
        await self.to_queue(self.topology.retry_queue(service, delay),
                            copy_of(message, {ATTEMPTS: attempts, LAST_ERROR: error[:500]}))
        return delay

    async def park(self, service: str, message: AbstractIncomingMessage, attempts: int, reason: str) -> None:
        await self.to_queue(self.topology.parking_queue(service), copy_of(message, {
            ATTEMPTS: attempts, PARKED_REASON: reason[:1000], PARKED_AT: datetime.now(timezone.utc).isoformat(),
            "x-service": service, "x-routing-key": message.routing_key or ""}))

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()
            self.connection = None
