"""The polite feed download (services/fetcher/download.py), over real sockets to a local arXiv stand-in.

Tests that must not sleep give a large `backoff` and a short `asyncio.wait_for` deadline: if the code fell
back to its backoff instead of honouring Retry-After (or retried what it must not), the deadline fails it.
"""
from __future__ import annotations

import asyncio
import logging
import socket
import tempfile
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest

from services.fetcher.download import MAX_WAIT, DownloadError, download, retry_after
from services.fetcher.download import get as get_answer
from tests.servers import FakeArxiv, Trickle, _Quiet, _Server

FEED = b'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>cs.AI</title></channel></rss>\n'
SLOW = 30.0  # a backoff no test can afford to actually sleep
DEADLINE = 3.0


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv(feeds={"cs.AI": FEED}) as server:
        yield server


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


async def get(client: httpx.AsyncClient, url: str, *, max_bytes: int = 1 << 20, retries: int = 3,
              backoff: float = SLOW, deadline: float = 60.0, total_deadline: float = 600.0,
              within: float = DEADLINE) -> bytes:
    fetching = download(client, url, max_bytes=max_bytes, retries=retries, backoff=backoff, deadline=deadline,
                        total_deadline=total_deadline)
    return await asyncio.wait_for(fetching, within)


# --- status codes and retries -----------------------------------------------------------------------------


async def test_200_returns_the_body_bytes(arxiv: FakeArxiv, client: httpx.AsyncClient) -> None:
    assert await get(client, arxiv.base + "cs.AI") == FEED
    assert arxiv.requests == ["cs.AI"]


@pytest.mark.parametrize("status", [400, 403, 404, 410, 501])
async def test_a_final_status_fails_at_once_without_retrying(arxiv: FakeArxiv, client: httpx.AsyncClient,
                                                             status: int) -> None:
    arxiv.responses["cs.AI"] = [(status, b"no", {"Retry-After": "0"}), (200, FEED, {})]
    with pytest.raises(DownloadError, match=rf"GET {arxiv.base}cs.AI: HTTP {status}$"):
        await get(client, arxiv.base + "cs.AI")
    assert arxiv.requests == ["cs.AI"]


async def test_an_unknown_path_is_a_404_download_error(arxiv: FakeArxiv, client: httpx.AsyncClient) -> None:
    with pytest.raises(DownloadError, match="HTTP 404"):
        await get(client, arxiv.base + "cs.NOPE")
    assert arxiv.requests == ["cs.NOPE"]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_a_transient_status_honours_retry_after_zero(arxiv: FakeArxiv, client: httpx.AsyncClient,
                                                           status: int) -> None:
    arxiv.responses["cs.AI"] = [(status, b"busy", {"Retry-After": "0"})]  # then the feed itself
    assert await get(client, arxiv.base + "cs.AI") == FEED
    assert arxiv.requests == ["cs.AI", "cs.AI"]


async def test_retry_after_as_a_past_http_date_retries_now(arxiv: FakeArxiv,
                                                            client: httpx.AsyncClient) -> None:
    arxiv.responses["cs.AI"] = [(429, b"slow down", {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})]
    assert await get(client, arxiv.base + "cs.AI") == FEED
    assert arxiv.requests == ["cs.AI", "cs.AI"]


async def test_exhausted_retries_name_the_last_status(arxiv: FakeArxiv, client: httpx.AsyncClient) -> None:
    arxiv.responses["cs.AI"] = [(503, b"down", {"Retry-After": "0"})] * 3 + [(200, FEED, {})]
    with pytest.raises(DownloadError, match=r"cs.AI: HTTP 503$"):
        await get(client, arxiv.base + "cs.AI", retries=2)
    assert len(arxiv.requests) == 3  # 1 + retries, and the 200 behind them is never asked for
    assert arxiv.responses["cs.AI"] == [(200, FEED, {})]


async def test_zero_retries_means_one_request(arxiv: FakeArxiv, client: httpx.AsyncClient) -> None:
    arxiv.responses["cs.AI"] = [(503, b"down", {"Retry-After": "0"})]
    with pytest.raises(DownloadError, match="HTTP 503"):
        await get(client, arxiv.base + "cs.AI", retries=0)
    assert arxiv.requests == ["cs.AI"]


