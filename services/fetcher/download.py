"""Polite HTTP GET for feeds: bounded size, bounded retries, and Retry-After honoured."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import httpx

log = logging.getLogger(__name__)
RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_WAIT = 120.0  # never sleep longer than this for one Retry-After, whatever the server says


class DownloadError(RuntimeError):
    pass


def retry_after(value: str | None, default: float) -> float:
    if not value:
        return default
    try:
        return min(MAX_WAIT, max(0.0, float(value)))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
        if when.tzinfo is None:  # asctime dates and "-0000" carry no zone; HTTP dates are always GMT
            when = when.replace(tzinfo=timezone.utc)
        return min(MAX_WAIT, max(0.0, (when - datetime.now(timezone.utc)).total_seconds()))
    except (TypeError, ValueError, IndexError):
        return default


async def download(client: httpx.AsyncClient, url: str, *, max_bytes: int, retries: int,
                   backoff: float = 1.0) -> bytes:
    for attempt in range(retries + 1):
        last = attempt == retries
        try:
            async with client.stream("GET", url) as response:
                if response.status_code in RETRY_STATUS and not last:
                    wait = retry_after(response.headers.get("Retry-After"), backoff * 2 ** attempt)
                    log.info("GET %s: HTTP %d, retrying in %.1fs", url, response.status_code, wait)
                    await asyncio.sleep(wait)
                    continue
                if response.status_code != 200:
                    raise DownloadError(f"GET {url}: HTTP {response.status_code}")
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise DownloadError(f"GET {url}: body of {declared} bytes exceeds the {max_bytes}-byte limit")
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise DownloadError(f"GET {url}: body exceeds the {max_bytes}-byte limit")
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.TransportError as exc:
            if last:
                raise DownloadError(f"GET {url}: {type(exc).__name__}: {exc}") from None
            wait = backoff * 2 ** attempt
            log.info("GET %s: %s, retrying in %.1fs", url, type(exc).__name__, wait)
            await asyncio.sleep(wait)
        except httpx.HTTPError as exc:
            # A body that lies about its encoding or a redirect loop: retrying will not help.
            raise DownloadError(f"GET {url}: {type(exc).__name__}: {exc}") from None
    raise DownloadError(f"GET {url}: gave up after {retries + 1} attempts")
