"""TEMPORARY SHIM (replaced by the scoring branch): the spec'd types with reference-mode logic only."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class Term:
    text: str
    weight: float = 1.0


@dataclass(frozen=True)
class Candidate:
    arxiv_id: str
    title: str
    abstract: str
    announce_type: str
    feed_category: str
    announced: date | None
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    name: str
    keywords: tuple[Term, ...] = ()
    exclude_keywords: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    max_papers: int = 30
    days_back: int = 7
    min_score: float = 2.5
    deduplicate: bool = True
    mode: str = "words"
    announce_types: tuple[str, ...] = ("new",)
    authors_boost: tuple[Term, ...] = ()
    authors_block: tuple[str, ...] = ()
    title_weight: float = 1.5
    abstract_weight: float = 1.0
    near_misses: int = 5


@dataclass(frozen=True)
class Hit:
    term: str
    where: str
    points: float


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    score: float
    hits: tuple[Hit, ...]

    @property
    def keywords(self) -> list[str]:
        return list(dict.fromkeys(h.term for h in self.hits))

    def why(self) -> str:
        return ", ".join(f"{h.term} (title)" if h.where == "title" else h.term for h in self.hits)


@dataclass
class Selection:
    profile: str
    selected: list[Scored] = field(default_factory=list)
    near_misses: list[Scored] = field(default_factory=list)


def _score(cand: Candidate, profile: Profile) -> Scored | None:
    title = cand.title.lower()
    text = f"{title} {cand.abstract.split(chr(10), 1)[0].lower()}"
    if any(w.lower() in text for w in profile.exclude_keywords):
        return None
    hits = []
    for term in profile.keywords:
        low = term.text.lower()
        if low in title:
            hits.append(Hit(term.text, "title", 1.5 * term.weight))
        elif low in text:
            hits.append(Hit(term.text, "abstract", 1.0 * term.weight))
    if profile.keywords and not hits:
        return None
    return Scored(cand, sum(h.points for h in hits), tuple(hits))


def score_profiles(candidates: Sequence[Candidate], profiles: Sequence[Profile], today: date) -> dict[str, Selection]:
    result = {}
    for profile in profiles:
        order = {c: i for i, c in enumerate(profile.categories)}
        mine = sorted((c for c in candidates if not order or c.feed_category in order),
                      key=lambda c: order.get(c.feed_category, 0))
        oldest = today - timedelta(days=profile.days_back)
        seen_ids, seen_titles, kept = set(), set(), []
        for cand in mine:
            if profile.deduplicate:
                if cand.arxiv_id in seen_ids or cand.title.lower() in seen_titles:
                    continue
                seen_ids.add(cand.arxiv_id)
                seen_titles.add(cand.title.lower())
            if cand.announce_type not in profile.announce_types or (cand.announced and cand.announced < oldest):
                continue
            scored = _score(cand, profile)
            if scored is not None:
                kept.append(scored)
        kept.sort(key=lambda s: -s.score)
        if profile.mode != "reference":
            below = [s for s in kept if s.score < profile.min_score]
            kept = [s for s in kept if s.score >= profile.min_score]
        else:
            below = []
        result[profile.name] = Selection(profile.name, kept[:profile.max_papers],
                                         (kept[profile.max_papers:] + below)[:profile.near_misses])
    return result
