"""The memory cache on the real PostgreSQL store: a hit runs no SQL at all, a publication is seen at the next
check, one load serves many concurrent misses, and "nothing published" is remembered too."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from shared.runtime import Env
from services.publisher.cache import ArtifactCache, Missing
from services.publisher.respond import Rendered
from tests.publisher.day import papers, publish_day


@contextmanager
def statements(env: Env) -> Iterator[list[str]]:
    """Every SQL statement the env's engine runs meanwhile."""
    engine = env.sessions.kw["bind"].sync_engine
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_hit_runs_no_sql_and_a_publication_is_seen_at_the_next_check(pg_env: Env) -> None:
    await publish_day(pg_env, papers(3, day=60000))
    clock = Clock()
    cache = ArtifactCache(lambda: pg_env.sessions, check_seconds=1.0, clock=clock)
    first = await cache.get(("default", "feed.rss"))
    assert isinstance(first, Rendered) and cache.loads == 1
    with statements(pg_env) as sql:
        for _ in range(100):
            assert cache.peek(("default", "feed.rss")) is first
            assert await cache.get(("default", "feed.rss")) is first
        await asyncio.sleep(0)
    assert sql == [] and cache.loads == 1
    await publish_day(pg_env, papers(3, day=61000))
    assert await cache.get(("default", "feed.rss")) is first  # within the second: what is in memory
    clock.now = 1.5
    with statements(pg_env) as sql:
        fresh = await cache.get(("default", "feed.rss"))
    assert fresh is not first and b"2411.61001" in fresh.variants["identity"].body
    assert len(sql) == 3  # the version check, then the profile and the artifact


async def test_a_due_check_on_a_hit_runs_in_the_background(pg_env: Env) -> None:
    await publish_day(pg_env, papers(2, day=62000))
    clock = Clock()
    cache = ArtifactCache(lambda: pg_env.sessions, check_seconds=1.0, clock=clock)
    first = await cache.get(("default", "index.html"))
    await publish_day(pg_env, papers(2, day=63000))
    clock.now = 2.0
    assert cache.peek(("default", "index.html")) is first  # answered now, from memory
    await cache.check()  # the background check it started (shared, not a second one)
    assert cache.peek(("default", "index.html")) is None  # a new version: loaded again on the next request


async def test_concurrent_misses_load_once_and_absence_is_remembered(pg_env: Env) -> None:
    await publish_day(pg_env, papers(2, day=64000))
    cache = ArtifactCache(lambda: pg_env.sessions, check_seconds=60.0)
    results = await asyncio.gather(*(cache.get(("default", "feed.atom")) for _ in range(20)))
    assert all(r is results[0] for r in results) and cache.loads == 1
    missing = await cache.get(("default", "feeds/math.AG.rss"))
    assert isinstance(missing, Missing) and "feeds/math.AG.rss" in missing.detail
    assert isinstance(await cache.get(("nobody", "feed.rss")), Missing)
    with statements(pg_env) as sql:
        assert isinstance(await cache.get(("default", "feeds/math.AG.rss")), Missing)
    assert sql == [] and cache.loads == 3


async def test_a_store_that_does_not_answer_leaves_what_is_in_memory(pg_env: Env) -> None:
    await publish_day(pg_env, papers(2, day=65000))
    clock = Clock()
    broken = {"on": False}

    def sessions():  # noqa: ANN202
        if broken["on"]:
            raise ConnectionError("the store is down")
        return pg_env.sessions

    cache = ArtifactCache(sessions, check_seconds=1.0, clock=clock)
    first = await cache.get(("default", "feed.json"))
    broken["on"], clock.now = True, 5.0
    assert await cache.get(("default", "feed.json")) is first
