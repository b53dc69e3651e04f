"""The HTTP client for arXiv's export API and OAI-PMH, polite as arXiv asks automated clients to be.

arXiv's terms for robots: say who you are (a User-Agent with a contact), one connection at a time, and no
more than one request every 3 seconds. Enforced here, below every caller, so no code path (a retry, a second
caller in the same process) can be less polite: the client holds one connection, and a request hook holds
each request until ARXIV_API_MIN_DELAY_SECONDS have passed since the previous one started.
"""
from __future__ import annotations

import asyncio

import httpx

from shared.settings import Settings

from services.fetcher.politeness import user_agent


class Spacing:
    """Holds each request until `delay` seconds after the previous one began (start to start), and after its
    answer began to arrive: a request held up on its way (a new connection, a busy network) never leaves the
    next one closer than `delay` to it at arXiv's end."""

    def __init__(self, delay: float):
        self.delay = delay
        self.last: float | None = None
        self.lock = asyncio.Lock()

    async def __call__(self, request: httpx.Request) -> None:
        async with self.lock:
            clock = asyncio.get_running_loop().time
            if self.last is not None:
                wait = self.last + self.delay - clock()
                if wait > 0:
                    await asyncio.sleep(wait)
            self.last = clock()

    async def answered(self, response: httpx.Response) -> None:
        self.last = asyncio.get_running_loop().time()


def arxiv_client(settings: Settings) -> httpx.AsyncClient:
    """One connection, spaced requests, a User-Agent naming the operator's contact."""
    spacing = Spacing(settings.arxiv_api_min_delay_seconds)
    return httpx.AsyncClient(
        timeout=settings.http_timeout, follow_redirects=True,
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        headers={"User-Agent": user_agent(settings)},
        event_hooks={"request": [spacing], "response": [spacing.answered]})
