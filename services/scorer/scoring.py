"""Scoring: which of a run's papers each profile selects, and why. Pure functions, no I/O.

`score_profiles` scores every candidate for every profile in one go: each paper's text is normalised and
searched once for the terms of all profiles (matching.Matcher), the points are summed per profile from the
hits (tally.Tally), then each profile filters, ranks and cuts its own list. Two modes:
- `words` (the default): word-aware matching (see matching), title and abstract weights, min_score.
- `reference`: the reference bot exactly, quirks included (substrings, the abstract's first line only,
  de-duplication before the type filter, no min_score), so a user who switches sees the same papers in the
  same order.
docs/SCORING.md describes every rule with examples from a real day.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date

import numpy as np

from services.scorer.matching import (
    ABSTRACT,
    WHERE,
    Matcher,
    reference_abstract,
)
from services.scorer.model import (
    MODES,
    Candidate,
    Hit,
    Profile,
    Scored,
    Selection,
    Term,
)
from services.scorer.reading import Readings
from services.scorer.tally import (
    KEYWORD,
    Hits,
    QUANTUM,
    ProfileTerm,
    Tally,
    find_all,
    micro,
    profile_terms,
)

SEMANTIC_TERM = "interests"  # what a semantic hit is shown as: "interests (semantic)"

__all__ = ["MODES", "Candidate", "Hit", "Profile", "Scored", "Selection", "Term", "reference_abstract",
           "Scoring", "score_profiles", "score_reference", "select"]


class _Reasons:
    """A profile's keywords and boosted authors, ready to explain a score. Hits are values: made once, shared."""

    def __init__(self, terms: Sequence[ProfileTerm]):
        self.terms = terms
        self.positions: dict[int, tuple[int, ...]] = {}  # term id -> where it stands in the profile
        for position, term in enumerate(terms):
            if term.role == KEYWORD:
                self.positions[term.term_id] = (*self.positions.get(term.term_id, ()), position)
        self.repeats = any(len(p) > 1 for p in self.positions.values())  # a term listed twice
        self.scores = bool(self.positions)
        self._made: dict[tuple[int, int], Hit] = {}

    def explain(self, found: dict[int, int], similar: int = 0) -> tuple[Hit, ...]:
        """The paper's hits for this profile, in the profile's order; semantic relevance last."""
        positions = [p for term_id, at in self.positions.items() if term_id in found for p in at]
        if self.repeats:
            positions.sort()
        hits = []
        for position in positions:
            term = self.terms[position]
            where = found[term.term_id]
            hit = self._made.get((position, where))
            if hit is None:
                points = (term.other_points if where == ABSTRACT else term.title_points) / QUANTUM
                hit = self._made[(position, where)] = Hit(term.text, WHERE[where], points)
            hits.append(hit)
        if similar:
            hits.append(Hit(SEMANTIC_TERM, "semantic", similar / QUANTUM))
        return tuple(hits)


class _Similarity:
    """Semantic points: each profile's interests against the papers' stored embeddings."""

    def __init__(self, candidates: Sequence[Candidate]):
        self.candidates = candidates
        self._matrix: np.ndarray | None = None

    def points(self, profile: Profile) -> np.ndarray | None:
        """Micro-points per candidate (0 without an embedding, or when dissimilar); None if not asked for."""
        if not profile.semantic_weight or profile.interests_vector is None:
            return None
        vector = np.array(profile.interests_vector)
        matrix = self._embeddings(len(vector), profile.name)
        similarity = np.clip(matrix @ vector, 0.0, None)  # a paper without an embedding has a zero row
        return np.rint(similarity * (profile.semantic_weight * QUANTUM))

    def _embeddings(self, size: int, profile: str) -> np.ndarray:
        if self._matrix is None:
            self._matrix = np.zeros((len(self.candidates), size))
            for i, cand in enumerate(self.candidates):
                if cand.embedding is not None:
                    if len(cand.embedding) != size:
                        raise ValueError(f"paper {cand.arxiv_id} has an embedding of {len(cand.embedding)} "
                                         f"numbers, profile {profile!r} has interests of {size}")
                    self._matrix[i] = cand.embedding
        elif self._matrix.shape[1] != size:
            raise ValueError(f"profile {profile!r} has interests of {size} numbers, "
                             f"the papers' embeddings have {self._matrix.shape[1]}")
        return self._matrix


