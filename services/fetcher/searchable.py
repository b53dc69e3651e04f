"""Making backfilled papers searchable: their full-text documents, computed in bulk once the harvest is stored.

The backfill stores pages with the search index deferred (shared/models/search.py): a document costs about
twice what storing its paper does, and one bulk pass afterwards is cheaper than a row at a time inside each
page's transaction. Until this pass ends, those papers are stored but not found by the API's search; the
backfill runs it before it exits (after a crash, the next run does, whatever run stored them). Two ranges are
indexed at once on two connections: each PostgreSQL backend computes its documents on its own core.
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
