"""Every exchange and queue name on the broker, in one place.

One durable topic exchange carries all events. Each consuming service owns one durable queue, bound to exactly
the routing keys its handlers take (the runtime derives the bindings from the handler table, so a binding
without a handler cannot exist); a message that keeps failing is dead-lettered to that service's parking
queue, where an operator can read it (and replay it) instead of it looping forever.
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