async def test_without_retry_after_the_backoff_doubles(arxiv: FakeArxiv, client: httpx.AsyncClient,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="services.fetcher.download")
    arxiv.responses["cs.AI"] = [(500, b"oops", {}), (502, b"oops", {})]
    started = time.perf_counter()
    assert await get(client, arxiv.base + "cs.AI", backoff=0.1) == FEED
    assert time.perf_counter() - started >= 0.3  # it really waited 0.1 s, then 0.2 s
    waits = [r.getMessage().rsplit(" ", 1)[1] for r in caplog.records if "retrying in" in r.getMessage()]
    assert waits == ["0.1s", "0.2s"]


# --- size limits ------------------------------------------------------------------------------------------


async def test_a_declared_length_over_the_limit_is_refused_unread(arxiv: FakeArxiv,
                                                                  client: httpx.AsyncClient) -> None:
    arxiv.feeds["cs.AI"] = b"x" * 2048
    with pytest.raises(DownloadError, match="body of 2048 bytes exceeds the 1000-byte limit"):
        await get(client, arxiv.base + "cs.AI", max_bytes=1000)
    assert arxiv.requests == ["cs.AI"]  # too big is final: no retry


async def test_a_body_of_exactly_the_limit_is_accepted(arxiv: FakeArxiv, client: httpx.AsyncClient) -> None:
    assert await get(client, arxiv.base + "cs.AI", max_bytes=len(FEED)) == FEED


class _Streaming(_Quiet):
    """`/<n>` streams n bytes with no Content-Length (HTTP/1.0: the body ends when the connection closes);
    `/short` promises 1000 bytes and hangs up after 10; `/flaky` hangs up after 500 the first time, then answers
    whole (a shorter body).
    Every request is counted in `hits`."""

    def do_GET(self) -> None:  # noqa: N802
        self.server.owner.hits.append(self.path)  # type: ignore[attr-defined]
        self.send_response(200)
        if self.path == "/flaky" and self.server.owner.hits.count("/flaky") > 1:  # type: ignore[attr-defined]
            self.send_header("Content-Length", str(len(FEED)))
            self.end_headers()
            self.wfile.write(FEED)
            return
        if self.path in ("/short", "/flaky"):
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"<rss>trunc" if self.path == "/short" else b"x" * 500)
            return
        self.end_headers()
        try:
            for start in range(0, int(self.path[1:]), 4096):
                self.wfile.write(b"x" * min(4096, int(self.path[1:]) - start))
        except OSError:
            pass  # the client hung up once the body was too big: that is the point


@pytest.fixture
def streaming() -> Iterator[_Server]:
    with _Server(_Streaming) as server:
        server.hits = []  # type: ignore[attr-defined]
        yield server


async def test_an_undeclared_body_is_cut_off_at_the_limit(streaming: _Server,
                                                           client: httpx.AsyncClient) -> None:
    with pytest.raises(DownloadError, match="exceeds the 10000-byte limit") as caught:
        await get(client, streaming.url + "/200000", max_bytes=10_000)
    assert "body of" not in str(caught.value)  # the streaming check caught it, not the Content-Length one
    assert streaming.hits == ["/200000"]  # type: ignore[attr-defined]


async def test_an_undeclared_body_within_the_limit_arrives_whole(streaming: _Server,
                                                                 client: httpx.AsyncClient) -> None:
    assert await get(client, streaming.url + "/50001", max_bytes=50_001) == b"x" * 50_001


async def test_a_connection_dropped_mid_body_is_retried_then_reported(streaming: _Server,
                                                                      client: httpx.AsyncClient) -> None:
    with pytest.raises(DownloadError, match=r"/short: RemoteProtocolError"):
        await get(client, streaming.url + "/short", retries=2, backoff=0.0)
    assert streaming.hits == ["/short"] * 3  # type: ignore[attr-defined]


