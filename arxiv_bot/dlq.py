"""`arxiv-bot dlq`: read, replay and drop the messages a service parked.

Reading is non-destructive: the messages are taken without acknowledgement and handed back when the channel
closes. A replay sends the message straight to the queue of the service that parked it (the default exchange
routes by queue name), so it reaches that service alone, with its attempts reset; the parked copy is removed
only after the broker confirmed the replay.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from shared.messaging import ATTEMPTS, LAST_ERROR, PARKED_AT, PARKED_REASON, Broker, attempts_of, message_type
from shared.settings import Settings
from shared.topology import Topology


@dataclass(frozen=True)
class Parked:
    message_id: str
    type: str
    attempts: int
    reason: str
    parked_at: datetime | None
    body: bytes

    def age(self, now: datetime) -> str:
        if self.parked_at is None:
            return "?"
        seconds = int((now - self.parked_at).total_seconds())
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if seconds >= size:
                return f"{seconds // size}{unit}"
        return f"{seconds}s"


def _parked(message: AbstractIncomingMessage) -> Parked:
    headers = message.headers or {}
    try:
        parked_at = datetime.fromisoformat(str(headers.get(PARKED_AT)))
    except ValueError:
        parked_at = None
    reason = str(headers.get(PARKED_REASON) or "rejected before the retry contract (no reason recorded)")
    return Parked(message.message_id or "", message_type(message), attempts_of(message), reason, parked_at,
                  message.body)


class ParkingLot:
    """One service's parking queue, open on a channel of its own."""

    def __init__(self, settings: Settings, service: str):
        self.settings, self.service = settings, service
        self.broker = Broker(settings.amqp_url, Topology(settings.amqp_prefix))
        self.taken: list[AbstractIncomingMessage] = []

    async def __aenter__(self) -> "ParkingLot":
        await self.broker.connect()
        name = self.broker.topology.parking_queue(self.service)
        try:
            self.queue = await self.broker.channel.declare_queue(name, durable=True, passive=True)
        except aio_pika.exceptions.ChannelNotFoundEntity:
            await self.broker.close()
            raise LookupError(f"there is no queue {name}: has the {self.service} ever run with "
                              f"AMQP_PREFIX={self.broker.topology.prefix}?") from None
        while (message := await self.queue.get(no_ack=False, fail=False)) is not None:
            self.taken.append(message)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.broker.close()  # whatever was taken and not settled goes back to the queue

    def messages(self) -> list[Parked]:
        return [_parked(m) for m in self.taken]

    def _select(self, ids: list[str], everything: bool) -> list[AbstractIncomingMessage]:
        chosen = self.taken if everything else [m for m in self.taken if m.message_id in ids]
        missing = set(ids) - {m.message_id for m in chosen}
        if missing:
            raise LookupError(f"not parked by {self.service}: {', '.join(sorted(missing))}")
        return chosen

    async def replay(self, ids: list[str], everything: bool = False) -> int:
        chosen = self._select(ids, everything)
        for message in chosen:
            headers = {k: v for k, v in (message.headers or {}).items()
                       if k not in (PARKED_REASON, PARKED_AT, LAST_ERROR)}
            headers.update({ATTEMPTS: 0, "x-replayed-at": datetime.now(timezone.utc).isoformat()})
            await self.broker.to_queue(self.broker.topology.queue(self.service), aio_pika.Message(
                message.body, content_type=message.content_type, message_id=message.message_id,
                type=message_type(message), headers=headers, delivery_mode=aio_pika.DeliveryMode.PERSISTENT))
            await message.ack()
        return len(chosen)

    async def drop(self, ids: list[str], everything: bool = False) -> int:
        chosen = self._select(ids, everything)
        for message in chosen:
            await message.ack()
        return len(chosen)


def render_list(parked: list[Parked], now: datetime) -> str:
    if not parked:
        return "nothing parked"
    lines = [f"{'MESSAGE ID':<34} {'TYPE':<18} {'ATTEMPTS':>8} {'AGE':>5}  REASON"]
    lines += [f"{p.message_id:<34} {p.type:<18} {p.attempts:>8} {p.age(now):>5}  {p.reason}" for p in parked]
    return "\n".join(lines)


def render_one(parked: Parked) -> str:
    try:
        body = json.dumps(json.loads(parked.body), indent=2, ensure_ascii=False)
    except ValueError:
        body = repr(parked.body[:2000])
    return "\n".join([f"message id: {parked.message_id}", f"type:       {parked.type}",
                      f"attempts:   {parked.attempts}", f"parked at:  {parked.parked_at or '?'}",
                      f"reason:     {parked.reason}", "body:", body])
