"""Which of a run's candidates a profile reads, and in which order. Pure: candidates in, index arrays out.

A profile reads the feeds of its categories in turn (all feeds, in fetch order, when it names none), keeps
the announce types it asks for (default: new only) inside its days_back window (an item without a date
is kept), and drops a later item whose id or title it has already seen. The reference bot de-duplicates
before it looks at the type, so a paper first seen as a cross-list is lost even when a later feed lists it
as new; `words` de-duplicates among the items it keeps, and compares titles by their folded words.

Profiles that read alike share one reading; each is computed with numpy, and de-duplication, the one
sequential step, only walks the items when a duplicate is actually there.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

from services.scorer.model import Candidate, Profile
from services.scorer.normalize import tokens

_UNDATED = np.iinfo(np.int64).max  # an item without a date is inside every window


def _codes(values: Sequence[str]) -> np.ndarray:
    index: dict[str, int] = {}
    return np.array([index.setdefault(v, len(index)) for v in values], dtype=np.int64)


class Readings:
    """The readings of one run's candidates, cached per kind of profile."""

    def __init__(self, candidates: Sequence[Candidate], today: date):
        self.candidates = candidates
        self.today = today
        self._types = {t: np.array([c.announce_type == t for c in candidates], dtype=bool)
                       for t in {c.announce_type for c in candidates}}
        self._days = np.array([c.announced.toordinal() if c.announced else _UNDATED for c in candidates],
                              dtype=np.int64)
        self._by_category: dict[str, list[int]] = {}
        for i, cand in enumerate(candidates):
            self._by_category.setdefault(cand.feed_category, []).append(i)
        self._ids = _codes([c.arxiv_id for c in candidates])
        self._titles: dict[str, np.ndarray] = {}
        self._shared: dict[str, np.ndarray] = {}  # per mode: the items whose id or title another item has
        self._cache: dict[tuple, np.ndarray] = {}

    def _title_codes(self, mode: str) -> np.ndarray:
        if mode not in self._titles:
            if mode == "reference":
                keys = [c.title.lower() for c in self.candidates]
            else:
                keys = [" ".join(tokens(c.title)) for c in self.candidates]
            titles = self._titles[mode] = _codes(keys)
            self._shared[mode] = (np.bincount(self._ids)[self._ids] > 1) | (np.bincount(titles)[titles] > 1)
        return self._titles[mode]

    def of(self, profile: Profile) -> np.ndarray:
        """Indices of the candidates the profile reads, in its reading order."""
        key = (profile.mode, profile.categories, profile.announce_types, profile.days_back, profile.deduplicate)
        if key not in self._cache:
            self._cache[key] = self._read(profile)
        return self._cache[key]

    def _read(self, profile: Profile) -> np.ndarray:
        if profile.categories:
            order = np.array([i for cat in dict.fromkeys(profile.categories)
                              for i in self._by_category.get(cat, ())], dtype=np.int64)
        else:
            order = np.arange(len(self.candidates), dtype=np.int64)
        wanted = np.zeros(len(self.candidates), dtype=bool)
        for kind in profile.announce_types:
            wanted |= self._types.get(kind, False)
        oldest = (self.today - timedelta(days=profile.days_back)).toordinal()
        wanted &= self._days >= oldest
        if not profile.deduplicate:
            return order[wanted[order]]
        titles, ids = self._title_codes(profile.mode), self._ids
        if profile.mode != "reference":
            order = order[wanted[order]]
        # Only an item that shares its id or title with another can be dropped, or make another be dropped.
        dropped = np.zeros(len(self.candidates), dtype=bool)
        seen_ids: set[int] = set()
        seen_titles: set[int] = set()
        for i in order[self._shared[profile.mode][order]].tolist():
            if ids[i] in seen_ids or titles[i] in seen_titles:
                dropped[i] = True
            else:
                seen_ids.add(int(ids[i]))
                seen_titles.add(int(titles[i]))
        return order[(wanted & ~dropped)[order]]