async def test_a_body_written_to_a_file_holds_only_the_attempt_that_succeeded(streaming: _Server,
                                                                               client: httpx.AsyncClient) -> None:
    with tempfile.TemporaryFile() as body:
        answer = await asyncio.wait_for(
            get_answer(client, streaming.url + "/flaky", max_bytes=1 << 20, retries=2, backoff=0.0, deadline=60.0,
                       total_deadline=600.0, into=body), DEADLINE)
        body.seek(0)
        assert (answer.status, answer.body, body.read()) == (200, b"", FEED)  # nothing left of the first attempt
    assert streaming.hits == ["/flaky"] * 2  # type: ignore[attr-defined]


# --- transport failures -----------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:  # a port that was just free and that nobody listens on now
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_a_refused_connection_is_retried_then_reported(client: httpx.AsyncClient) -> None:
    port = closed_port()
    with pytest.raises(DownloadError, match=rf"GET http://127.0.0.1:{port}/rss/cs.AI: ConnectError"):
        await get(client, f"http://127.0.0.1:{port}/rss/cs.AI", retries=2, backoff=0.0)


async def test_transport_retries_back_off_exponentially(client: httpx.AsyncClient,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="services.fetcher.download")
    with pytest.raises(DownloadError, match="ConnectError"):
        await get(client, f"http://127.0.0.1:{closed_port()}/rss/cs.AI", retries=2, backoff=0.1)
    waits = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert [w.rsplit(" ", 1)[1] for w in waits] == ["0.1s", "0.2s"] and "ConnectError" in waits[0]


@pytest.mark.parametrize("case", ["corrupt-gzip", "redirect-loop"])
async def test_every_http_failure_becomes_a_download_error(arxiv: FakeArxiv, case: str) -> None:
    if case == "corrupt-gzip":  # a proxy or server claims gzip but sends plain bytes
        arxiv.responses["cs.AI"] = [(200, b"not gzip at all", {"Content-Encoding": "gzip"})]
    else:  # production's client follows redirects (shared.runtime.make_http)
        arxiv.responses["cs.AI"] = [(302, b"", {"Location": arxiv.base + "cs.AI"})] * 3
    async with httpx.AsyncClient(follow_redirects=True, max_redirects=2) as client:
        with pytest.raises(DownloadError):
            await get(client, arxiv.base + "cs.AI", retries=0)


# --- compressed bodies ---------------------------------------------------------------------------------

