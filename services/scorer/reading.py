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

from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np

from services.scorer.model import Candidate, Profile
from services.scorer.normalize import tokens

_UNDATED = np.iinfo(np.int64).max  # an item without a date is inside every window


def _codes(values: Iterable[str], count: int) -> np.ndarray:
    """Equal values, equal codes: 0, 1, 2... in order of first appearance."""
    index: dict[str, int] = {}
    return np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=count)


def _once(function: Callable[[str], Any]) -> Callable[[str], Any]:
    """`function`, computed once per distinct title (a paper in three feeds is one title)."""
    done: dict[str, Any] = {}

    def once(title: str) -> Any:
        if title not in done:
            done[title] = function(title)
        return done[title]
    return once


def _folded(title: str) -> str:
    return " ".join(tokens(title))


class Readings:
    """The readings of one run's candidates, cached per kind of profile. Built with numpy straight from the
    candidates (no Python list per item on the way): a big day has 12,507 of them."""

    def __init__(self, candidates: Sequence[Candidate], today: date):
        self.candidates = candidates
        self.today = today
        n = len(candidates)
        kinds: dict[str, int] = {}
        kind = np.fromiter((kinds.setdefault(c.announce_type, len(kinds)) for c in candidates), np.int64, n)
        self._types = {t: kind == code for t, code in kinds.items()}
        self._days = np.fromiter((c.announced.toordinal() if c.announced else _UNDATED for c in candidates),
                                 np.int64, n)
        categories: dict[str, int] = {}
        category = np.fromiter((categories.setdefault(c.feed_category, len(categories)) for c in candidates),
                               np.int64, n)
        self._by_category = {name: np.flatnonzero(category == code) for name, code in categories.items()}
        self._ids = _codes((c.arxiv_id for c in candidates), n)
        self._titles: dict[str, np.ndarray] = {}
        self._shared: dict[str, np.ndarray] = {}  # per mode: the items whose id or title another item has
        self._cache: dict[tuple, np.ndarray] = {}

    def _title_codes(self, mode: str) -> np.ndarray:
        if mode not in self._titles:
            titles = self._titles[mode] = self._title_keys(str.lower if mode == "reference" else _folded)
            self._shared[mode] = (np.bincount(self._ids)[self._ids] > 1) | (np.bincount(titles)[titles] > 1)
        return self._titles[mode]

    def _title_keys(self, fold: Callable[[str], str]) -> np.ndarray:
        """Codes of the items' folded titles. A hash per distinct title stands for its folded text (a big day's
        folded titles were 2 MB at the scorer's peak); only items whose hashes meet, nearly always the same
        paper in two feeds, are told apart by the text itself, so a collision cannot merge two titles."""
        n = len(self.candidates)
        hashed = np.fromiter(map(_once(lambda title: hash(fold(title))), (c.title for c in self.candidates)),
                             np.int64, n)
        _, codes = np.unique(hashed, return_inverse=True)
        meet = np.flatnonzero(np.bincount(codes)[codes] > 1)
        codes[meet] = n + _codes(map(_once(fold), (self.candidates[i].title for i in meet.tolist())), len(meet))
        return codes

    def of(self, profile: Profile) -> np.ndarray:
        """Indices of the candidates the profile reads, in its reading order."""
        key = (profile.mode, profile.categories, profile.announce_types, profile.days_back, profile.deduplicate)
        if key not in self._cache:
            self._cache[key] = self._read(profile)
        return self._cache[key]

    def _read(self, profile: Profile) -> np.ndarray:
        if profile.categories:
            order = np.concatenate([self._by_category[cat] for cat in dict.fromkeys(profile.categories)
                                    if cat in self._by_category] or [np.zeros(0, np.int64)])
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
