"""The rpm and tpm buckets, on a clock the test moves: waits, debts, deadlines."""
from __future__ import annotations

import pytest

from services.summarizer.limits import LimitWaitTooLong, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_without_limits_nothing_waits() -> None:
    clock = Clock()
    limiter = RateLimiter(None, None, clock, clock.sleep)
    for _ in range(100):
        assert await limiter.acquire(10**9) == 0
    assert clock.slept == []


async def test_requests_per_minute_allow_a_minutes_burst_then_the_pace() -> None:
    clock = Clock()
    limiter = RateLimiter(3, None, clock, clock.sleep)
    waits = [await limiter.acquire(0) for _ in range(5)]
    assert waits[:3] == [0, 0, 0] and waits[3] == pytest.approx(20) and waits[4] == pytest.approx(20)


async def test_tokens_per_minute_hold_a_request_until_its_tokens_are_back() -> None:
    clock = Clock()
    limiter = RateLimiter(None, 6_000, clock, clock.sleep)
    assert await limiter.acquire(5_000) == 0
    assert await limiter.acquire(3_000) == pytest.approx(20)  # 2,000 missing at 100 tokens/s
    assert await limiter.acquire(10**9) == pytest.approx(60)  # more than a minute's worth waits for a full bucket


async def test_settling_a_request_that_used_more_than_estimated_puts_the_bucket_in_debt() -> None:
    clock = Clock()
    limiter = RateLimiter(None, 6_000, clock, clock.sleep)
    await limiter.acquire(1_000)
    limiter.settle(1_000, 7_000)  # the answer was long: 6,000 more than reserved
    assert await limiter.acquire(6_000) == pytest.approx(70)  # from -1,000 back to 6,000 at 100 tokens/s


async def test_a_wait_past_the_deadline_is_refused_at_once() -> None:
    clock = Clock()
    limiter = RateLimiter(1, None, clock, clock.sleep)
    await limiter.acquire(0)
    with pytest.raises(LimitWaitTooLong, match="60 s"):
        await limiter.acquire(0, deadline=clock.now + 30)
    assert clock.slept == []
    assert await limiter.acquire(0, deadline=clock.now + 90) == pytest.approx(60)
