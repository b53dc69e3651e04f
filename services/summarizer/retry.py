"""Retrying a call to the model: which failures are worth another try, how long to wait, and what to say
when it is over.

Worth another try: HTTP 408, 409, 429 and 5xx, a timeout, a dropped connection. Anything else (a bad key, a
request the model refuses, a malformed or empty answer) would fail the same way again and fails at once.
A failure of the deployment's setup (HTTP 401 or 403: the key; 404: the model or the endpoint's path; an
account out of credit; no connection at all: the host or port) is no fault of the paper: `refused` tells it
apart, so it does not count against the paper's attempts.
The wait doubles from `backoff` with equal jitter (half fixed, half random, so a crowd of workers spreads out)
up to `max_backoff`; a `Retry-After` from the provider is obeyed instead, whatever our own schedule says. No
wait ever runs past the request's deadline: the call fails then, with the reason of its last attempt.
"""
from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar


from services.fetcher.download import retry_after
from services.summarizer.summarize import SummaryError

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_STATUS = {408, 409, 429}
SETUP_STATUS = {401, 403, 404}
# Error codes that refuse the account, not the request: OpenAI's quota used up (a 429 no wait mends) and
# DashScope's account in arrears.
ACCOUNT_CODES = {"insufficient_quota", "Arrearage"}


def retryable(exc: BaseException) -> bool:
    import openai  # here, not at the top: a process that never asks an LLM never loads it (~30 MB)

    if isinstance(exc, openai.APIStatusError):
        return exc.code not in ACCOUNT_CODES and (exc.status_code in RETRY_STATUS or exc.status_code >= 500)
    return isinstance(exc, (openai.APIConnectionError, TimeoutError))  # APITimeoutError is a connection error


def refused(exc: BaseException) -> bool:
    """Whether the provider refused the key, the model, the URL or the account, or could not be reached at all
    (after the retries): every other paper would fail the same way. A timeout is not one: a long paper may cause it."""
    import openai  # here, not at the top: a process that never asks an LLM never loads it (~30 MB)

    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in SETUP_STATUS or exc.code in ACCOUNT_CODES
    return isinstance(exc, openai.APIConnectionError) and not isinstance(exc, openai.APITimeoutError)


def server_wait(exc: BaseException) -> float | None:
    """The provider's Retry-After (seconds or an HTTP date; `retry-after-ms` too), if it sent one."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    return retry_after(value, -1.0) if value else None  # -1: present but unreadable, so our own schedule


def cause(exc: BaseException) -> str:
    """A short label for metrics: 429, 5xx, 408, timeout, connection."""
    import openai  # here, not at the top: a process that never asks an LLM never loads it (~30 MB)

    if isinstance(exc, openai.APIStatusError):
        return "5xx" if exc.status_code >= 500 else str(exc.status_code)
    return "timeout" if isinstance(exc, openai.APITimeoutError | TimeoutError) else "connection"


def reason(exc: BaseException) -> str:
    """One line a reader understands, for the summary's error and the log."""
    import openai  # here, not at the top: a process that never asks an LLM never loads it (~30 MB)

    if isinstance(exc, openai.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        message = body.get("message") if isinstance(body.get("message"), str) else str(exc)
        return f"HTTP {exc.status_code} from the model: {message}".splitlines()[0][:300]
    if isinstance(exc, openai.APITimeoutError | TimeoutError):
        return "the model did not answer in time"
    if isinstance(exc, openai.APIConnectionError):
        return f"connection to the model failed: {exc.__cause__ or exc}".splitlines()[0][:300]
    if isinstance(exc, json.JSONDecodeError | openai.APIResponseValidationError):
        return "the model's answer was malformed"
    if isinstance(exc, SummaryError):
        return str(exc)
    text = str(exc).splitlines()[0][:300] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Backoff:
    def __init__(self, retries: int, base: float, cap: float, rng: random.Random | None = None):
        self.retries, self.base, self.cap = retries, base, cap
        self.rng = rng or random.Random()

    def wait(self, attempt: int, exc: BaseException) -> float:
        told = server_wait(exc)
        if told is not None and told >= 0:
            return told
        ceiling = min(self.cap, self.base * 2 ** attempt)
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)


async def with_retries(call: Callable[[], Awaitable[T]], backoff: Backoff, deadline: float, what: str,
                       on_retry: Callable[[str], object] | None = None) -> T:
    """`call()` until it succeeds, a failure is final, the retries are spent or the next wait would pass
    `deadline` (on the event loop's clock); then its last failure is raised."""
    loop = asyncio.get_running_loop()
    for attempt in range(backoff.retries + 1):
        try:
            return await call()
        except Exception as exc:
            if not retryable(exc) or attempt == backoff.retries:
                raise
            wait = backoff.wait(attempt, exc)
            if loop.time() + wait >= deadline:
                log.info("%s: %s; a retry in %.1f s would pass the deadline", what, reason(exc), wait)
                raise
            log.info("%s: %s; retry %d of %d in %.1f s", what, reason(exc), attempt + 1, backoff.retries, wait)
            if on_retry is not None:
                on_retry(cause(exc))
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")  # the last attempt returns or raises
