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

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

import numpy as np

from services.scorer.matching import ABSTRACT, WHERE, Matcher, reference_abstract
from services.scorer.model import (
    MODES,
    Candidate,
    Hit,
    Profile,
    Scored,
    Selection,
    Term,
)
from services.scorer.normalize import tokens
from services.scorer.tally import (
    EXCLUDE,
    KEYWORD,
    QUANTUM,
    ProfileTerm,
    Tally,
    find_all,
    micro,
    profile_terms,
)

__all__ = ["MODES", "Candidate", "Hit", "Profile", "Scored", "Selection", "Term", "reference_abstract",
           "score_profiles", "score_reference", "select"]


def _reads(candidates: Sequence[Candidate], profile: Profile, today: date,
           by_category: dict[str, list[int]]) -> np.ndarray:
    """The candidates a profile considers, in its order: its categories' feeds in turn, then feed order.

    Both modes keep the announce types asked for (default: new only) inside the days_back window (an item
    without a date is kept) and drop a later item with an already-seen id or title. The reference does the
    de-duplication first, so a paper first seen as a cross-list is lost even when a later feed lists it as
    new; `words` de-duplicates among the items it keeps, and compares titles by their folded words.
    """
    if profile.categories:
        order: Sequence[int] = [i for cat in dict.fromkeys(profile.categories) for i in by_category.get(cat, ())]
    else:
        order = range(len(candidates))
    oldest = today - timedelta(days=profile.days_back)
    types = set(profile.announce_types)
    reference = profile.mode == "reference"
    seen_ids: set[str] = set()
    seen_titles: set[str] = set()
    kept = []
    for i in order:
        cand = candidates[i]
        wanted = cand.announce_type in types and (cand.announced is None or cand.announced >= oldest)
        if not (wanted or reference):
            continue
        if profile.deduplicate:
            title = cand.title.lower() if reference else " ".join(tokens(cand.title))
            if cand.arxiv_id in seen_ids or title in seen_titles:
                continue
            seen_ids.add(cand.arxiv_id)
            seen_titles.add(title)
        if wanted:
            kept.append(i)
    return np.array(kept, dtype=np.int64)


def _scored(cand: Candidate, found: dict[int, int], terms: Sequence[ProfileTerm], points: float) -> Scored:
    hits = []
    for term in terms:
        where = found.get(term.term_id)
        if term.role == KEYWORD and where is not None:
            earned = term.other_points if where == ABSTRACT else term.title_points
            hits.append(Hit(term.text, WHERE[where], earned / QUANTUM))
    return Scored(cand, points / QUANTUM, tuple(hits))


def _rank(profile: Profile, terms: Sequence[ProfileTerm], reads: np.ndarray, score: np.ndarray,
          count: np.ndarray, excluded: np.ndarray, candidates: Sequence[Candidate],
          hits: Sequence[dict[int, int]]) -> Selection:
    points = score[reads]
    keep = ~excluded[reads]
    if any(t.role != EXCLUDE for t in terms):  # without any keyword every paper stays, at 0 (as the reference)
        keep &= count[reads] > 0
    reads, points = reads[keep], points[keep]
    order = np.argsort(-points, kind="stable")  # stable: ties keep the profile's reading order
    reads, points = reads[order], points[order]
    floor = -np.inf if profile.mode == "reference" else micro(profile.min_score)
    chosen = min(profile.max_papers, int(np.count_nonzero(points >= floor)))
    missed = max(chosen, min(chosen + profile.near_misses, int(np.count_nonzero(points > 0))))

    def scored(rank: int) -> Scored:
        i = int(reads[rank])
        return _scored(candidates[i], hits[i], terms, float(points[rank]))

    return Selection(profile.name, [scored(r) for r in range(chosen)], [scored(r) for r in range(chosen, missed)])


def score_profiles(candidates: Sequence[Candidate], profiles: Sequence[Profile], today: date) -> dict[str, Selection]:
    """Every profile's selection and near misses, keyed by profile name. `today` anchors days_back."""
    names = [p.name for p in profiles]
    if len(set(names)) != len(names):
        raise ValueError(f"profile names must be unique, got {sorted(n for n in set(names) if names.count(n) > 1)}")
    candidates = list(candidates)
    matcher = Matcher()
    terms = [profile_terms(p, matcher) for p in profiles]
    hits = find_all(matcher.build(), candidates)
    tally = Tally(hits, terms, len(matcher))
    by_category: dict[str, list[int]] = {}
    for i, cand in enumerate(candidates):
        by_category.setdefault(cand.feed_category, []).append(i)
    views: dict[tuple, np.ndarray] = {}
    selections: dict[str, Selection] = {}
    step = tally.block_size()
    for lo in range(0, len(profiles), step):
        hi = min(lo + step, len(profiles))
        score, count, excluded = tally.block(lo, hi)
        for p in range(lo, hi):
            profile = profiles[p]
            view = (profile.mode, profile.categories, profile.announce_types, profile.days_back, profile.deduplicate)
            if view not in views:
                views[view] = _reads(candidates, profile, today, by_category)
            selections[profile.name] = _rank(profile, terms[p], views[view], score[p - lo], count[p - lo],
                                             excluded[p - lo], candidates, hits)
    return selections


def select(candidates: Sequence[Candidate], profile: Profile, today: date) -> list[Scored]:
    """One profile's selection, ranked, at most max_papers long."""
    return score_profiles(candidates, [profile], today)[profile.name].selected


def score_reference(candidates: Sequence[Candidate], profile: Profile, today: date) -> list[Scored]:
    """The reference bot's selection for this profile's keywords, whatever the profile's mode."""
    return select(candidates, replace(profile, mode="reference"), today)
