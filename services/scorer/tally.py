"""From hits to per-profile points, for every paper and profile at once. Pure: arrays in, arrays out.

Each term of each profile is a posting of a term id: (profile, role, points if found in the title, points
otherwise). A paper's hits (term id -> where, kept flat in `Hits`) are expanded over the postings of their
terms and summed per (profile, paper) with numpy, so the cost is the number of (hit, posting) pairs, never
profiles x keywords x papers. Points are counted in whole micro-points (QUANTUM per point): the sums are then
exact, and a paper's score cannot depend on the order in which other papers or other profiles were added.
"""
from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from services.scorer.matching import ABSTRACT, Matcher
from services.scorer.model import Candidate, Profile

QUANTUM = 1_000_000
KEYWORD, EXCLUDE = 0, 1
# Bounds the (profiles x papers) matrices summed at once to 16 MB of float64.
BLOCK_CELLS = 1 << 21


class ProfileTerm(NamedTuple):
    term_id: int
    text: str  # as the user wrote it
    role: int  # KEYWORD (scores) or EXCLUDE (drops the paper)
    title_points: int  # micro-points when found in the title (an author: when among the authors)
    other_points: int  # micro-points when found in the abstract only


def micro(points: float) -> int:
    return round(points * QUANTUM)


def profile_terms(profile: Profile, matcher: Matcher) -> list[ProfileTerm]:
    """The profile's terms registered in the shared matcher, in the profile's order: keywords, then authors."""
    kind = profile.mode
    if kind == "reference":  # +1 anywhere, +0.5 more in the title; title/abstract weights are words-mode
        title_weight, other_weight = 1.5, 1.0
    else:
        title_weight, other_weight = profile.title_weight, profile.abstract_weight
    terms = [ProfileTerm(matcher.term(kind, t.text), t.text, KEYWORD, micro(t.weight * title_weight),
                         micro(t.weight * other_weight)) for t in profile.keywords]
    terms += [ProfileTerm(matcher.term("author", t.text), t.text, KEYWORD, micro(t.weight), micro(t.weight))
              for t in profile.authors_boost]
    terms += [ProfileTerm(matcher.term(kind, text), text, EXCLUDE, 0, 0) for text in profile.exclude_keywords]
    terms += [ProfileTerm(matcher.term("author", name), name, EXCLUDE, 0, 0) for name in profile.authors_block]
    return terms


class Hits:
    """Every paper's hits (term id -> where it was found), kept in flat arrays: about 9 bytes a hit, where a dict
    per paper of a big day was 1.6 MB. `add` numbers the papers 0, 1, 2...; `of` gives one back as a dict."""

    def __init__(self) -> None:
        self.terms = array("q")
        self.places = array("b")
        self.starts = array("q", [0])

    def __len__(self) -> int:
        return len(self.starts) - 1

    def add(self, found: dict[int, int]) -> int:
        self.terms.extend(found)
        self.places.extend(found.values())
        self.starts.append(len(self.terms))
        return len(self.starts) - 2

    def of(self, paper: int) -> dict[int, int]:
        lo, hi = self.starts[paper], self.starts[paper + 1]
        return dict(zip(self.terms[lo:hi], self.places[lo:hi], strict=True))


def find_all(hits: Hits, matcher: Matcher, candidates: Sequence[Candidate]) -> np.ndarray:
    """Each candidate's paper number in `hits`; a paper listed in several feeds is read once."""
    seen: dict[tuple[str, str, tuple[str, ...]], int] = {}
    papers = []
    for cand in candidates:
        key = (cand.title, cand.abstract, tuple(cand.authors))
        if key not in seen:
            seen[key] = hits.add(matcher.find(cand.title, cand.abstract, cand.authors))
        papers.append(seen[key])
    return np.array(papers, dtype=np.int64)


class Tally:
    """Points, hits and exclusions per (profile, paper), computed a block of profiles at a time."""

    def __init__(self, hits: Hits, papers: np.ndarray, terms: Sequence[Sequence[ProfileTerm]], n_terms: int,
                 block_cells: int = BLOCK_CELLS):
        """`papers[i]` is the number in `hits` of the i-th row's paper (rows are candidates: a paper listed in two
        feeds is two rows of one paper)."""
        self.papers = len(papers)
        self.profiles = len(terms)
        self.n_terms = n_terms
        self.block_cells = block_cells
        # Postings in profile order: term, profile, points in the abstract, points in the title, role.
        table = np.array([(t.term_id, p, t.other_points, t.title_points, t.role)
                          for p, profile in enumerate(terms) for t in profile], dtype=np.int64).reshape(-1, 5)
        self._postings = table
        self._profile_start = np.searchsorted(table[:, 1], np.arange(self.profiles + 1))
        # Each row's hits, gathered from the flat arrays: row i's are hits.terms[starts[p]:starts[p + 1]].
        starts = np.array(hits.starts, dtype=np.int64)
        first = starts[papers]
        sizes = starts[papers + 1] - first
        at = np.repeat(first - (np.cumsum(sizes) - sizes), sizes) + np.arange(int(sizes.sum()))
        self._term = np.array(hits.terms, dtype=np.int64)[at]
        # Paper and place in one number: 2 * row, + 1 when found in the title (or among the authors).
        self._code = (np.repeat(np.arange(self.papers, dtype=np.int64) * 2, sizes)
                      + (np.array(hits.places, dtype=np.int64)[at] != ABSTRACT))
        self.pairs = int(np.bincount(table[:, 0], minlength=n_terms)[self._term].sum()) if len(table) else 0

    def block_size(self) -> int:
        return max(1, self.block_cells // max(1, self.papers))

    def block(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For profiles lo..hi-1, each a (hi-lo) x papers matrix: micro-points, whether any keyword (or
        boosted author) was found, and whether an exclude keyword (or blocked author) was."""
        rows = self._postings[self._profile_start[lo]:self._profile_start[hi]]
        shape, cells = (hi - lo, self.papers), (hi - lo) * self.papers
        scoring = _by_term(rows[rows[:, 4] == KEYWORD])
        cell, posting, code = self._expand(scoring, lo)
        points = scoring[:, 2:4].ravel()[(posting << 1) | (code & 1)]
        score = np.bincount(cell, weights=points, minlength=cells).reshape(shape)
        if scoring[:, 2:4].all():  # every hit brings points: a hit is a positive score
            hit = score > 0
        else:
            hit = np.bincount(cell, minlength=cells).reshape(shape) > 0
        cell, _, _ = self._expand(_by_term(rows[rows[:, 4] == EXCLUDE]), lo)
        excluded = np.bincount(cell, minlength=cells).reshape(shape) > 0
        return score, hit, excluded

    def _expand(self, rows: np.ndarray, lo: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One entry per (hit, posting) pair: its cell (profile row * papers + paper), posting, paper code.
        `rows` are postings sorted by term."""
        ptr = np.searchsorted(rows[:, 0], np.arange(self.n_terms + 1))
        first = ptr[self._term]
        per_hit = ptr[self._term + 1] - first
        posting = np.arange(int(per_hit.sum())) + np.repeat(first - (np.cumsum(per_hit) - per_hit), per_hit)
        code = np.repeat(self._code, per_hit)
        return ((rows[:, 1] - lo) * self.papers)[posting] + (code >> 1), posting, code


def _by_term(rows: np.ndarray) -> np.ndarray:
    return rows[np.argsort(rows[:, 0], kind="stable")]
