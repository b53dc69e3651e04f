"""What a published digest holds: the ranked entries with their summaries. Pure data, no I/O."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date

# Bump when the rendering changes, so an unchanged selection is still re-rendered once in the new layout.
LAYOUT_VERSION = 2


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


@dataclass(frozen=True)
class Digest:
    run_id: str
    categories: list[str]
    keywords: list[str]
    model: str
    entries: list[Entry] = field(default_factory=list)
    profile: str = "default"
    near_misses: list[Entry] = field(default_factory=list)  # the next few below the cut, with their scores

    def key(self) -> str:
        """Identifies the content, not the moment: the same selection and summaries give the same key."""
        payload = {"layout": LAYOUT_VERSION, "profile": self.profile, "categories": self.categories,
                   "keywords": self.keywords, "model": self.model, "entries": [asdict(e) for e in self.entries],
                   "near_misses": [asdict(e) for e in self.near_misses]}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    def in_category(self, category: str) -> list[Entry]:
        return [e for e in self.entries if category in e.categories]


def why_line(hits: list[dict], limit: int = 8) -> str:
    """The stored score parts as one line: terms in the order they scored, title and author hits marked."""
    terms = [f"{h['term']} ({h['where']})" if h["where"] in ("title", "author") else h["term"] for h in hits]
    terms = list(dict.fromkeys(terms))
    return ", ".join(terms[:limit]) + (", …" if len(terms) > limit else "")
