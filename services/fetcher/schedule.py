"""The fetcher's own schedule: a 5-field cron expression in a time zone, and the loop that follows it.

`Cron.parse("30 20 * * 0-4")` understands what cron does: `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`,
lists `a,b`, month and weekday names (jan, mon), weekday 7 as Sunday, and cron's rule that when both the day
of the month and the weekday are restricted a day matching either fires. Times are local to the zone, computed
with zoneinfo, so "20:30 New York" stays 20:30 local across daylight saving changes. Across a change:
- a local time that does not exist (the hour skipped in spring) fires once, at the moment the clock jumped
  past it (02:30 on that day is 03:30 daylight time);
- a local time that happens twice (the hour repeated in autumn) fires once, at its first occurrence.

`Scheduler.tick` (called by the service's periodic sweep) requests a fetch once each time a fire time has
passed; request_fetch's lock and coalescing make two fetcher replicas firing together start one run.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from shared.config import ConfigError, load_config
from shared.runtime import Env, Periodic
from shared.settings import Settings

from services.fetcher.trigger import request_fetch

log = logging.getLogger(__name__)
NAMES = {"month": ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
         "weekday": ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]}
FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12), ("weekday", 0, 7))
SEARCH_DAYS = 366 * 8 + 2  # far enough for 29 February on a Monday; a schedule that never fires is refused


class CronError(ConfigError):
    pass


def _number(text: str, name: str, low: int, high: int) -> int:
    names = NAMES.get(name, [])
    if text.lower() in names:
        return names.index(text.lower()) + (1 if name == "month" else 0)
    if not text.isdigit():
        raise CronError(f"{name} field: {text!r} is not a number{' or a name' if names else ''}")
    value = int(text)
    if not low <= value <= high:
        raise CronError(f"{name} field: {value} is outside {low}-{high}")
    return value


def _field(text: str, name: str, low: int, high: int) -> tuple[frozenset[int], bool]:
    """The values a field allows, and whether it is unrestricted (`*`)."""
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = _number(step_text, name, 1, high) if step_text else 1
        if body == "*":
            start, end = low, high
        elif "-" in body:
            first, _, last = body.partition("-")
            start, end = _number(first, name, low, high), _number(last, name, low, high)
            if start > end:
                raise CronError(f"{name} field: range {body} runs backwards")
        else:
            start = _number(body, name, low, high)
            end = high if step_text else start
        values.update(range(start, end + 1, step))
    if name == "weekday" and 7 in values:
        values = (values - {7}) | {0}
    return frozenset(values), text == "*"


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool
    any_weekday: bool
    zone: ZoneInfo

    @classmethod
    def parse(cls, expression: str, zone: str = "UTC") -> Cron:
        parts = expression.split()
        if len(parts) != 5:
            raise CronError(f"{expression!r}: a cron schedule has 5 fields (minute hour day month weekday), "
                            f"not {len(parts)}")
        (minutes, _), (hours, _), (days, any_day), (months, _), (weekdays, any_weekday) = (
            _field(part, *spec) for part, spec in zip(parts, FIELDS, strict=True))
        cron = cls(minutes, hours, days, months, weekdays, any_day, any_weekday, ZoneInfo(zone))
        if cron.next_after(datetime(2000, 1, 1, tzinfo=timezone.utc)) is None:
            raise CronError(f"{expression!r} never fires")
        return cron

    def _day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        in_month, in_week = day.day in self.days, (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:  # cron: only when both are restricted does either one suffice
            return in_month and in_week
        return in_month or in_week

    def next_after(self, moment: datetime) -> datetime | None:
        """The first fire time strictly after `moment` (zone-aware), in UTC; None if there is none."""
        local = moment.astimezone(self.zone)
        times = [time(h, m) for h in sorted(self.hours) for m in sorted(self.minutes)]
        for offset in range(SEARCH_DAYS):
            day = local.date() + timedelta(days=offset)
            if not self._day_matches(day):
                continue
            for at in times:
                # fold=0: a repeated time is its first occurrence; a skipped one maps past the jump.
                fire = datetime.combine(day, at, tzinfo=self.zone).astimezone(timezone.utc)
                if fire > moment:
                    return fire
        return None


class Scheduler:
    """Requests a fetch at each fire time. `tick` is cheap: it only acts when a fire time has passed."""

    def __init__(self, cron: Cron, now: datetime):
        self.cron = cron
        self.next_at = cron.next_after(now)  # no catching up on fire times missed while the service was down

    async def tick(self, env: Env) -> bool:
        """Request a fetch if a fire time has passed; True when this call requested (or joined) one."""
        now = env.clock()
        if self.next_at is None or now < self.next_at:
            return False
        due, self.next_at = self.next_at, self.cron.next_after(now)
        config = load_config(env.settings.arxiv_bot_config, missing_ok=True)
        run, started = await request_fetch(env, config, "schedule", env.settings.fetch_coalesce_seconds)
        log.info("scheduled fetch due at %s: %s run %s; next at %s", due.isoformat(),
                 "started" if started else "joined", run.id, self.next_at)
        return True


def periodic_for(settings: Settings) -> Periodic | None:
    """The fetcher service's periodic task (run at each sweep), or None without a schedule. A bad FETCH_SCHEDULE
    stops the service at start-up with the reason, rather than never fetching."""
    expression = settings.fetch_schedule.strip()
    if not expression:
        return None
    try:
        cron = Cron.parse(expression, settings.fetch_timezone)
    except CronError as exc:
        raise CronError(f"FETCH_SCHEDULE {expression[:80]!r}: {exc}") from None
    schedulers: list[Scheduler] = []

    async def follow_schedule(env: Env) -> None:
        if not schedulers:  # built at the first sweep: the clock is the Env's
            schedulers.append(Scheduler(cron, env.clock()))
            log.info("fetch schedule %r (%s): next fetch at %s", expression, settings.fetch_timezone,
                     schedulers[0].next_at)
        await schedulers[0].tick(env)

    return follow_schedule
