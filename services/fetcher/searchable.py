"""Making stored papers searchable: their full-text documents, computed in bulk once the papers are stored.

Fetches and the backfill store papers with the search index deferred (shared/models/search.py): a document
costs about twice what storing its paper does, and computing it inside the storing transaction held that
transaction (and so the run's `run.fetched`, and the scorer) back. A fetch relays its outbox as soon as it
commits and then fills in its own papers' documents (`index_run`), while the scorer works; a redelivered
fetch request fills in what a crash left. The backfill runs one bulk pass over the whole store before it exits
(`index_unsearchable`), and the fetcher service runs it once when it starts (after a crash of `arxiv-bot
fetch`, say). Until then those papers are stored but not found by the API's search. The bulk pass indexes two
ranges at once on two connections (each PostgreSQL backend computes on its own core); a fetch uses one, since
the scorer needs the other core at that moment (two were slower end to end: docs/BENCHMARKS.md).
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from shared.repository import Repository
from shared.runtime import Env

log = logging.getLogger(__name__)
RANGE = 2000  # papers per transaction: short transactions, a bounded amount of work lost to a crash


@dataclass
class Indexed:
    papers: int = 0
    seconds: float = 0.0


async def index_run(env: Env, run_id: str) -> int:
    """Give the papers a run listed their search documents where they lack one; how many (0 on SQLite)."""
    async with env.sessions() as session:
        repo = Repository(session)
        if repo.dialect != "postgresql":
            return 0
        ids = sorted({arxiv_id for arxiv_id, _, _ in await repo.run_item_rows(run_id)})
    started = time.monotonic()
    async with env.sessions() as session, session.begin():  # one connection: see above
        indexed = await Repository(session).index_ids(ids)
    if indexed:
        log.info("run %s: %d papers made searchable in %.1f s", run_id, indexed, time.monotonic() - started)
    return indexed


async def index_unsearchable(env: Env, *, size: int = RANGE, workers: int = 2) -> Indexed:
    """Give every stored paper that lacks one its search document; how many, and how long it took."""
    done = Indexed()
    started = time.monotonic()

    async def index(after: str, last: str) -> None:
        async with env.sessions() as session, session.begin():
            indexed = await Repository(session).index_range(after, last)
        done.papers += indexed  # not `+=` on the await: the other range's task may add meanwhile

    running: set[asyncio.Task] = set()
    try:
        after = ""  # every arXiv id sorts after the empty string
        while True:
            async with env.sessions() as session:
                found = await Repository(session).unsearchable_range(after, size)
            if found is None:
                break
            if not after:  # said before a pass that can take minutes on a large store, in which nothing else shows
                log.info("making the stored papers that lack it searchable (full-text documents, in bulk)")
            running.add(asyncio.create_task(index(after, found[0])))
            after = found[0]
            if len(running) >= workers:
                finished, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in finished:
                    task.result()  # a failed range fails the pass
        for task in asyncio.as_completed(running):
            await task
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
    done.seconds = time.monotonic() - started
    if done.papers:
        log.info("made %d stored papers searchable in %.1f s", done.papers, done.seconds)
    return done
