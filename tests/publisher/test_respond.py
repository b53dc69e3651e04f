"""Answering from a rendering: content codings, entity tags per coding, 304s, HEAD, the headers."""
from __future__ import annotations

import gzip
from datetime import datetime, timezone

import brotli
import pytest

from services.publisher.respond import answer, coding_for, render

MODIFIED = datetime(2024, 11, 29, 6, 7, 54, tzinfo=timezone.utc)
BODY = "<rss>" + "paper " * 500 + "</rss>"


@pytest.mark.parametrize("header, coding", [
    (b"gzip, deflate, br", "br"), (b"gzip", "gzip"), (b"br;q=0, gzip", "gzip"), (b"gzip;q=0", "identity"),
    (b"*", "br"), (b"identity", "identity"), (b"deflate", "identity"), (b"GZIP", "gzip"),
    (b"gzip;q=zero", "identity"), (b",,, ;q=", "identity"),
])
def test_coding_for(header: bytes, coding: str) -> None:
    assert coding_for(header) == coding


def test_variants_decode_to_the_same_body_with_their_own_tags() -> None:
    rendered = render(BODY, "application/rss+xml; charset=utf-8", "7-abc", MODIFIED)
    variants = rendered.variants
    assert gzip.decompress(variants["gzip"].body) == brotli.decompress(variants["br"].body) == BODY.encode()
    assert [v.etag for v in variants.values()] == ['"7-abc"', '"7-abc-gzip"', '"7-abc-br"']
    assert len(variants["br"].body) < len(BODY) / 5
    assert "gzip" not in render("<x/>", "application/xml", "1", MODIFIED).variants  # too small to pay


async def call(rendered, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:  # noqa: ANN001
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method,
             "headers": [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()]}
    await answer(rendered, scope, send)
    start, body = sent
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body["body"]


async def test_get_head_and_conditional_requests() -> None:
    rendered = render(BODY, "application/rss+xml; charset=utf-8", "7-abc", MODIFIED)
    status, headers, body = await call(rendered)
    assert status == 200 and body == BODY.encode() and headers["etag"] == '"7-abc"'
    assert headers["content-type"] == "application/rss+xml; charset=utf-8" and headers["vary"] == "accept-encoding"
    assert headers["last-modified"] == "Fri, 29 Nov 2024 06:07:54 GMT" and "max-age" in headers["cache-control"]
    status, headers, body = await call(rendered, Accept_Encoding="gzip")
    assert headers["content-encoding"] == "gzip" and gzip.decompress(body) == BODY.encode()
    assert int(headers["content-length"]) == len(body)
    head = await call(rendered, "HEAD", Accept_Encoding="br")
    assert head[0] == 200 and head[2] == b"" and head[1]["content-encoding"] == "br"
    assert (await call(rendered, If_None_Match='W/"7-abc"'))[0] == 304
    assert (await call(rendered, If_None_Match='"7-abc"', Accept_Encoding="gzip"))[0] == 200  # another coding
    assert (await call(rendered, If_None_Match='"7-abc-gzip"', Accept_Encoding="gzip"))[0] == 304
    assert (await call(rendered, If_Modified_Since="Fri, 29 Nov 2024 06:07:54 GMT"))[0] == 304
    not_modified = await call(rendered, If_None_Match='"x", "7-abc"')
    assert not_modified[2] == b"" and "content-length" not in not_modified[1] and not_modified[1]["etag"]


async def test_pages_get_their_content_security_policy() -> None:
    status, headers, _ = await call(render("<!doctype html>" + "x" * 600, "text/html; charset=utf-8", "1", MODIFIED))
    assert "default-src 'none'" in headers["content-security-policy"] and headers["x-content-type-options"] == "nosniff"
    _, feed_headers, _ = await call(render(BODY, "application/atom+xml; charset=utf-8", "1", MODIFIED))
    assert "sandbox" in feed_headers["content-security-policy"]
