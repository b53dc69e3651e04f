"""The fetcher's cron schedule (services/fetcher/schedule.py): the fire times computed, never slept for,
across weeks and daylight saving changes; and the scheduler requesting one fetch per fire time, on both stores."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from shared.models import FetchRun
from shared.runtime import Env
from services.fetcher.schedule import Cron, CronError, Scheduler, periodic_for
from tests.conftest import settings_for

NY = ZoneInfo("America/New_York")
UTC = timezone.utc


def fires(cron: Cron, start: datetime, count: int) -> list[datetime]:
    times, moment = [], start
    for _ in range(count):
        moment = cron.next_after(moment)
        assert moment is not None
        times.append(moment)
    return times


def local(moments: list[datetime], zone: ZoneInfo = NY) -> list[str]:
    return [m.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z") for m in moments]


def test_the_default_fires_at_2030_new_york_sunday_to_thursday_across_the_spring_change() -> None:
    cron = Cron.parse("30 20 * * 0-4", "America/New_York")
    got = fires(cron, datetime(2026, 3, 5, tzinfo=UTC), 6)
    assert local(got) == ["Wed 2026-03-04 20:30 EST", "Thu 2026-03-05 20:30 EST", "Sun 2026-03-08 20:30 EDT",
                          "Mon 2026-03-09 20:30 EDT", "Tue 2026-03-10 20:30 EDT", "Wed 2026-03-11 20:30 EDT"]
    # In UTC the same local time moves by an hour when New York changes clocks.
    assert [g.strftime("%H:%M") for g in got] == ["01:30", "01:30", "00:30", "00:30", "00:30", "00:30"]
    assert all(g.tzinfo == UTC for g in got)


def test_the_default_across_the_autumn_change() -> None:
    got = fires(Cron.parse("30 20 * * 0-4", "America/New_York"), datetime(2026, 10, 29, tzinfo=UTC), 3)
    assert local(got) == ["Wed 2026-10-28 20:30 EDT", "Thu 2026-10-29 20:30 EDT", "Sun 2026-11-01 20:30 EST"]


def test_a_time_skipped_in_spring_fires_once_when_the_clock_jumps_past_it() -> None:
    got = fires(Cron.parse("30 2 * * *", "America/New_York"), datetime(2026, 3, 7, 12, tzinfo=UTC), 3)
    assert local(got) == ["Sun 2026-03-08 03:30 EDT", "Mon 2026-03-09 02:30 EDT", "Tue 2026-03-10 02:30 EDT"]


def test_a_time_repeated_in_autumn_fires_once_at_its_first_occurrence() -> None:
    cron = Cron.parse("30 1 * * *", "America/New_York")
    got = fires(cron, datetime(2026, 10, 31, 12, tzinfo=UTC), 2)
    assert [g.isoformat() for g in got] == ["2026-11-01T05:30:00+00:00", "2026-11-02T06:30:00+00:00"]
    # Asked during the repeated hour (after its first 01:30), it does not fire again that night.
    second_pass = datetime(2026, 11, 1, 6, 10, tzinfo=UTC)  # 01:10 EST, the second 01:10 of the night
    assert cron.next_after(second_pass) == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)


def test_every_quarter_hour_keeps_its_step_through_the_repeated_hour_without_going_back() -> None:
    cron = Cron.parse("*/15 * * * *", "America/New_York")
    got = fires(cron, datetime(2026, 11, 1, 5, 40, tzinfo=UTC), 4)
    assert all(later > earlier for earlier, later in zip(got, got[1:], strict=False))
    assert got[0] == datetime(2026, 11, 1, 5, 45, tzinfo=UTC)


@pytest.mark.parametrize("expression, start, first", [
    ("0 9 * * mon-fri", datetime(2026, 1, 3, tzinfo=UTC), datetime(2026, 1, 5, 9, tzinfo=UTC)),  # Sat -> Mon
    ("0 0 1 jan,jul *", datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)),
    ("0 12 * * 7", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 4, 12, tzinfo=UTC)),  # 7 is Sunday
    ("15 10-14/2 * * *", datetime(2026, 1, 1, 10, 15, tzinfo=UTC), datetime(2026, 1, 1, 12, 15, tzinfo=UTC)),
    ("0 0 29 2 *", datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 2, 29, tzinfo=UTC)),
    # Both day fields restricted: either one suffices (the 13th, or any Friday).
    ("0 0 13 * 5", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)),
    ("0 0 13 * *", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 13, tzinfo=UTC)),
    ("5 4 * * *", datetime(2026, 1, 1, 4, 5, tzinfo=UTC), datetime(2026, 1, 2, 4, 5, tzinfo=UTC)),  # strictly after
])
def test_cron_fields(expression: str, start: datetime, first: datetime) -> None:
    assert Cron.parse(expression).next_after(start) == first


@pytest.mark.parametrize("expression, message", [
    ("30 20 * *", "5 fields"), ("61 * * * *", "minute field: 61 is outside 0-59"),
    ("* 24 * * *", "hour field"), ("* * 0 * *", "day field"), ("* * * 13 *", "month field"),
    ("* * * * 8", "weekday field"), ("* * * * fri-mon", "runs backwards"), ("x * * * *", "not a number"),
    ("*/0 * * * *", "outside 1-59"), ("0 0 30 2 *", "never fires"),
])
def test_a_bad_schedule_is_refused_with_its_reason(expression: str, message: str) -> None:
    with pytest.raises(CronError, match=message):
        Cron.parse(expression)


def test_settings_refuse_an_unknown_time_zone_and_an_empty_schedule_disables() -> None:
    with pytest.raises(ValueError, match="not an IANA time zone"):
        settings_for(None, fetch_timezone="Mars/Olympus")
    assert periodic_for(settings_for(None, fetch_schedule="")) is None
    with pytest.raises(CronError):
        periodic_for(settings_for(None, fetch_schedule="every day"))


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def runs(env: Env) -> list[FetchRun]:
    async with env.sessions() as session:
        return list(await session.exec(select(FetchRun)))


async def test_the_scheduler_requests_one_fetch_per_fire_time(store_env: Env) -> None:
    clock = Clock(datetime(2026, 3, 4, 20, 0, tzinfo=NY))
    store_env.clock = clock
    scheduler = Scheduler(Cron.parse("30 20 * * 0-4", "America/New_York"), clock())
    assert not await scheduler.tick(store_env) and await runs(store_env) == []
    clock.now = datetime(2026, 3, 4, 20, 30, 5, tzinfo=NY)
    assert await scheduler.tick(store_env)
    assert not await scheduler.tick(store_env)  # the same fire time is not requested twice
    [run] = await runs(store_env)
    assert (run.reason, run.stage) == ("schedule", "requested")
    assert scheduler.next_at == datetime(2026, 3, 5, 20, 30, tzinfo=NY)


async def test_two_schedulers_firing_at_once_start_one_fetch(store_env: Env) -> None:
    # Two fetcher replicas with the same schedule: request_fetch's lock and coalescing make one run.
    clock = Clock(datetime(2026, 3, 4, 20, 29, tzinfo=NY))
    store_env.clock = clock
    cron = Cron.parse("30 20 * * 0-4", "America/New_York")
    first, second = Scheduler(cron, clock()), Scheduler(cron, clock())
    clock.now += timedelta(minutes=1, seconds=1)
    assert await asyncio.gather(first.tick(store_env), second.tick(store_env)) == [True, True]
    assert len(await runs(store_env)) == 1


async def test_the_services_periodic_task_follows_the_schedule(store_env: Env) -> None:
    clock = Clock(datetime(2026, 3, 4, 20, 29, tzinfo=NY))
    store_env.clock = clock
    follow = periodic_for(settings_for(None, fetch_schedule="30 20 * * 0-4", fetch_timezone="America/New_York"))
    assert follow is not None
    await follow(store_env)
    assert await runs(store_env) == []
    clock.now += timedelta(minutes=2)
    await follow(store_env)
    await follow(store_env)
    assert [r.reason for r in await runs(store_env)] == ["schedule"]
