"""OAI-PMH pages made into `papers` rows for the backfill: parsed, made readable, hashed, counted.

Most of a backfill's Python work (about 110 ms a page of 1,000 records on a quiet core: 70 parsing, 30 making
titles and abstracts readable, 10 hashing); done in a thread, while the event loop downloads the next page
and stores the one before. (A worker process instead was measured slower on this 2-core machine under load:
pickling the rows back cost more than the GIL it freed.) Only the rows and a few counts leave the thread, not
the parsed records.
"""
from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from collections.abc import Awaitable, Callable

from services.fetcher.oai import OaiPage, OaiRecord, parse_page
from shared.latex import readable

ANNOUNCE_TYPE = "backfill"  # not announced through a feed the bot read: said so, never taken for "new"


@dataclass
class Parsed:
    """One page as the backfill stores and counts it."""

    rows: list[dict[str, Any]]
    token: str | None  # None: this was the last page
    complete_list_size: int | None
    records: int
    deleted: int
    bad: int
    odd: list[tuple[str, tuple[str, ...]]]  # (id, names) of records naming things that are not categories


def record_hash(record: OaiRecord) -> str:
    # OAI-PMH's text is laid out differently from the feeds' (line breaks, author order of names), so a feed's
    # copy never hashes the same anyway: a later fetch of the paper replaces the backfilled row, as it should.
    # Separators that cannot occur in XML text keep the fields apart.
    text = "\x1e".join([str(record.version), record.title, record.abstract, "\x1f".join(record.authors),
                        " ".join(record.categories)])
    return hashlib.sha256(text.encode()).hexdigest()


def paper_row(record: OaiRecord, now: datetime) -> dict[str, Any]:
    return dict(arxiv_id=record.arxiv_id, version=record.version, title=record.title, abstract=record.abstract,
                # the readable forms a fetch stores too (shared/latex.py)
                title_text=readable(record.title), abstract_text=readable(record.abstract), authors=record.authors,
                categories=record.categories, primary_category=record.primary_category,
                announce_type=ANNOUNCE_TYPE,
                # OAI-PMH does not say when a paper was announced; its first version's date is the closest
                announced=record.created, abs_url=f"https://arxiv.org/abs/{record.arxiv_id}",
                pdf_url=f"https://arxiv.org/pdf/{record.arxiv_id}",  # the latest version, whichever it is
                content_hash=record_hash(record), first_seen_at=now, updated_at=now, comments=record.comments,
                journal_ref=record.journal_ref, doi=record.doi)


def page_rows(page: OaiPage, now: datetime) -> list[dict[str, Any]]:
    """One row per id (a page naming a paper twice keeps its highest version)."""
    rows: dict[str, dict[str, Any]] = {}
    for record in page.records:
        known = rows.get(record.arxiv_id)
        if known is None or record.version > known["version"]:
            rows[record.arxiv_id] = paper_row(record, now)
    return list(rows.values())


def parse_rows(body: bytes, metadata_prefix: str, now: datetime) -> Parsed:
    """A page's body to its rows (what the worker process runs)."""
    page = parse_page(body, metadata_prefix)
    return Parsed(page_rows(page, now), page.token, page.complete_list_size, len(page.records), page.deleted,
                  len(page.bad), [(r.arxiv_id, r.left_out) for r in page.records if r.left_out])


def row_maker(clock: Callable[[], datetime]) -> Callable[[bytes, str], Awaitable[Parsed]]:
    """What the harvest's pages are parsed with: each body made rows in a thread, stamped with `clock()`."""
    async def make(body: bytes, metadata_prefix: str) -> Parsed:
        return await asyncio.to_thread(parse_rows, body, metadata_prefix, clock())
    return make
