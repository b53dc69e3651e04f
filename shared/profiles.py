"""Interest profiles: what one reader follows and how papers are scored for them.

config.json's top-level keys form the profile `default`; `"profiles": {"<name>": {...}}` adds more, each
taking the same keys, and a key a profile leaves out is inherited from the top level. A profile never says
where the LLM lives or which key it uses: that belongs to the deployment (see shared/settings.py).
"""
from __future__ import annotations

import functools
import logging
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, field_validator

from shared.arxiv_names import ARXIV_ID as ARXIV_ID_SHAPE
from shared.arxiv_names import canonical_category, is_category

log = logging.getLogger(__name__)
DEFAULT_PROFILE = "default"
PROFILE_NAME = re.compile(r"[a-z0-9-]{1,40}")
ARXIV_ID = re.compile(ARXIV_ID_SHAPE)
ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")
SCORING_MODES = ("words", "reference")

DEFAULT_KEYWORDS = [
    "LLM", "RL", "RLHF", "Inference", "Training", "Attention", "Pipeline", "MOE", "Sparse", "Quantization",
    "Speculative", "Efficient", "Efficiency", "Framework", "Parallel", "Distributed", "Kernel", "Decode",
    "Decoding", "Prefill", "Throughput", "Fast", "Network", "Hardware", "Cluster", "FP8", "FP4",
    "Optimization", "Scalable", "Communication",
]

# Bounds keep one typo (or one hostile API call) from costing hours of CPU or an overflow downstream.
MAX_TERMS = 500
MAX_PROFILES = 1000  # besides `default`: config.json's `profiles`, and what the API lets exist at once
MAX_TERM_CHARS = 100
# Every run matches the distinct terms of all active profiles with one automaton, whose size follows their
# characters (about 50 bytes of memory each: 5 million characters took 250 MB and 1.3 s to build). The per-profile
# bounds alone let 1,000 profiles reach hundreds of millions; this bounds what one run builds.
MAX_TERM_CHARS_TOTAL = 2_000_000
# The scorer sums points exactly in micro-points: weights are positive and bounded (exclusions cover "minus").
Weight = Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)]
Term = Annotated[str, Field(max_length=MAX_TERM_CHARS)]


class WeightedTerm(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    term: Term
    weight: Weight = 1.0


class WeightedAuthor(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=200)]
    weight: Weight = 2.0


def _plain_or_weighted(value: Any) -> str | None:
    if isinstance(value, str):
        return "plain"
    # A dict when validating; the model itself when serializing.
    return "weighted" if isinstance(value, dict | WeightedTerm | WeightedAuthor) else None


Keyword = Annotated[
    Annotated[Term, Tag("plain")] | Annotated[WeightedTerm, Tag("weighted")],
    Discriminator(_plain_or_weighted, custom_error_type="keyword",
                  custom_error_message='a keyword is a string or {"term": "...", "weight": 2}')]
Author = Annotated[
    Annotated[Annotated[str, Field(min_length=1, max_length=200)], Tag("plain")]
    | Annotated[WeightedAuthor, Tag("weighted")],
    Discriminator(_plain_or_weighted, custom_error_type="author",
                  custom_error_message='an author is a name or {"name": "...", "weight": 2}')]
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
UNION_TAGS = {"plain", "weighted"}  # pydantic puts these in error locations; config errors leave them out


@functools.lru_cache(maxsize=256)  # once a process per name: profiles are validated again as they resolve
def _told_spelling(typed: str, name: str) -> None:
    log.warning("category %r read as %r, arXiv's spelling (its feeds list papers under that one)", typed, name)