def _compressed(data: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize("coding, wbits", [("gzip", 31), ("x-gzip", 31), ("deflate", 15), ("identity", 0),
                                           ("utf-8", 0)])  # a charset where an encoding goes: read as sent
async def test_compressed_bodies_arrive_as_sent(arxiv: FakeArxiv, client: httpx.AsyncClient, coding: str,
                                                wbits: int) -> None:
    body = b"<rss>" + b"item " * 50_000 + b"</rss>"
    arxiv.responses["cs.AI"] = [(200, _compressed(body, wbits) if wbits else body, {"Content-Encoding": coding})]
    assert await get(client, arxiv.base + "cs.AI", retries=0) == body


async def test_a_gzip_bomb_is_refused_at_the_limit_without_being_inflated_in_memory(
        arxiv: FakeArxiv, client: httpx.AsyncClient) -> None:
    bomb = _compressed(bytes(256 << 20), 31)  # 256 MiB of zeros in 250 KB
    arxiv.responses["cs.AI"] = [(200, bomb, {"Content-Encoding": "gzip"})]
    with tempfile.TemporaryFile() as into:
        tracemalloc.start()
        try:
            with pytest.raises(DownloadError, match="exceeds the 8388608-byte limit"):
                await get_answer(client, arxiv.base + "cs.AI", max_bytes=8 << 20, retries=0, deadline=30,
                                 total_deadline=30, into=into)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    # httpx's own decoder inflated each piece read from the socket whole: 64 MB and more at once.
    assert peak < 4 << 20, f"{peak / 2**20:.1f} MB held at once"


async def test_an_encoding_not_asked_for_is_refused_and_only_zlibs_are_asked_for(arxiv: FakeArxiv,
                                                                                client: httpx.AsyncClient) -> None:
    arxiv.responses["cs.AI"] = [(200, b"\x1b\x00\x00", {"Content-Encoding": "br"})]
    with pytest.raises(DownloadError, match="Content-Encoding 'br', which was not asked for"):
        await get(client, arxiv.base + "cs.AI", retries=0)
    assert arxiv.feed_headers[-1]["Accept-Encoding"] == "gzip, deflate"


# --- deadlines ------------------------------------------------------------------------------------------

# Each trickling answer would take 600 bytes x 0.05 s = 30 s; the per-read timeout (5 s) never fires.


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers"])
async def test_a_trickling_server_is_cut_off_at_the_deadline_of_each_attempt(client: httpx.AsyncClient,
                                                                            headers_too: bool) -> None:
    with Trickle(headers_too=headers_too) as trickle:
        with pytest.raises(DownloadError, match=r"/rss/cs.AI: no complete answer within 0.3s$"):
            await get(client, trickle.url + "/rss/cs.AI", retries=1, backoff=0.0, deadline=0.3, within=15)
        assert trickle.hits == ["/rss/cs.AI"] * 2  # each attempt was cut off, then retried once


async def test_the_whole_download_stops_at_its_total_deadline(client: httpx.AsyncClient,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="services.fetcher.download")
    with Trickle() as trickle:
        with pytest.raises(DownloadError, match=r"1s deadline for the whole download"):
            await get(client, trickle.url + "/x", retries=50, backoff=0.0, deadline=0.4, total_deadline=1.0,
                      within=15)
        assert 1 <= len(trickle.hits) <= 4  # far fewer than the 51 attempts the retries alone allow
    assert all("no complete answer within" in r.getMessage() for r in caplog.records if "retrying" in r.getMessage())


async def test_a_retry_after_beyond_the_total_deadline_fails_at_once(arxiv: FakeArxiv,
                                                                     client: httpx.AsyncClient) -> None:
    arxiv.responses["cs.AI"] = [(503, b"later", {"Retry-After": "100"})]
    with pytest.raises(DownloadError, match=r"HTTP 503; waiting 100.0s to retry would pass the 5s deadline"):
        await get(client, arxiv.base + "cs.AI", total_deadline=5.0)  # no 100 s sleep: DEADLINE would fail it
    assert arxiv.requests == ["cs.AI"]


async def test_a_slow_but_steady_answer_within_the_deadline_arrives_whole(client: httpx.AsyncClient) -> None:
    with Trickle(body=b"<rss>ok</rss>", interval=0.01) as trickle:
        assert await get(client, trickle.url + "/rss", deadline=10.0, within=15) == b"<rss>ok</rss>"


# --- retry_after ------------------------------------------------------------------------------------------


def http_date(offset_seconds: float) -> str:
    return format_datetime(datetime.now(timezone.utc) + timedelta(seconds=offset_seconds), usegmt=True)


@pytest.mark.parametrize(("value", "expected"), [
    ("0", 0.0), ("7", 7.0), ("2.5", 2.5), (" 12 ", 12.0),
    (None, 9.0), ("", 9.0), ("soon", 9.0), ("5s", 9.0),  # unusable: the caller's default
    ("Thu, 99 Foo 2024", 9.0),
    ("-5", 0.0),                                         # never a negative sleep
    ("86400", MAX_WAIT), ("1e400", MAX_WAIT),            # capped
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),              # IMF-fixdate in the past
    ("Sunday, 06-Nov-94 08:49:37 GMT", 0.0),             # RFC 850 form in the past
    ("Thu, 28 Nov 9999999999999999999 00:00:00 GMT", 9.0),  # a date no datetime can hold
    ("Thu, 28 Nov 2024 00:00:00 -9999999999999999999", 9.0),
])
def test_retry_after_values(value: str | None, expected: float) -> None:
    assert retry_after(value, 9.0) == expected


def test_retry_after_as_a_future_http_date_is_the_seconds_until_then() -> None:
    assert 27.0 < retry_after(http_date(30), 9.0) <= 30.0  # HTTP-dates have one-second precision
    assert retry_after(http_date(10 * 86400), 9.0) == MAX_WAIT  # a server asking for days gets MAX_WAIT


