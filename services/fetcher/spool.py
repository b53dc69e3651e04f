"""A fetch's papers between their download and their store, on disk: memory holds one feed and an index.

A day's feeds list thousands of papers, each with its abstract and authors; held until every feed is in, they
were most of a fetch's memory, which grew with the day (165 MB at the end of a 12,507-item fetch against 119 MB
for a 533-item one). The items are written to a temporary file a batch at a time while a feed is parsed; what
stays is, per paper, which sighting to store (its newest version, the first one seen of that version) and the
union of the categories every feed gave it, the same merge as holding them all would give.

A feed's items count only once it is known to be a new announcement: `commit()` takes what was added since the
last commit, `discard()` forgets it (a stale feed, whose papers the run takes from the last run; a feed that
broke halfway through).
"""
from __future__ import annotations

import pickle
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from typing import IO

from services.fetcher.arxiv import FeedItem


class Spool:
    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="arxiv-bot-fetch-")
        self._chunks: list[int] = []  # file offset of each batch of items
        # arxiv id -> (version, chunk, position) of the sighting to store, and the paper's categories so far.
        self._chosen: dict[str, tuple[int, int, int, tuple[str, ...]]] = {}
        self._pending: list[tuple[int, list[tuple[str, int, tuple[str, ...]]]]] = []  # added, not committed

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def __len__(self) -> int:
        return len(self._chosen)

    def ids(self) -> list[str]:
        return list(self._chosen)

    def add(self, items: list[FeedItem]) -> None:
        """Keep a batch of a feed's items (the caller can let them go), pending until `commit()`."""
        chunk = len(self._chunks)
        self._file.seek(0, 2)
        self._chunks.append(self._file.tell())
        pickle.dump(items, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._pending.append((chunk, [(sys.intern(i.arxiv_id), i.version, tuple(sys.intern(c) for c in i.categories))
                                      for i in items]))

    def discard(self) -> None:
        """Forget what was added since the last commit, on disk too: pending batches are the file's last ones,
        so a stale feed's items are neither kept nor read back by `papers()`."""
        if self._pending:
            first = self._pending[0][0]
            self._file.truncate(self._chunks[first])
            del self._chunks[first:]
        self._pending = []

    def commit(self) -> None:
        for chunk, entries in self._pending:
            for position, (arxiv_id, version, categories) in enumerate(entries):
                self._merge(arxiv_id, version, chunk, position, categories)
        self._pending = []

    def _merge(self, arxiv_id: str, version: int, chunk: int, position: int, categories: tuple[str, ...]) -> None:
        seen = self._chosen.get(arxiv_id)
        if seen is None:
            self._chosen[arxiv_id] = (version, chunk, position, categories)
            return
        # The newest version's categories first (its first is the primary), then the others'.
        newer, known = version > seen[0], seen[3]
        if categories != known:
            categories = tuple(dict.fromkeys((*categories, *known) if newer else (*known, *categories)))
        if newer:
            self._chosen[arxiv_id] = (version, chunk, position, categories)
        elif categories != known:
            self._chosen[arxiv_id] = (*seen[:3], categories)

    def papers(self) -> Iterator[FeedItem]:
        """One item per paper, each merged as above, read back a batch at a time."""
        self._file.flush()
        for chunk, offset in enumerate(self._chunks):
            self._file.seek(offset)
            items: list[FeedItem] = pickle.load(self._file)  # noqa: S301 - our own file, written above
            for position, item in enumerate(items):
                chosen = self._chosen.get(item.arxiv_id)
                if chosen is None or chosen[1:3] != (chunk, position):  # another sighting, or discarded
                    continue
                categories = chosen[3]
                yield item if tuple(item.categories) == categories else replace(item, categories=list(categories))
