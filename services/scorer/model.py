"""The scorer's values: papers to score, profiles to score them for, and scores that carry their reasons.

Values are checked when built, so a profile that cannot be scored fails with a message naming the profile
and the value, before any paper is read (the config loader can call `Profile(...)` to validate).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from services.scorer.matching import author_key, word_keys

MODES = ("words", "reference")
MAX_WEIGHT = 100.0  # keeps every sum of points exact in micro-points, and every ranking key in 64 bits


@dataclass(frozen=True)
class Term:
    """A keyword or phrase, weighted; `text` as the user wrote it ("LLM", "mixture of experts")."""

    text: str
    weight: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text.strip():
            raise ValueError(f"a term must be non-empty text, got {self.text!r}")
        if not (isinstance(self.weight, (int, float)) and not isinstance(self.weight, bool)
                and math.isfinite(self.weight)
                and 0 < self.weight <= MAX_WEIGHT):
            raise ValueError(f"term {self.text!r}: weight must be a number above 0 and at most {MAX_WEIGHT:g}, "
                             f"got {self.weight!r}")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One feed item of a run, in fetch order."""

    arxiv_id: str
    title: str
    abstract: str  # raw, line breaks kept
    announce_type: str  # new | cross | replace | replace-cross
    feed_category: str  # the feed it came through
    announced: date | None
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    # The paper's sentence embedding (semantic.Embedder, normalised), when the store has one.
    embedding: tuple[float, ...] | None = None


def _terms(values: object) -> tuple[Term, ...]:
    return tuple(v if isinstance(v, Term) else Term(v) for v in values)  # type: ignore[union-attr]


@dataclass(frozen=True)
class Profile:
    """What one audience wants. Plain strings are accepted where terms are expected (weight 1)."""

    name: str
    keywords: tuple[Term, ...] = ()
    exclude_keywords: tuple[str, ...] = ()
    # Only items whose feed_category is listed; () = all. A profile reads its candidates in the order of
    # these categories, then in feed order (that order decides de-duplication and ties).
    categories: tuple[str, ...] = ()
    max_papers: int = 30
    days_back: int = 7
    min_score: float = 2.5  # honoured in every mode except "reference"
    deduplicate: bool = True
    mode: str = "words"
    announce_types: tuple[str, ...] = ("new",)
    authors_boost: tuple[Term, ...] = ()  # a paper by one of them gains `weight` points
    authors_block: tuple[str, ...] = ()  # a paper by one of them is dropped
    title_weight: float = 1.5  # words mode: a term in the title scores weight * title_weight,
    abstract_weight: float = 1.0  # one found only in the abstract weight * abstract_weight
    near_misses: int = 5
    # Semantic relevance (words mode): a paper gains semantic_weight x its cosine similarity to this
    # normalised vector (semantic.interests_vector), nothing when the similarity is negative.
    interests_vector: tuple[float, ...] | None = None
    semantic_weight: float = 0.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise the container types once, here
        set_(self, "keywords", _terms(self.keywords))
        set_(self, "authors_boost", _terms(self.authors_boost))
        for name in ("exclude_keywords", "categories", "announce_types", "authors_block"):
            set_(self, name, tuple(getattr(self, name)))
        if self.mode not in MODES:
            raise ValueError(f"profile {self.name!r}: unknown scoring mode {self.mode!r}; known: {', '.join(MODES)}")
        for name in ("max_papers", "days_back", "near_misses"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"profile {self.name!r}: {name} must be a whole number >= 0, got {value!r}")
        for name in ("title_weight", "abstract_weight"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and 0 <= value <= MAX_WEIGHT):
                raise ValueError(f"profile {self.name!r}: {name} must be a number from 0 to {MAX_WEIGHT:g}, "
                                 f"got {value!r}")
        if not (isinstance(self.min_score, (int, float)) and math.isfinite(self.min_score)):
            raise ValueError(f"profile {self.name!r}: min_score must be a number, got {self.min_score!r}")
        self._check_semantic()
        checks = [(author_key, text) for text in [t.text for t in self.authors_boost] + list(self.authors_block)]
        if self.mode == "words":
            checks += [(word_keys, text) for text in [t.text for t in self.keywords] + list(self.exclude_keywords)]
        for check, text in checks:
            try:
                check(text)
            except ValueError as exc:
                raise ValueError(f"profile {self.name!r}: {exc}") from None


    def _check_semantic(self) -> None:
        weight = self.semantic_weight
        if not (isinstance(weight, (int, float)) and not isinstance(weight, bool) and math.isfinite(weight)
                and 0 <= weight <= MAX_WEIGHT):
            raise ValueError(f"profile {self.name!r}: semantic_weight must be a number from 0 to {MAX_WEIGHT:g}, "
                             f"got {weight!r}")
        if self.interests_vector is not None:
            vector = tuple(float(v) for v in self.interests_vector)
            if not vector or not all(math.isfinite(v) for v in vector):
                raise ValueError(f"profile {self.name!r}: interests_vector must be finite numbers")
            object.__setattr__(self, "interests_vector", vector)
        if weight and self.interests_vector is None:
            raise ValueError(f"profile {self.name!r}: semantic_weight needs an interests_vector")
        if weight and self.mode != "words":
            raise ValueError(f"profile {self.name!r}: semantic relevance needs mode 'words', not {self.mode!r}")


@dataclass(frozen=True)
class Hit:
    """One reason for a score: a term, where it was found, and the points it brought."""

    term: str  # as the user wrote it; "interests" for semantic relevance
    where: str  # "title" | "abstract" | "author" | "semantic"
    points: float


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    score: float
    hits: tuple[Hit, ...] = ()

    @property
    def keywords(self) -> list[str]:
        """The profile's keywords found in the paper (title or abstract), in the profile's order."""
        return [h.term for h in self.hits if h.where in ("title", "abstract")]

    @property
    def title_keywords(self) -> list[str]:
        return [h.term for h in self.hits if h.where == "title"]

    def why(self, limit: int = 8) -> str:
        """One line for a reader: "LLM (title), inference, KV cache", the biggest contributions first."""
        ranked = sorted(self.hits, key=lambda h: -h.points)
        parts = [h.term if h.where == "abstract" else f"{h.term} ({h.where})" for h in ranked[:limit]]
        return ", ".join(parts) + (", …" if len(ranked) > limit else "")


@dataclass(frozen=True)
class Selection:
    profile: str
    selected: list[Scored]  # ranked, at most max_papers
    # The next papers below the cut (beyond max_papers, or under min_score), ranked; a paper dropped by an
    # exclude keyword or a blocked author, or one that scored nothing, is never a near miss.
    near_misses: list[Scored]