def test_retry_after_accepts_the_asctime_http_date_form() -> None:
    assert retry_after("Sun Nov  6 08:49:37 1994", 9.0) == 0.0


async def test_a_conditional_request_is_answered_304_with_an_empty_body(client: httpx.AsyncClient) -> None:
    from services.fetcher.download import get as conditional_get
    with FakeArxiv(feeds={"cs.AI": FEED}, validators=True) as server:
        first = await conditional_get(client, server.base + "cs.AI", max_bytes=1 << 20, retries=0, deadline=5,
                                      total_deadline=5)
        tag = first.headers["ETag"]
        second = await conditional_get(client, server.base + "cs.AI", max_bytes=1 << 20, retries=0, deadline=5,
                                       total_deadline=5, headers={"If-None-Match": tag})
        changed = await conditional_get(client, server.base + "cs.AI", max_bytes=1 << 20, retries=0, deadline=5,
                                        total_deadline=5, headers={"If-None-Match": '"other"'})
    assert (first.status, first.body, first.not_modified) == (200, FEED, False)
    assert (second.status, second.body, second.not_modified) == (304, b"", True)
    assert (changed.status, changed.body) == (200, FEED)
    assert server.feed_headers[1]["If-None-Match"] == tag


async def test_a_304_to_an_unconditional_request_is_an_error(client: httpx.AsyncClient) -> None:
    with FakeArxiv(feeds={}) as server:
        server.responses["cs.AI"] = [(304, b"", {})]
        with pytest.raises(DownloadError, match="HTTP 304"):
            await download(client, server.base + "cs.AI", max_bytes=1 << 20, retries=0, deadline=5,
                           total_deadline=5)


# --- flow control (OAI-PMH) and error bodies ---------------------------------------------------------------


async def test_flow_control_503s_are_waited_for_without_spending_retries(arxiv: FakeArxiv,
                                                                         client: httpx.AsyncClient) -> None:
    arxiv.responses["cs.AI"] = [(503, b"busy", {"Retry-After": "0"})] * 4 + [(200, FEED, {})]
    body = await asyncio.wait_for(download(client, arxiv.base + "cs.AI", max_bytes=1 << 20, retries=0,
                                           backoff=SLOW, deadline=60, total_deadline=600, flow_control=10),
                                  DEADLINE)
    assert body == FEED and arxiv.requests == ["cs.AI"] * 5


async def test_flow_control_is_bounded_and_a_503_without_retry_after_is_a_failure(
        arxiv: FakeArxiv, client: httpx.AsyncClient) -> None:
    arxiv.responses["cs.AI"] = [(503, b"busy", {"Retry-After": "0"})] * 3 + [(200, FEED, {})]
    with pytest.raises(DownloadError, match="HTTP 503"):  # each wait counts as at least 1 s of the 2 s allowed
        await asyncio.wait_for(download(client, arxiv.base + "cs.AI", max_bytes=1 << 20, retries=0, backoff=SLOW,
                                        deadline=60, total_deadline=600, flow_control=2), DEADLINE)
    assert len(arxiv.requests) == 3
    arxiv.requests.clear()
    arxiv.responses["cs.AI"] = [(503, b"busy", {}), (200, FEED, {})]
    with pytest.raises(DownloadError, match="HTTP 503"):
        await asyncio.wait_for(download(client, arxiv.base + "cs.AI", max_bytes=1 << 20, retries=0, backoff=SLOW,
                                        deadline=60, total_deadline=600, flow_control=10), DEADLINE)
    assert len(arxiv.requests) == 1


async def test_a_refused_request_keeps_its_status_and_the_start_of_its_body(arxiv: FakeArxiv,
                                                                            client: httpx.AsyncClient) -> None:
    arxiv.responses["cs.AI"] = [(400, b"<feed>incorrect id format</feed>" + b" " * 200_000, {})]
    with pytest.raises(DownloadError) as caught:
        await get(client, arxiv.base + "cs.AI")
    assert caught.value.status == 400 and caught.value.body.startswith(b"<feed>incorrect id format</feed>")
    assert len(caught.value.body) == 64 * 1024
