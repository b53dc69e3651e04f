"""How a long command shows where it is: a bar redrawn in place on a terminal, plain log lines elsewhere."""
from __future__ import annotations

import logging
import time
from typing import TextIO

from services.fetcher.backfill import Tally

log = logging.getLogger("arxiv_bot")
WIDTH = 30


def bar(tally: Tally) -> str:
    """`[#########.....]  45% 5,000/11,000 records  5 pages  2,431 records/s`; no bar without a total."""
    counts = f"{tally.records:,} records  {tally.pages:,} pages  {tally.rate:,.0f} records/s"
    if not tally.total:
        return counts
    share = min(1.0, tally.records / tally.total)
    filled = int(share * WIDTH)
    return f"[{'#' * filled}{'.' * (WIDTH - filled)}] {share:4.0%} {tally.records:,}/{tally.total:,} " + counts[
        len(f"{tally.records:,} "):]


class Progress:
    def __init__(self, stream: TextIO, tty: bool, every: float = 0.2):
        self.stream, self.tty, self.every = stream, tty, every
        self.last = 0.0

    def __call__(self, tally: Tally) -> None:
        if not self.tty:
            log.info("backfill %s: page %d, %s", tally.key, tally.pages, bar(tally))
            return
        now = time.monotonic()
        if now - self.last >= self.every or tally.done:
            self.last = now
            self.stream.write("\r\033[K" + bar(tally))  # back to the line's start, clear it, redraw
            self.stream.flush()

    def close(self) -> None:
        if self.tty and self.last:
            self.stream.write("\n")
            self.stream.flush()
