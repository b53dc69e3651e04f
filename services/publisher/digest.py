"""What a published digest holds: the ranked entries with their summaries. Pure data, no I/O."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

# Bump when the rendering changes, so an unchanged selection is still re-rendered once in the new layout.
LAYOUT_VERSION = 3


@dataclass(frozen=True)
class Entry:
    arxiv_id: str
    version: int
    title: str
    authors: list[str]
    abstract: str
    categories: list[str]
    shown_category: str
    announced: date | None
    announce_type: str
    score: float
    keywords: list[str]
    abs_url: str
    pdf_url: str
    summary: str | None = None
    summary_status: str = "none"  # SummaryStatus: done | failed | disabled | pending | none
    why: str = ""  # "LLM (title), inference, KV cache": the terms that gave the paper its score
    summary_source: str | None = None  # what the model read: html | pdf | abstract
    summary_detail: str | None = None  # why only the abstract ("no full text available", "the PDF is encrypted")
    summary_tokens: int = 0  # tokens sent
    summary_cut: bool = False  # the text was cut to fit the token budget


@dataclass(frozen=True)
class Digest:
    run_id: str
    categories: list[str]
    keywords: list[str]
    model: str
    entries: list[Entry] = field(default_factory=list)
    profile: str = "default"
    near_misses: list[Entry] = field(default_factory=list)  # the next few below the cut, with their scores
    # The footer's cost line. Not part of key(): a re-run that reuses every summary is the same digest.
    tokens_total: int = 0  # tokens this run paid for (prompt + completion) for the digest's summaries
    summaries_reused: int = 0  # summaries taken from earlier runs, paid for then

    def key(self) -> str:
        """Identifies the content, not the moment: the same selection and summaries give the same key.

        Computed once per digest (a publication asks several times). Entries hold only plain values, so their
        `__dict__` serialises exactly as `dataclasses.asdict` did, without its deep copy: stored keys stay valid
        (a changed key would republish an unchanged digest and notify its subscribers again)."""
        cached = self.__dict__.get("_key")
        if cached is None:
            payload = {"layout": LAYOUT_VERSION, "profile": self.profile, "categories": self.categories,
                       "keywords": self.keywords, "model": self.model,
                       "entries": [e.__dict__ for e in self.entries],
                       "near_misses": [e.__dict__ for e in self.near_misses]}
            cached = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
            self.__dict__["_key"] = cached  # a frozen dataclass: its fields cannot be set, its __dict__ can
        return cached

    def in_category(self, category: str) -> list[Entry]:
        return [e for e in self.entries if category in e.categories]


def summary_label(entry: Entry) -> str:
    """What the summary was made from, for the line under it: "Summary of the full text (HTML, 18,200 tokens)"."""
    if entry.summary_source in ("html", "pdf"):
        size = f"cut to {entry.summary_tokens:,} tokens" if entry.summary_cut else f"{entry.summary_tokens:,} tokens"
        return f"Summary of the full text ({entry.summary_source.upper()}, {size})"
    if entry.summary_source == "abstract":
        return f"Summary of the abstract only ({entry.summary_detail or 'no full text available'})"
    return ""


def cost_line(digest: Digest) -> str:
    """The footer's line on summaries: how many, how many reused, the tokens this run spent on them."""
    done = sum(1 for e in digest.entries if e.summary_status == "done" and e.summary)
    if not done:
        return ""
    return (f"AI summaries: {done} ({digest.summaries_reused} reused from earlier runs); "
            f"{digest.tokens_total:,} tokens used by this run")


def why_line(hits: list[dict], limit: int = 8) -> str:
    """The stored score parts as one line: terms in the order they scored, title and author hits marked."""
    terms = [f"{h['term']} ({h['where']})" if h["where"] in ("title", "author") else h["term"] for h in hits]
    terms = list(dict.fromkeys(terms))
    return ", ".join(terms[:limit]) + (", …" if len(terms) > limit else "")
