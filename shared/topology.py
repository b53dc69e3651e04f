"""Every exchange, queue and routing key on the broker, in one place.

One durable topic exchange carries all events. Each consuming service owns one durable queue bound to the
routing keys it handles; a message that keeps failing is dead-lettered to that service's parking queue,
where an operator can read it (and shovel it back) instead of it looping forever.
"""
from __future__ import annotations

from dataclasses import dataclass

from shared.messages import FetchRequested, RunFetched, RunScored, RunSummarized

SERVICES = ("fetcher", "scorer", "summarizer", "publisher")

BINDINGS: dict[str, tuple[str, ...]] = {
    "fetcher": (FetchRequested.routing_key,),
    "scorer": (RunFetched.routing_key,),
    "summarizer": (RunScored.routing_key,),
    "publisher": (RunScored.routing_key, RunSummarized.routing_key),
}


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

    @staticmethod
    def bindings(service: str) -> tuple[str, ...]:
        return BINDINGS[service]


def consumers_of(routing_key: str) -> list[str]:
    return [service for service, keys in BINDINGS.items() if routing_key in keys]
