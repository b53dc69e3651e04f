"""Scoring: which of a run's papers a profile selects, and why. Pure functions, no I/O.

Mode `reference` reproduces the reference bot exactly, quirks included, so a user who switches sees the same
papers in the same order. Better matching arrives as other modes beside it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class Candidate:
    """One feed item of a run, in fetch order."""

    arxiv_id: str
    title: str
    abstract: str
    announce_type: str
    feed_category: str
    announced: date | None


@dataclass(frozen=True)
class Profile:
    name: str
    keywords: list[str]
    exclude_keywords: list[str] = field(default_factory=list)
    max_papers: int = 30
    days_back: int = 7
    deduplicate: bool = True
    mode: str = "reference"


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    score: float
    keywords: list[str]  # found in title + abstract: +1 each
    title_keywords: list[str]  # also found in the title: +0.5 each


def reference_abstract(abstract: str) -> str:
    # The reference extracts the abstract with a pattern that stops at the first line break.
    return abstract.split("\n", 1)[0]


def score_reference(candidates: list[Candidate], profile: Profile, today: date) -> list[Scored]:
    """The reference bot's selection, ranked, at most max_papers long.

    Only announce type "new"; inside the days_back window; a later item whose id or lower-cased title was
    already seen is dropped (so a paper keeps the category of the first feed it came through); an exclude
    keyword anywhere drops it; +1 per keyword in title + abstract, +0.5 more per keyword in the title;
    case-insensitive substrings; at least one keyword; stable sort by score, so ties keep fetch order.
    """
    keywords = [(k, k.lower()) for k in profile.keywords]
    excludes = [k.lower() for k in profile.exclude_keywords]
    oldest = today - timedelta(days=profile.days_back)
    seen_ids: set[str] = set()
    seen_titles: set[str] = set()
    kept: list[Scored] = []
    for cand in candidates:
        title_lower = cand.title.lower()
        if profile.deduplicate:
            if cand.arxiv_id in seen_ids or title_lower in seen_titles:
                continue
            seen_ids.add(cand.arxiv_id)
            seen_titles.add(title_lower)
        if cand.announce_type != "new" or (cand.announced is not None and cand.announced < oldest):
            continue
        text = f"{title_lower} {reference_abstract(cand.abstract).lower()}"
        if any(word in text for word in excludes):
            continue
        found = [k for k, low in keywords if low in text]
        if keywords and not found:  # with no keywords at all, the reference keeps every paper at score 0
            continue
        in_title = [k for k, low in keywords if low in title_lower]
        kept.append(Scored(cand, len(found) + 0.5 * len(in_title), found, in_title))
    kept.sort(key=lambda s: -s.score)
    return kept[:profile.max_papers]


MODES = {"reference": score_reference}


def select(candidates: list[Candidate], profile: Profile, today: date) -> list[Scored]:
    try:
        scorer = MODES[profile.mode]
    except KeyError:
        raise ValueError(f"unknown scoring mode {profile.mode!r}; known: {', '.join(MODES)}") from None
    return scorer(candidates, profile, today)
