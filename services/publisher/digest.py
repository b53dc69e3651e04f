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
    summary_status: str = "none"  # done | failed | disabled | pending | none


@dataclass(frozen=True)
class Digest:
    run_id: str
    categories: list[str]
    keywords: list[str]
    model: str
    entries: list[Entry] = field(default_factory=list)

    def key(self) -> str:
        """Identifies the content, not the moment: the same selection and summaries give the same key."""
        payload = {"layout": LAYOUT_VERSION, "categories": self.categories, "keywords": self.keywords,
                   "model": self.model, "entries": [asdict(e) for e in self.entries]}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    def in_category(self, category: str) -> list[Entry]:
        return [e for e in self.entries if category in e.categories]
