"""Every page of an OAI-PMH harvest, the next one downloading while this one is parsed.

A page's resumptionToken, which names the next page, is its last element, so it is read first from the end
of the body (`peek_token`) and the next request starts while the page is parsed (in a thread, or in the
backfill's worker process): downloading and parsing overlap instead of taking turns. Requests still never
overlap (one host, one connection, its delays: services/fetcher/polite.py), and the token the parser reads is
what counts: a peek that differs from it (or found nothing) only costs the prefetched page, fetched again.
"""
from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol, TypeVar

import httpx

from services.fetcher.download import DownloadError, download
from services.fetcher.oai import Harvest, OaiError, OaiPage, next_url, parse_page
from shared.settings import Settings

# The last resumptionToken element of a page, within its last few kilobytes (it is followed only by the
# closing tags). Any prefix and attributes; its text must not contain markup or entities to be taken here.
_TAIL = 4096
_TOKEN = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?resumptionToken\b[^>]*?(?:/>|>([^<&]*)</)")


async def parse_in_thread(body: bytes, metadata_prefix: str) -> OaiPage:
    # A thread: parsing a page is tens of milliseconds of CPU the event loop can spend on the database meanwhile.
    return await asyncio.to_thread(parse_page, body, metadata_prefix)


class Paged(Protocol):
    token: str | None  # the next page's; None on the last


P = TypeVar("P", bound=Paged)


def peek_token(body: bytes) -> str | None:
    """The page's resumption token as its tail shows it, or None (no token, an empty one, or not plain)."""
    matches = list(_TOKEN.finditer(body, max(len(body) - _TAIL, 0)))
    found = matches[-1] if matches else None
    if found is None or found[1] is None:
        return None
    return found[1].decode("utf-8", "replace").strip() or None


async def get_page(client: httpx.AsyncClient, settings: Settings, url: str, metadata_prefix: str) -> bytes:
    """GET one page's body (politeness is the client's); an OAI-PMH error sent with a 4xx raises OaiError."""
    try:
        return await download(client, url, max_bytes=settings.max_feed_bytes, retries=settings.http_retries,
                              deadline=settings.http_deadline_seconds,
                              total_deadline=settings.http_total_deadline_seconds,
                              flow_control=settings.arxiv_oai_max_wait_seconds)
    except DownloadError as exc:
        if exc.status and exc.body.lstrip().startswith(b"<"):  # an OAI error document sent with a 4xx
            parse_page(exc.body, metadata_prefix)
        raise


async def list_records(client: httpx.AsyncClient, settings: Settings, harvest: Harvest, token: str | None = None,
                       parse: Callable[[bytes, str], Awaitable[P]] = parse_in_thread) -> AsyncIterator[P]:
    """Every page of the harvest, from its start or from `token`, made what `parse` makes of a body (an
    OaiPage by default); each page's `token` leads to the next."""
    base, prefix = settings.arxiv_oai_base_url, harvest.metadata_prefix
    body = await get_page(client, settings, next_url(base, token) if token else harvest.first_url(base), prefix)
    ahead: tuple[str, asyncio.Task[bytes]] | None = None
    try:
        while True:
            guess = peek_token(body)
            parsing = asyncio.ensure_future(parse(body, prefix))
            if guess and guess != token:  # the same token again is a loop the parse below stops: fetch nothing
                ahead = (guess, asyncio.ensure_future(get_page(client, settings, next_url(base, guess), prefix)))
            try:
                page = await parsing
            finally:
                parsing.cancel()
            del body  # the bytes are not needed once parsed: one page's body ahead at most
            if page.token and page.token == token:  # the same page again and again, for ever
                raise OaiError("badResumptionToken", f"the server answered token {token!r} with the same token")
            yield page
            if not page.token:
                return
            token = page.token
            if ahead is None or ahead[0] != token:
                await _drop(ahead)
                ahead = (token, asyncio.ensure_future(get_page(client, settings, next_url(base, token), prefix)))
            body = await ahead[1]
            ahead = None
    finally:
        await _drop(ahead)


async def _drop(ahead: tuple[str, asyncio.Task[bytes]] | None) -> None:
    if ahead is not None:
        ahead[1].cancel()
        with contextlib.suppress(BaseException):
            await ahead[1]
