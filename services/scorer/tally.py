"""From hits to per-profile points, for every paper and profile at once. Pure: arrays in, arrays out.

Each term of each profile is a posting of a term id: (profile, role, points if found in the title, points
otherwise). A paper's hits (term id -> where) are expanded over the postings of their terms and summed per
(profile, paper) with numpy, so the cost is the number of (hit, posting) pairs, never profiles x keywords
x papers. Points are counted in whole micro-points (QUANTUM per point): the sums are then exact, and a
paper's score cannot depend on the order in which other papers or other profiles were added.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from services.scorer.matching import ABSTRACT, Matcher
from services.scorer.model import Candidate, Profile

QUANTUM = 1_000_000
KEYWORD, EXCLUDE = 0, 1
# Bounds the (profiles x papers) matrices summed at once to 32 MB of float64.
BLOCK_CELLS = 1 << 22


@dataclass(frozen=True)
class ProfileTerm:
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


def find_all(matcher: Matcher, candidates: Sequence[Candidate]) -> list[dict[int, int]]:
    """Each candidate's hits; a paper listed in several feeds is read once."""
    seen: dict[tuple[str, str, tuple[str, ...]], dict[int, int]] = {}
    hits = []
    for cand in candidates:
        key = (cand.title, cand.abstract, tuple(cand.authors))
        found = seen.get(key)
        if found is None:
            found = seen[key] = matcher.find(cand.title, cand.abstract, cand.authors)
        hits.append(found)
    return hits


class Tally:
    """Points, hit counts and exclusions per (profile, paper), computed a block of profiles at a time."""

    def __init__(self, hits: Sequence[dict[int, int]], terms: Sequence[Sequence[ProfileTerm]], n_terms: int,
                 block_cells: int = BLOCK_CELLS):
        self.papers = len(hits)
        self.block_cells = block_cells
        self.profiles = len(terms)
        # Postings, grouped by term id (compressed sparse rows).
        flat = sorted(((t.term_id, p, t.role, t.title_points, t.other_points)
                       for p, profile in enumerate(terms) for t in profile), key=lambda row: row[0])
        table = np.array(flat, dtype=np.int64).reshape(-1, 5)
        ptr = np.searchsorted(table[:, 0], np.arange(n_terms + 1))
        sizes = [len(h) for h in hits]
        paper = np.repeat(np.arange(self.papers, dtype=np.int64), sizes)
        term = np.fromiter((t for h in hits for t in h), dtype=np.int64, count=sum(sizes))
        where = np.fromiter((w for h in hits for w in h.values()), dtype=np.int64, count=sum(sizes))
        # Expand every hit over the postings of its term: one entry per (hit, posting).
        per_hit = ptr[term + 1] - ptr[term]
        self.pairs = int(per_hit.sum())
        posting = (np.repeat(ptr[term], per_hit) + np.arange(self.pairs)
                   - np.repeat(np.cumsum(per_hit) - per_hit, per_hit))
        self._paper = np.repeat(paper, per_hit)
        self._profile = table[posting, 1]
        self._scoring = table[posting, 2] == KEYWORD
        self._points = np.where(np.repeat(where != ABSTRACT, per_hit), table[posting, 3], table[posting, 4])

    def block_size(self) -> int:
        return max(1, self.block_cells // max(1, self.papers))

    def block(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For profiles lo..hi-1: micro-points, keyword hit counts, and excluded flags, each (hi-lo) x papers."""
        inside = (self._profile >= lo) & (self._profile < hi)
        cell = (self._profile[inside] - lo) * self.papers + self._paper[inside]
        scoring, points = self._scoring[inside], self._points[inside]
        shape, cells = (hi - lo, self.papers), (hi - lo) * self.papers
        score = np.bincount(cell[scoring], weights=points[scoring], minlength=cells).reshape(shape)
        count = np.bincount(cell[scoring], minlength=cells).reshape(shape)
        excluded = np.bincount(cell[~scoring], minlength=cells).reshape(shape) > 0
        return score, count, excluded
