"""What a handler gets (Env), and the process-wide settings every process makes at start.

A handler is `async def handler(message, env)`: it opens its own transaction(s) through `env.sessions`, writes
its effects and the messages they cause (Repository.emit) together, and returns. A service's worker
(shared/service.py) and the embedded one-process mode (arxiv_bot/embedded.py) call the very same handlers.
"""
from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker

from shared.messages import Message
from shared.metrics import Metrics
from shared.models import utcnow
from shared.settings import Settings

log = logging.getLogger(__name__)
M_MMAP_THRESHOLD = -3  # mallopt(3)


@dataclass
class Env:
    settings: Settings
    sessions: async_sessionmaker
    http: httpx.AsyncClient
    metrics: Metrics
    clock: Callable[[], datetime] = field(default=utcnow)
    # Per-process objects handlers share across messages (an LLM client, the process-wide LLM slots), built
    # on first use and closed with the process.
    resources: dict[str, Any] = field(default_factory=dict)
    # Sends what the running handler has committed so far (the service's outbox relay), so a handler that has
    # more to do after its main effect (the fetcher: search documents, enrichment) does not hold the next
    # stage back; None where nothing relays until the handler returns (the embedded bus drains after it).
    relay: Callable[[], Awaitable[None]] | None = None

    async def flush(self) -> None:
        if self.relay is None:
            return
        try:
            await self.relay()
        except Exception:  # noqa: BLE001 - the effect is committed; the next relay (or the sweep) sends it
            log.warning("outbox relay failed; the sweep will retry", exc_info=True)

    async def close(self) -> None:
        for resource in self.resources.values():
            closer = getattr(resource, "close", None)
            if closer is not None and asyncio.iscoroutinefunction(closer):
                await closer()
        self.resources.clear()
        await self.http.aclose()


Handler = Callable[[Message, Env], Awaitable[None]]


def tune_gc() -> None:
    """Call once start-up is over. What is alive then (modules, SQLAlchemy's and pydantic's metadata: ~100 MB of
    objects) stays alive: frozen out of the collector's sight, and young collections rarer, so a day's parsing
    and storing no longer spends a third of its time walking them (`run --once` on the 12,507-item day: 7.9 s
    -> 5.0 s, docs/BENCHMARKS.md)."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    _fixed_mmap_threshold()


def _fixed_mmap_threshold() -> None:
    """glibc serves a block of more than 128 KB from its own mapping, returned to the system when freed, but
    raises that threshold to the size of each such block freed: after the first feed body of a few megabytes,
    every later body came from the heap and its pages stayed resident (`run --once` on the 12,507-item day peaked
    about 1.5 MB higher). A fixed threshold keeps big, short-lived buffers out of the heap. Other C libraries:
    unchanged."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(M_MMAP_THRESHOLD, 256 * 1024)


Periodic = Callable[[Env], Awaitable[None]]


def make_http(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=settings.http_timeout, follow_redirects=True,
                             headers={"User-Agent": "arxiv-bot/0.1 (+https://github.com/arxiv-bot)"})
