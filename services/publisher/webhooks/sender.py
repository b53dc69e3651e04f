"""One HTTP request to a receiver: the body, its signatures, a bounded wait, and what the answer means."""
from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from services.publisher.webhooks.render import encode
from services.publisher.webhooks.signing import feishu_sign, standard_headers
from services.publisher.webhooks.targets import TargetError

SNIPPET_BYTES = 1024
MAX_RETRY_AFTER = 6 * 3600.0


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    latency_ms: int
    error: str | None = None
    gone: bool = False  # 410: the receiver says this endpoint is no more
    retry_after: float | None = None


@dataclass(frozen=True)
class Signing:
    secret: str | None  # Standard Webhooks `whsec_` key; None sends the id and timestamp unsigned
    feishu_secret: str | None = None


def redact(url: str) -> str:
    """Chat webhook URLs carry their credential in the path: logs and errors show only where they point."""
    try:
        parsed = httpx.URL(url)
        return f"{parsed.scheme}://{parsed.netloc.decode()}/…"
    except (httpx.InvalidURL, TypeError, ValueError):
        return "(unparseable URL)"


def prepare(format_: str, part: dict[str, Any], message_id: str, now: datetime, signing: Signing
            ) -> tuple[bytes, dict[str, str]]:
    timestamp = int(now.timestamp())
    if format_ == "feishu" and signing.feishu_secret:
        part = {"timestamp": str(timestamp), "sign": feishu_sign(signing.feishu_secret, timestamp), **part}
    body = encode(format_, part)
    headers = {"content-type": "application/json", **standard_headers(signing.secret, message_id, timestamp, body)}
    return body, headers


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return min(float(response.headers.get("retry-after", "")), MAX_RETRY_AFTER)
    except ValueError:
        return None


def _feishu_refusal(snippet: bytes) -> str | None:
    """Feishu answers 200 with a non-zero `code` when it refuses a message (bad signature, too large...)."""
    try:
        answer = json.loads(snippet)
    except ValueError:
        return None
    code = answer.get("code", answer.get("StatusCode", 0)) if isinstance(answer, dict) else 0
    return f"Feishu refused the message: code {code}: {str(answer.get('msg', ''))[:200]}" if code else None


def judge(format_: str, response: httpx.Response, snippet: bytes, latency_ms: int) -> Outcome:
    code = response.status_code
    if 200 <= code < 300:
        refusal = _feishu_refusal(snippet) if format_ == "feishu" else None
        return Outcome(refusal is None, code, latency_ms, refusal)
    if 300 <= code < 400:
        location = redact(response.headers.get("location", "")) if response.headers.get("location") else "nowhere"
        return Outcome(False, code, latency_ms, f"HTTP {code}: redirect to {location} not followed")
    text = snippet[:200].decode("utf-8", "replace").strip()
    return Outcome(False, code, latency_ms, f"HTTP {code}" + (f": {text}" if text else ""), gone=code == 410,
                   retry_after=_retry_after(response) if code in (429, 503) else None)


async def send(client: httpx.AsyncClient, url: str, format_: str, body: bytes, headers: dict[str, str],
               timeout: float) -> Outcome:
    """POST once, never longer than `timeout` in all (a receiver that trickles its answer is a timeout too)."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    async def post() -> Outcome:
        # The answer is read as sent, never inflated: only its start is wanted, and a receiver's gzip bomb
        # would otherwise be inflated a whole socket read at a time (tens of MB) by httpx.
        async with client.stream("POST", url, content=body,
                                 headers={**headers, "Accept-Encoding": "identity"}) as response:
            snippet = b""
            async for chunk in response.aiter_raw():
                snippet += chunk
                if len(snippet) >= SNIPPET_BYTES:
                    break
            return judge(format_, response, snippet[:SNIPPET_BYTES], elapsed())

    try:
        return await asyncio.wait_for(post(), timeout)
    except TargetError as exc:
        return Outcome(False, None, elapsed(), f"refused: {exc}")
    except (asyncio.TimeoutError, httpx.TimeoutException):
        return Outcome(False, None, elapsed(), f"no answer within {timeout:g} s")
    except httpx.HTTPError as exc:
        return Outcome(False, None, elapsed(), f"{type(exc).__name__}: {str(exc)[:200] or 'connection failed'}")
