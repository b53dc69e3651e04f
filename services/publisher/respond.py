"""Answering a request for a rendered artifact straight on the ASGI interface: content negotiation (br, gzip,
identity), conditional requests (shared/conditional.py), HEAD, and headers built once per artifact rather
than per request. Both the fast path and the app's routes answer through `answer()`.
"""
from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import brotli
from starlette.types import Scope, Send

from shared.conditional import http_date, not_modified

from services.publisher.html import CONTENT_SECURITY_POLICY

COMPRESS_FROM = 512  # bytes: below this, compression costs more than it saves
# A feed opened in a browser runs nothing and embeds nothing either.
FEED_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"


@dataclass(frozen=True)
class Variant:
    body: bytes
    etag: str
    headers: list[tuple[bytes, bytes]]  # of a 200
    not_modified: list[tuple[bytes, bytes]]  # of a 304


@dataclass(frozen=True)
class Rendered:
    variants: dict[str, Variant]  # by content coding: identity, gzip, br
    last_modified: datetime

    @property
    def size(self) -> int:
        return sum(len(v.body) for v in self.variants.values())


def render(content: str, content_type: str, tag: str, modified: datetime) -> Rendered:
    """Every variant of an artifact, compressed once. `tag` is the opaque part of its entity tag; each coding
    gets its own tag (a gzip body is a different representation from the plain one)."""
    body = content.encode("utf-8")
    bodies = {"identity": body}
    if len(body) >= COMPRESS_FROM:
        bodies["gzip"] = gzip.compress(body, compresslevel=6, mtime=0)
        bodies["br"] = brotli.compress(body, quality=5)
    html = content_type.startswith("text/html")
    common = [(b"last-modified", http_date(modified).encode()),
              (b"cache-control", b"public, max-age=60" if html else b"public, max-age=300"),
              (b"vary", b"accept-encoding")]
    variants = {}
    for coding, data in bodies.items():
        etag = f'"{tag}"' if coding == "identity" else f'"{tag}-{coding}"'
        head = [(b"etag", etag.encode()), *common]
        full = [(b"content-type", content_type.encode()), (b"content-length", str(len(data)).encode()), *head,
                (b"x-content-type-options", b"nosniff"),
                (b"content-security-policy", (CONTENT_SECURITY_POLICY if html else FEED_POLICY).encode())]
        if html:
            full.append((b"referrer-policy", b"no-referrer"))
        if coding != "identity":
            full.append((b"content-encoding", coding.encode()))
        variants[coding] = Variant(data, etag, full, head)
    return Rendered(variants, modified)


@lru_cache(maxsize=256)
def coding_for(accept_encoding: bytes) -> str:
    """The best coding a client accepts (RFC 9110 12.5.3): br, then gzip, else identity; q=0 refuses."""
    accepted: dict[str, float] = {}
    for member in accept_encoding.decode("latin-1").lower().split(","):
        name, _, params = member.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        accepted[name.strip()] = quality
    for coding in ("br", "gzip"):
        if accepted.get(coding, accepted.get("*", 0.0)) > 0:
            return coding
    return "identity"


async def answer(rendered: Rendered, scope: Scope, send: Send) -> None:
    if_none_match: list[bytes] = []
    since = accept = None
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            accept = value
        elif name == b"if-none-match":
            if_none_match.append(value)  # a list may come split over several fields
        elif name == b"if-modified-since":
            since = value
    variant = rendered.variants.get(coding_for(accept) if accept else "identity") or rendered.variants["identity"]
    if (if_none_match or since) and not_modified(
            b", ".join(if_none_match).decode("latin-1") if if_none_match else None,
            since.decode("latin-1") if since else None, variant.etag, rendered.last_modified):
        await send({"type": "http.response.start", "status": 304, "headers": variant.not_modified})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200, "headers": variant.headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else variant.body})
