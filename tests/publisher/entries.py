"""Builders of digest entries for the renderer tests: a valid entry, changed only where a test says."""
from __future__ import annotations

from datetime import date

from services.publisher.digest import Digest, Entry


def entry(n: int = 1, **changes: object) -> Entry:
    fields: dict[str, object] = dict(
        arxiv_id=f"2411.{18000 + n}", version=2, title=f"Paper {n} on LLM serving",
        authors=["Ada Lovelace", "Alan Turing"], abstract="We study fast LLM serving.",
        categories=["cs.LG", "cs.AI"], shown_category="cs.AI", announced=date(2024, 11, 28),
        announce_type="new", score=8.5, keywords=["LLM", "Fast"],
        abs_url=f"https://arxiv.org/abs/2411.{18000 + n}", pdf_url=f"https://arxiv.org/pdf/2411.{18000 + n}v2")
    fields.update(changes)
    return Entry(**fields)  # type: ignore[arg-type]


def digest(*entries: Entry, **changes: object) -> Digest:
    fields: dict[str, object] = dict(run_id="run-1", categories=["cs.AI", "cs.CL", "cs.DC", "cs.LG"],
                                     keywords=["LLM", "Fast"], model="qwen-long", entries=list(entries))
    fields.update(changes)
    return Digest(**fields)  # type: ignore[arg-type]
