"""RabbitMQ over aio-pika: a robust connection, publisher confirms, durable queues with a parking queue."""
from __future__ import annotations

import logging
from collections.abc import Iterable

import aio_pika
from aio_pika.abc import AbstractRobustConnection

from shared.topology import Topology

log = logging.getLogger(__name__)


class Broker:
    def __init__(self, url: str, topology: Topology, prefetch: int = 8):
        self.url, self.topology, self.prefetch = url, topology, prefetch
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
        return self.connection is not None and not self.connection.is_closed

    async def declare(self, service: str, routing_keys: Iterable[str]) -> aio_pika.abc.AbstractQueue:
        parked = await self.channel.declare_queue(self.topology.parking_queue(service), durable=True)
        await parked.bind(self.parking, routing_key=service)
        queue = await self.channel.declare_queue(self.topology.queue(service), durable=True, arguments={
            "x-dead-letter-exchange": self.topology.parking_exchange, "x-dead-letter-routing-key": service})
        for key in routing_keys:
            await queue.bind(self.exchange, routing_key=key)
        return queue

    async def publish(self, routing_key: str, body: bytes, message_id: str) -> None:
        """Returns once the broker has confirmed the message is stored (persistent, on a durable exchange)."""
        await self.exchange.publish(
            aio_pika.Message(body, content_type="application/json", message_id=message_id,
                             delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=routing_key)

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()
            self.connection = None
