"""Every exchange and queue name on the broker, in one place.

One durable topic exchange carries all events. Each consuming service owns one durable queue, bound to exactly
the routing keys its handlers take (the runtime derives the bindings from the handler table, so a binding
without a handler cannot exist). A failed message waits in one of the service's retry queues (one per delay:
a queue-wide TTL never holds a short wait behind a long one), which dead-letters it back to that service's
queue only; after its last attempt it goes to the service's parking queue with the reason, for a human
(`arxiv-bot dlq`).
"""
from __future__ import annotations

from dataclasses import dataclass

SERVICES = ("fetcher", "scorer", "summarizer", "publisher")


@dataclass(frozen=True)
class Topology:
    prefix: str = "arxiv_bot"

    @property
    def exchange(self) -> str:
        return f"{self.prefix}.events"

    @property
    def parking_exchange(self) -> str:
        return f"{self.prefix}.parked"

    def queue(self, service: str) -> str:
        return f"{self.prefix}.{service}"

    def parking_queue(self, service: str) -> str:
        return f"{self.prefix}.{service}.parked"

    def retry_queue(self, service: str, delay_seconds: float) -> str:
        return f"{self.prefix}.{service}.retry.{delay_seconds:g}s"