def _rank(profile: Profile, reasons: _Reasons, reads: np.ndarray, score: np.ndarray, hit: np.ndarray,
          excluded: np.ndarray, candidates: Sequence[Candidate], hits: Callable[[int], dict[int, int]],
          similar: np.ndarray | None) -> Selection:
    if similar is not None:
        score, hit = score + similar, hit | (similar > 0)
    points = score[reads]
    keep = ~excluded[reads]
    if reasons.scores:  # without any keyword every paper stays, at 0 (as the reference)
        keep &= hit[reads]
    reads, points = reads[keep], points[keep]
    floor = -np.inf if profile.mode == "reference" else micro(profile.min_score)
    chosen = min(profile.max_papers, int(np.count_nonzero(points >= floor)))
    missed = max(chosen, min(chosen + profile.near_misses, int(np.count_nonzero(points > 0))))
    # Higher score first; ties keep the profile's reading order. Points are whole micro-points, so one
    # integer key orders both, and only the `missed` best need sorting.
    if len(points) and float(points.max()) * len(points) < 2**62:
        key = points.astype(np.int64) * -len(points) + np.arange(len(points))
        best = np.argpartition(key, missed - 1)[:missed] if 0 < missed < len(key) else np.arange(missed)
        best = best[np.argsort(key[best])]
    else:  # scores too large for one 64-bit key (weights near their limits, very many keywords)
        best = np.argsort(-points, kind="stable")[:missed]
    reads, points = reads[best], points[best]
    ranked = [Scored(candidates[i], p / QUANTUM,
                     reasons.explain(hits(i), 0 if similar is None else int(similar[i])))
              for i, p in zip(reads[:missed].tolist(), points[:missed].tolist(), strict=True)]
    return Selection(profile.name, ranked[:chosen], ranked[chosen:])


class Scoring:
    """`score_profiles` in two steps, so that a caller can read the papers' texts a batch at a time, keep each
    paper's hits (`read`) and let its text go, then rank (`select`) candidates that no longer carry it."""

    def __init__(self, profiles: Sequence[Profile]):
        names = [p.name for p in profiles]
        if len(set(names)) != len(names):
            raise ValueError(f"profile names must be unique, got "
                             f"{sorted(n for n in set(names) if names.count(n) > 1)}")
        self.profiles = list(profiles)
        matcher = Matcher()
        self.terms = [profile_terms(p, matcher) for p in self.profiles]
        self.matcher = matcher.build()
        self.hits = Hits()

    def read(self, title: str, abstract: str, authors: Sequence[str] = ()) -> int:
        """Find one paper's hits and keep them (its text can go); returns the paper's number for `select`."""
        return self.hits.add(self.matcher.find(title, abstract, tuple(authors)))

    def select(self, candidates: Sequence[Candidate], papers: Sequence[int] | np.ndarray,
               today: date) -> dict[str, Selection]:
        """Every profile's selection and near misses; `papers[i]` is the number `read` gave `candidates[i]`'s
        paper."""
        profiles, terms = self.profiles, self.terms
        papers = np.asarray(papers, dtype=np.int64)
        tally = Tally(self.hits, papers, terms, len(self.matcher))
        readings = Readings(candidates, today)
        similarity = _Similarity(candidates)
        selections: dict[str, Selection] = {}

        def hits(i: int) -> dict[int, int]:  # candidate i's hits, for the few a profile keeps
            return self.hits.of(int(papers[i]))
        step = tally.block_size()
        for lo in range(0, len(profiles), step):
            hi = min(lo + step, len(profiles))
            score, hit, excluded = tally.block(lo, hi)
            for p in range(lo, hi):
                profile = profiles[p]
                selections[profile.name] = _rank(profile, _Reasons(terms[p]), readings.of(profile),
                                                 score[p - lo], hit[p - lo], excluded[p - lo], candidates, hits,
                                                 similarity.points(profile))
        return selections


def score_profiles(candidates: Sequence[Candidate], profiles: Sequence[Profile], today: date) -> dict[str, Selection]:
    """Every profile's selection and near misses, keyed by profile name. `today` anchors days_back."""
    scoring = Scoring(profiles)
    candidates = list(candidates)
    return scoring.select(candidates, find_all(scoring.hits, scoring.matcher, candidates), today)


def select(candidates: Sequence[Candidate], profile: Profile, today: date) -> list[Scored]:
    """One profile's selection, ranked, at most max_papers long."""
    return score_profiles(candidates, [profile], today)[profile.name].selected


def score_reference(candidates: Sequence[Candidate], profile: Profile, today: date) -> list[Scored]:
    """The reference bot's selection for this profile's keywords, whatever the profile's mode."""
    return select(candidates, replace(profile, mode="reference"), today)
