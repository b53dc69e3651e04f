"""Polite HTTP GET of anything from outside (feeds, full texts, the API, OAI-PMH): bounded size, bounded
time, bounded retries, and Retry-After honoured.

Time is bounded twice. `deadline` covers one attempt whole (connect, headers and every read of the body), so
a server trickling one byte at a time cannot hold a request open; the client's own timeout only bounds the
wait between two reads. `total_deadline` covers the whole download, retries and Retry-After waits included.
"""
from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import httpx

log = logging.getLogger(__name__)
RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_WAIT = 120.0  # never sleep longer than this for one Retry-After, whatever the server says
ERROR_BODY_BYTES = 64 * 1024
# Compressed bodies are inflated here, a bounded piece at a time: httpx inflates each piece read from the socket
# whole, so a 250 KB gzip bomb held 142 MB of memory before the size limit saw a byte of it. Hence only the
# encodings zlib reads are asked for (httpx would add br when brotli is installed).
ACCEPT_ENCODING = "gzip, deflate"
INFLATE_PIECE = 1 << 16
NOT_ASKED_FOR = {"br", "zstd", "compress", "x-compress"}  # compressions: a clear error, not garbage to parse


class DownloadError(RuntimeError):
    """`status` and the first bytes of `body` are kept for a refused request (an API's error document)."""

    def __init__(self, message: str, status: int | None = None, body: bytes = b""):
        super().__init__(message)
        self.status, self.body = status, body


@dataclass(frozen=True)
class Answer:
    status: int  # 200, or 304 to a conditional request
    body: bytes  # empty when the body went to the caller's file (`get(..., into=...)`)
    headers: httpx.Headers

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _Retryable(Exception):
    def __init__(self, reason: str, wait: float, flow: bool = False):
        super().__init__(reason)
        self.reason, self.wait, self.flow = reason, wait, flow


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
    except (TypeError, ValueError, IndexError, OverflowError):  # a year or offset of twenty digits
        return default


async def _decoded(response: httpx.Response, url: str) -> AsyncIterator[bytes]:
    """The body as sent before compression, never more than INFLATE_PIECE bytes of it at once."""
    coding = response.headers.get("Content-Encoding", "").strip().lower()
    if coding in NOT_ASKED_FOR:
        raise DownloadError(f"GET {url}: a body in Content-Encoding {coding!r}, which was not asked for")
    if coding not in ("gzip", "x-gzip", "deflate"):  # identity, or a word some servers send for a charset
        async for chunk in response.aiter_raw():
            yield chunk
        return
    inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib framing, told by the header
    try:
        async for chunk in response.aiter_raw():
            while chunk:
                yield inflate.decompress(chunk, INFLATE_PIECE)
                chunk = inflate.unconsumed_tail
        yield inflate.flush()  # all input is consumed: what is left is a few codes' worth
    except zlib.error as exc:
        raise DownloadError(f"GET {url}: a body that is not valid {coding} ({exc})") from None


async def _attempt(client: httpx.AsyncClient, url: str, max_bytes: int, backoff: float,
                   headers: Mapping[str, str] | None, into: BinaryIO | None = None) -> Answer:
    headers = {"Accept-Encoding": ACCEPT_ENCODING, **(headers or {})}
    async with client.stream("GET", url, headers=headers) as response:
        if response.status_code in RETRY_STATUS:
            header = response.headers.get("Retry-After")
            raise _Retryable(f"HTTP {response.status_code}", retry_after(header, backoff),
                             flow=response.status_code == 503 and header is not None)
        conditional = any(k.lower().startswith("if-") for k in headers)
        if response.status_code == 304 and conditional:
            return Answer(304, b"", response.headers)
        if response.status_code != 200:
            body = b""
            async for chunk in _decoded(response, url):  # an error document says why; its start is enough
                body += chunk
                if len(body) >= ERROR_BODY_BYTES:
                    break
            raise DownloadError(f"GET {url}: HTTP {response.status_code}", response.status_code,
                                body[:ERROR_BODY_BYTES])
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise DownloadError(f"GET {url}: body of {declared} bytes exceeds the {max_bytes}-byte limit")
        chunks, size = [], 0
        if into is not None:  # an earlier attempt may have written part of a body
            into.seek(0)
            into.truncate()
        async for chunk in _decoded(response, url):
            size += len(chunk)
            if size > max_bytes:
                raise DownloadError(f"GET {url}: body exceeds the {max_bytes}-byte limit")
            if into is None:
                chunks.append(chunk)
            else:
                into.write(chunk)
        return Answer(200, b"".join(chunks), response.headers)


async def download(client: httpx.AsyncClient, url: str, *, max_bytes: int, retries: int, deadline: float,
                   total_deadline: float, backoff: float = 1.0, flow_control: float = 0.0) -> bytes:
    """The body of a 200 answer to GET `url`; DownloadError for anything else, once retries or time run out."""
    answer = await get(client, url, max_bytes=max_bytes, retries=retries, deadline=deadline,
                       total_deadline=total_deadline, backoff=backoff, flow_control=flow_control)
    return answer.body


async def get(client: httpx.AsyncClient, url: str, *, max_bytes: int, retries: int, deadline: float,
              total_deadline: float, backoff: float = 1.0, headers: Mapping[str, str] | None = None,
              flow_control: float = 0.0, into: BinaryIO | None = None) -> Answer:
    """`download` with request headers, answering with the status and headers too: a conditional request
    (If-None-Match, If-Modified-Since in `headers`) may be answered 304, an empty Answer. With `into`, a 200's
    body is written to that file instead of held (a day's biggest feed is megabytes), and Answer.body is empty.

    `flow_control` > 0: a 503 with Retry-After is the server pacing its clients (OAI-PMH's flow control), not
    a failure; it is waited for without spending a retry, up to `flow_control` seconds in total (each wait
    counted as at least a second, so a "Retry-After: 0" loop ends too), beyond `total_deadline`.
    """
    clock = asyncio.get_running_loop().time
    give_up_at = clock() + total_deadline
    attempt, flow_left = 0, flow_control
    while True:
        limit = min(deadline, give_up_at - clock())
        if limit <= 0:
            break
        try:
            async with asyncio.timeout(limit):
                return await _attempt(client, url, max_bytes, backoff * 2 ** attempt, headers, into)
        except TimeoutError:
            failure, wait = f"no complete answer within {limit:.3g}s", backoff * 2 ** attempt
        except httpx.TransportError as exc:
            failure, wait = f"{type(exc).__name__}: {exc}", backoff * 2 ** attempt
        except _Retryable as exc:
            failure, wait = exc.reason, exc.wait
            if exc.flow and max(wait, 1.0) <= flow_left:
                flow_left -= max(wait, 1.0)
                give_up_at += wait
                log.info("GET %s: %s, the server asks to come back in %.1fs", url, failure, wait)
                await asyncio.sleep(wait)
                continue
        except httpx.HTTPError as exc:
            # A body that lies about its encoding or a redirect loop: retrying will not help.
            raise DownloadError(f"GET {url}: {type(exc).__name__}: {exc}") from None
        if attempt == retries:
            raise DownloadError(f"GET {url}: {failure}")
        if clock() + wait >= give_up_at:
            raise DownloadError(f"GET {url}: {failure}; waiting {wait:.1f}s to retry would pass the "
                                f"{total_deadline:g}s deadline for the whole download")
        log.info("GET %s: %s, retrying in %.1fs", url, failure, wait)
        await asyncio.sleep(wait)
        attempt += 1
    raise DownloadError(f"GET {url}: gave up at the {total_deadline:g}s deadline for the whole download")
