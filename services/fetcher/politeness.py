"""Being a good guest of arXiv: who we are, one request at a time per host, and a pause between requests.

arXiv asks robots to identify themselves with a contact address and to go slowly (one connection, a few seconds
between API calls: https://info.arxiv.org/help/api/tou.html). Every fetcher request to an arXiv host goes
through `HostGate.turn`: requests to one host never overlap, and each starts at least `min_delay` seconds after
the previous one to that host ended. Different hosts (rss.arxiv.org, export.arxiv.org) do not wait for each
other. The gate lives in the process (env.resources), shared by everything the process fetches.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from importlib import metadata
from urllib.parse import urlsplit

from shared.runtime import Env
from shared.settings import Settings

PROJECT_URL = "https://github.com/arxiv-bot"


def user_agent(settings: Settings) -> str:
    """`arxiv-bot/0.1.0 (+https://github.com/arxiv-bot; mailto:ops@example.org)`: what we are and whom to ask."""
    try:
        version = metadata.version("arxiv-bot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        version = "0"
    contact = settings.arxiv_contact.strip()
    return f"arxiv-bot/{version} (+{PROJECT_URL}{'; mailto:' + contact if contact else ''})"


class HostGate:
    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._last_end: dict[str, float] = {}

    @contextlib.asynccontextmanager
    async def turn(self, url: str, min_delay: float) -> AsyncIterator[None]:
        host = (urlsplit(url).hostname or "").lower()
        lock = self._locks.setdefault(host, asyncio.Lock())
        clock = asyncio.get_running_loop().time
        async with lock:
            wait = self._last_end.get(host, float("-inf")) + min_delay - clock()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                self._last_end[host] = clock()


def gate(env: Env) -> HostGate:
    """The process's gate (one per Env: a service, `run --once`, a test)."""
    found = env.resources.get("arxiv_host_gate")
    if found is None:
        found = env.resources["arxiv_host_gate"] = HostGate()
    return found
