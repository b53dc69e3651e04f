"""One `run --once` at a time on a SQLite store.

`run --once` takes over a fetch that is still "requested" when it finds one, because a process of its own can
only find one that a crash left behind. Two at once on one store (a cron job overlapping a run by hand) broke
that: the second took over the first's live fetch and failed with a traceback. Holding an exclusive lock on the
store file for the whole run makes the premise true: the second waits for the first, then runs.

The lock is flock(2) on the database file itself, which SQLite never uses (its own locks are POSIX fcntl
locks, independent of flock on Linux and the BSDs), so no extra file is left beside the store. POSIX locks have
one trap: closing *any* descriptor of a file drops every fcntl lock the process holds on it, SQLite's included.
The descriptor here is closed only after the run has closed all its connections. Where flock does not exist
(Windows), and for PostgreSQL, runs are not serialised: the fetch lock and coalescing still hold.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator

from shared.snapshot import sqlite_file

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)
POLL_SECONDS = 0.2


@contextlib.asynccontextmanager
async def exclusive_store(url: str) -> AsyncIterator[None]:
    """Hold the store for the body; wait (saying so once) while another process holds it. Close every
    connection to the store before leaving the body."""
    path = sqlite_file(url)
    if path is None or fcntl is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)  # as making the store would
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waited:
                    log.warning("another `arxiv-bot run --once` is using %s: waiting for it to finish", path)
                    waited = True
                # Asked again rather than waited for in a thread: Ctrl-C ends the wait at once.
                await asyncio.sleep(POLL_SECONDS)
        yield
    finally:
        os.close(fd)  # releases the flock (and would drop SQLite's locks, were a connection still open)
