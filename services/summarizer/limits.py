"""Requests-per-minute and tokens-per-minute limits: two token buckets shared by the whole process.

Each bucket holds up to a minute's allowance and refills continuously, so a process may start a minute's
worth of requests at once and then goes at the limit's pace. A request takes one request and its estimated
tokens (input plus an allowance for the answer) before it is sent; once the provider reports what it really
used, the difference is settled, so a bucket may go into debt and hold the next requests back. Waiters are
served in arrival order. A wait that would outlast the caller's deadline is refused at once: the paper
fails now with a clear reason instead of holding its message until the broker gives up on it.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class LimitWaitTooLong(RuntimeError):
    pass


class _Bucket:
    def __init__(self, per_minute: int, now: float):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.level = self.capacity
        self.stamp = now

    def refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_for(self, amount: float) -> float:
        """Seconds until `amount` is available (never more than a full bucket is asked for)."""
        missing = min(amount, self.capacity) - self.level
        return max(0.0, missing / self.rate)


class RateLimiter:
    def __init__(self, rpm: int | None, tpm: int | None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.clock, self.sleep = clock, sleep
        now = clock()
        self.requests = _Bucket(rpm, now) if rpm else None
        self.tokens = _Bucket(tpm, now) if tpm else None
        self._turn = asyncio.Lock()

    async def acquire(self, tokens: int, deadline: float | None = None) -> float:
        """Take one request and `tokens`; returns the seconds waited. `deadline` is on `clock`'s scale."""
        if self.requests is None and self.tokens is None:
            return 0.0
        started = self.clock()
        async with self._turn:
            while True:
                now = self.clock()
                wait = 0.0
                for bucket, amount in ((self.requests, 1.0), (self.tokens, float(tokens))):
                    if bucket is not None:
                        bucket.refill(now)
                        wait = max(wait, bucket.wait_for(amount))
                if wait <= 0:
                    break
                if deadline is not None and now + wait > deadline:
                    raise LimitWaitTooLong(f"the rpm/tpm limits would hold this request {wait:.0f} s, past its "
                                           "deadline")
                await self.sleep(wait)
            if self.requests is not None:
                self.requests.level -= 1
            if self.tokens is not None:
                self.tokens.level -= min(float(tokens), self.tokens.capacity)
        return self.clock() - started

    def settle(self, estimated: int, used: int) -> None:
        """Correct the token bucket once the provider has said what the request really cost."""
        if self.tokens is not None:
            self.tokens.refill(self.clock())
            self.tokens.level -= used - min(float(estimated), self.tokens.capacity)