class Authors(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    boost: list[Author] = Field(default_factory=list, max_length=MAX_TERMS)
    block: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(default_factory=list,
                                                                              max_length=MAX_TERMS)


class ProfileSummary(BaseModel):
    """The one ai_summary key a profile may set: how many of its top papers get a summary."""

    model_config = ConfigDict(strict=True, extra="allow")
    max_papers_to_summarize: int = Field(15, ge=0, le=200)


class ProfileFields(BaseModel):
    """The keys a profile takes, with the reference's defaults; the top level of config.json has them too."""

    model_config = ConfigDict(strict=True, extra="allow")

    categories: list[str] = Field(default_factory=lambda: ["cs.AI", "cs.CL", "cs.DC", "cs.LG"], min_length=1,
                                  max_length=100)
    keywords: list[Keyword] = Field(default_factory=lambda: list(DEFAULT_KEYWORDS), max_length=MAX_TERMS)
    exclude_keywords: list[str] = Field(default_factory=lambda: ["survey", "review", "tutorial"],
                                        max_length=MAX_TERMS)
    max_papers: int = Field(30, ge=0, le=1000)
    days_back: int = Field(7, ge=0, le=3650)
    min_score: float = Field(2.5, ge=-1e6, le=1e6, allow_inf_nan=False)
    enable_deduplication: bool = True
    scoring_mode: Literal["words", "reference"] = "words"
    announce_types: list[Literal["new", "cross", "replace", "replace-cross"]] = Field(
        default_factory=lambda: ["new"], min_length=1, max_length=4)
    authors: Authors = Field(default_factory=Authors)
    title_weight: float = Field(1.5, ge=0, le=100, allow_inf_nan=False)
    abstract_weight: float = Field(1.0, ge=0, le=100, allow_inf_nan=False)
    # Semantic relevance (the `semantic` extra): prose interests and/or liked papers, blended by this weight.
    interests: str = Field("", max_length=5000)
    liked: list[str] = Field(default_factory=list, max_length=200)
    semantic_weight: float = Field(0.0, ge=0, le=100, allow_inf_nan=False)

    @field_validator("categories")
    @classmethod
    def _categories_look_like_arxiv(cls, value: list[str]) -> list[str]:
        names = []
        for cat in value:
            # Pasted into URL paths: anything but an archive name with an optional subject class is refused.
            name = canonical_category(cat)
            if not is_category(name):
                raise ValueError(f"{cat!r} is not an arXiv category such as 'cs.AI'")
            if name != cat:
                _told_spelling(cat, name)
            names.append(name)
        return list(dict.fromkeys(names))

    @field_validator("exclude_keywords")
    @classmethod
    def _no_empty_excludes(cls, value: list[str]) -> list[str]:
        # An empty keyword is a substring of every text: it would exclude everything.
        for term in value:
            if len(term) > MAX_TERM_CHARS:
                raise ValueError(f"a keyword is at most {MAX_TERM_CHARS} characters")
        return [k for k in value if k.strip()]

    @field_validator("keywords")
    @classmethod
    def _no_empty_keywords(cls, value: list[Any]) -> list[Any]:
        return [k for k in value if (k if isinstance(k, str) else k.term).strip()]

    @field_validator("liked")
    @classmethod
    def _liked_are_arxiv_ids(cls, value: list[str]) -> list[str]:
        for arxiv_id in value:
            if not ARXIV_ID.fullmatch(arxiv_id):
                raise ValueError(f"{arxiv_id!r} is not an arXiv id such as '2411.18148'")
        return value


class ProfileSettings(ProfileFields):
    """A profile fully resolved: every key set, nothing inherited any more. This is what the store keeps."""

    name: str
    ai_summary: ProfileSummary = Field(default_factory=ProfileSummary)

    @field_validator("name")
    @classmethod
    def _name_shape(cls, value: str) -> str:
        if not PROFILE_NAME.fullmatch(value):
            raise ValueError("a profile name is 1 to 40 characters of a-z, 0-9 and '-'")
        return value

    def terms(self) -> list[WeightedTerm]:
        return [WeightedTerm(term=k) if isinstance(k, str) else k for k in self.keywords]

    def authors_boost(self) -> list[WeightedAuthor]:
        return [WeightedAuthor(name=a) if isinstance(a, str) else a for a in self.authors.boost]


PROFILE_KEYS = set(ProfileFields.model_fields) | {"ai_summary"}


def resolve(name: str, base: dict[str, Any], overrides: dict[str, Any]) -> ProfileSettings:
    """A profile's settings: the top level's values, then the profile's own keys on top."""
    values = {key: base[key] for key in PROFILE_KEYS if key in base}
    values["ai_summary"] = {"max_papers_to_summarize": (base.get("ai_summary") or {}).get(
        "max_papers_to_summarize", 15)}
    for key, value in overrides.items():
        if key == "ai_summary" and isinstance(value, dict):
            values["ai_summary"] = {**values["ai_summary"], **value}
        else:
            values[key] = value
    return ProfileSettings.model_validate({**values, "name": name})


def term_problems(fields: ProfileFields, prefix: str = "") -> list[tuple[str, str, Any]]:
    """(dotted key, message, term) of each term that can never match: `words` mode reads letters and digits, and
    an author is compared by name in every mode. Checked where a profile comes in (config.json, the API), not
    on stored rows: the scorer leaves out a stored profile it cannot score, and everything else still reads it."""
    checked = [("authors.boost", [a if isinstance(a, str) else a.name for a in fields.authors.boost]),
               ("authors.block", fields.authors.block)]
    if fields.scoring_mode == "words":
        checked += [("keywords", [k if isinstance(k, str) else k.term for k in fields.keywords]),
                    ("exclude_keywords", fields.exclude_keywords)]
    return [(".".join(([prefix] if prefix else []) + [key, str(index)]), "a term needs a letter or digit to match",
             text) for key, texts in checked for index, text in enumerate(texts)
            if not _LETTER_OR_DIGIT.search(text)]


def term_texts(fields: ProfileFields) -> list[str]:
    """Every term a profile has the scorer match: keywords, exclusions and authors."""
    return ([k if isinstance(k, str) else k.term for k in fields.keywords] + list(fields.exclude_keywords)
            + [a if isinstance(a, str) else a.name for a in fields.authors.boost] + list(fields.authors.block))


class TermBudget:
    """The distinct terms of the profiles taken so far, within MAX_TERM_CHARS_TOTAL characters (a term that many
    profiles share is matched once, so it counts once)."""

    def __init__(self, limit: int = MAX_TERM_CHARS_TOTAL) -> None:
        self.limit = limit
        self.chars = 0
        self._seen: set[str] = set()

    def take(self, fields: ProfileFields) -> bool:
        """Count the profile's terms in, or, if they would pass the limit, leave the budget as it was: False."""
        new = {t for t in term_texts(fields) if t not in self._seen}
        extra = sum(map(len, new))
        if self.chars + extra > self.limit:
            return False
        self._seen |= new
        self.chars += extra
        return True

    def refusal(self) -> str:
        return (f"all profiles' distinct keywords, exclusions and authors together would pass {self.limit:,} "
                f"characters ({self.chars:,} taken by the others), what one run matches at most")


def error_keys(exc: ValidationError, prefix: str = "") -> list[tuple[str, str, Any]]:
    """(dotted key, message, offending input) of each key a validation error finds wrong, the first problem of
    each (a value that fits no member of a union is one problem per member)."""
    found: dict[str, tuple[str, str, Any]] = {}
    for error in exc.errors():
        parts = [str(p) for p in error["loc"] if p not in UNION_TAGS]
        key = ".".join(([prefix] if prefix else []) + parts) or prefix or "(top level)"
        found.setdefault(key, (key, error["msg"], error.get("input")))
    return list(found.values())


def error_key(exc: ValidationError, prefix: str = "") -> tuple[str, str, Any]:
    """(dotted key, message, offending input) of a validation error's first problem."""
    return error_keys(exc, prefix)[0]
