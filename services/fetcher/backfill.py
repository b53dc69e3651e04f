"""`arxiv-bot backfill`: fill the store with the past from OAI-PMH, every record once, resumable after a crash.

Each page's papers and the token of the page after it are committed in one transaction (`backfill_state`,
keyed by metadataPrefix|set|from|until), so a process killed at any point resumes at the first page it had
not stored: a page is never half-stored, and a stored page is never needed again (fetching it twice would
still store nothing twice: papers are upserted by id, and a newer stored version is never overwritten).

Pages are stored with the full-text search index deferred; once the harvest has ended (or stopped on an
error), every stored paper still lacking its search document gets it in one bulk pass
(services/fetcher/searchable.py) before `backfill` returns, so the window in which backfilled papers are
stored but not yet found by the API's search closes before the command exits (a killed run leaves it open
until the next run of the command closes it).

Backfilled papers are only stored: no run is written and no message is emitted, so no digest, score or
summary follows from them.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared.repository import Repository
from shared.runtime import Env

from services.fetcher.backfill_rows import Parsed, row_maker
from services.fetcher.oai import Harvest, OaiError
from services.fetcher.oai_harvest import list_records
from services.fetcher.polite import arxiv_client
from services.fetcher.searchable import Indexed, index_unsearchable

log = logging.getLogger(__name__)


@dataclass
class Tally:
    """Where a backfill stands; `pages` and `records` include what earlier (crashed) runs stored."""

    key: str
    pages: int = 0
    records: int = 0
    new: int = 0
    written: int = 0
    deleted: int = 0
    bad: int = 0
    total: int | None = None  # completeListSize, when the server says
    resumed: bool = False
    done: bool = False
    already_done: bool = False
    started: float = field(default_factory=time.monotonic)
    this_run: int = 0  # records read by this process (the rate's numerator)
    searchable: Indexed = field(default_factory=Indexed)  # the search documents filled in after the harvest

    @property
    def rate(self) -> float:
        return self.this_run / max(time.monotonic() - self.started, 1e-6)

    def summary(self) -> str:
        indexed = (f"; {self.searchable.papers:,} stored papers made searchable in {self.searchable.seconds:.1f} s"
                   if self.searchable.papers else "")
        if self.already_done:
            return (f"backfill {self.key} was already complete: {self.records:,} records in {self.pages:,} pages "
                    f"(--restart to harvest it again){indexed}")
        unchanged = self.this_run - self.written
        return (f"backfill {self.key} {'complete' if self.done else 'stopped'}: {self.records:,} records in "
                f"{self.pages:,} pages{' (resumed)' if self.resumed else ''}; this run: {self.this_run:,} records, "
                f"{self.new:,} new, {self.written - self.new:,} updated, {unchanged:,} unchanged, "
                f"{self.deleted:,} deleted at arXiv, {self.bad:,} skipped{indexed}")


async def backfill(env: Env, harvest: Harvest, *, restart: bool = False,
                   on_page: Callable[[Tally], None] = lambda tally: None) -> Tally:
    """Harvest, then make every stored paper searchable (services/fetcher/searchable.py) before returning,
    whether the harvest ended, stopped on an error (what it stored stays, searchable), or had nothing to do."""
    tally = Tally(harvest.key)
    try:
        await _harvest(env, harvest, tally, restart, on_page)
    except Exception:
        with contextlib.suppress(Exception):  # the harvest's own error is the one to tell
            tally.searchable = await index_unsearchable(env)
        raise
    tally.searchable = await index_unsearchable(env)
    return tally


async def _harvest(env: Env, harvest: Harvest, tally: Tally, restart: bool,
                   on_page: Callable[[Tally], None]) -> None:
    async with env.sessions() as session, session.begin():
        repo = Repository(session)
        state = await repo.backfill_state(harvest.key)
        if restart and state is not None:
            await repo.forget_backfill(state)
            state = None
    if state is not None and state.status == "done":
        tally.pages, tally.records, tally.already_done, tally.done = state.pages, state.records, True, True
        return
    token = state.resumption_token if state is not None else None
    if token and state is not None:
        tally.pages, tally.records, tally.total, tally.resumed = (state.pages, state.records,
                                                                  state.complete_list_size, True)
        log.info("backfill %s: resuming after %d pages (%d records) from its stored token", harvest.key,
                 state.pages, state.records)
    client = arxiv_client(env.settings)
    # The next page downloads (services/fetcher/oai_harvest.py) and is made rows (in a thread:
    # services/fetcher/backfill_rows.py) while this one is stored: PostgreSQL works on its own core meanwhile.
    # Still one request at a time, and a page's state is committed with its papers, in order.
    ahead: asyncio.Queue[Parsed | BaseException | None] = asyncio.Queue(maxsize=1)
    # On PostgreSQL two pages are stored at once, on two connections (each backend has a core); page N+1
    # commits its state only after page N did.
    at_once = 2 if (env.settings.database_url or "").startswith("postgres") else 1
    in_flight: list[tuple[Parsed, asyncio.Task]] = []
    pages, records = tally.pages, tally.records
    reader = asyncio.create_task(_read(env, harvest, token, client, ahead))
    try:
        while (item := await ahead.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            pages, records = pages + 1, records + item.records
            tally.total = item.complete_list_size if item.complete_list_size is not None else tally.total
            before = in_flight[-1][1] if in_flight else None
            in_flight.append((item, asyncio.create_task(
                _store(env, harvest, item, (pages, records, tally.total), before))))
            if len(in_flight) >= at_once:
                await _finish(harvest, tally, *in_flight.pop(0), on_page)
        while in_flight:
            await _finish(harvest, tally, *in_flight.pop(0), on_page)
    except OaiError as exc:
        if exc.code == "badResumptionToken" and tally.resumed and tally.this_run == 0:
            raise OaiError(exc.code, f"{exc.message} (the stored token of this backfill has expired: run it "
                                     "again with --restart; what is stored stays)") from None
        raise
    finally:
        for task in [reader, *(task for _, task in in_flight)]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await client.aclose()


async def _read(env: Env, harvest: Harvest, token: str | None, client: Any, ahead: asyncio.Queue) -> None:
    try:
        async for parsed in list_records(client, env.settings, harvest, token, row_maker(env.clock)):
            await ahead.put(parsed)
    except Exception as exc:  # noqa: BLE001 - handed to the storing side, which raises it
        await ahead.put(exc)
        return
    await ahead.put(None)


async def _store(env: Env, harvest: Harvest, page: Parsed, position: tuple[int, int, int | None],
                 before: asyncio.Task | None) -> tuple[int, int]:
    """One page's papers and the harvest's state after it, in one transaction that commits after the page
    before it did (its failure rolls this one back too)."""
    pages, records, total = position
    async with env.sessions() as session, session.begin():
        repo = Repository(session)
        counts = await repo.store_backfilled(page.rows)
        if before is not None:
            await before
        await repo.save_backfill_state(harvest.key, token=page.token, status="running" if page.token else "done",
                                       pages=pages, records=records, complete_list_size=total, now=env.clock())
    return counts


async def _finish(harvest: Harvest, tally: Tally, page: Parsed, task: asyncio.Task,
                  on_page: Callable[[Tally], None]) -> None:
    new, written = await task
    tally.pages += 1
    tally.records += page.records
    tally.this_run += page.records
    tally.deleted += page.deleted
    tally.bad += page.bad
    tally.new += new
    tally.written += written
    tally.done = not page.token
    if page.odd:
        arxiv_id, names = page.odd[0]
        log.warning("backfill %s page %d: %d records named things that are not arXiv categories, left out of "
                    "their categories (e.g. %s: %s)", harvest.key, tally.pages, len(page.odd), arxiv_id,
                    ", ".join(names))
    on_page(tally)
