"""Where a run's papers come from: arXiv's RSS feed (a request per category) or its Atom feed (one request for
every category, joined with `+`), each fetched politely and conditionally.

A feed URL's last answer is kept in `feed_state`: its ETag and Last-Modified go back as If-None-Match and
If-Modified-Since, so an unchanged feed costs a 304. A 304, or a 200 whose build date and items are the
previous answer's, is `stale`: arXiv has not announced since the date then seen; the run takes that feed's
items from the last run that had them (fetch.py), so the day is scored again with today's profiles.
Every category gets its own outcome in the run record (ok, empty, stale, error).
"""
from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, BinaryIO

from shared.models import FeedState
from shared.runtime import Env

from services.fetcher.arxiv import Feed, FeedError, UnknownCategory, parse_feed
from services.fetcher.atom import parse_atom
from services.fetcher.download import Answer, DownloadError, get
from services.fetcher.politeness import gate, user_agent
from services.fetcher.spool import Spool

log = logging.getLogger(__name__)


@dataclass
class FeedOutcome:
    category: str
    status: str  # ok | empty | stale | error
    feed: Feed | None = None
    error: str | None = None
    bad_items: list[str] = field(default_factory=list)
    url: str = ""
    kind: str | None = None  # "configuration": arXiv does not know the category (fix config.json)
    announced: date | None = None  # the announcement the feed shows (a stale feed: the last one seen)
    # What the run's item list keeps of each item, in the feed's order: (arxiv id, version, announce type).
    listings: list[tuple[str, int, str]] = field(default_factory=list)

    def record(self) -> dict:
        return {"category": self.category, "status": self.status, "error": self.error,
                "items": len(self.listings), "bad_items": self.bad_items[:20],
                "url": self.url, "kind": self.kind,
                "announced": self.announced.isoformat() if self.announced else None}


@dataclass
class Source:
    """One request: its URL and the categories its answer covers."""

    url: str
    categories: list[str]
    format: str  # rss | atom


def sources(env: Env, categories: list[str]) -> list[Source]:
    settings = env.settings
    if settings.arxiv_feed_format == "atom":
        return [Source(settings.arxiv_atom_base_url + "+".join(categories), categories, "atom")] if categories \
            else []
    return [Source(settings.arxiv_rss_base_url + c, [c], "rss") for c in categories]


def fingerprint(feeds: list[Feed]) -> str:
    """What makes an answer the same announcement: the build date and every item's id, version and type."""
    parts = [feeds[0].built or "" if feeds else ""]
    parts += sorted({f"{arxiv_id}v{version}:{kind}" for f in feeds for arxiv_id, version, kind in f.listings})
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _headers(env: Env, state: FeedState | None) -> dict[str, str]:
    headers = {"User-Agent": user_agent(env.settings)}
    if state is not None and state.etag:
        headers["If-None-Match"] = state.etag
    if state is not None and state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


async def _download(env: Env, source: Source, state: FeedState | None, into: BinaryIO | None = None) -> Answer:
    settings = env.settings
    async with gate(env).turn(source.url, settings.arxiv_min_delay_seconds):
        return await get(env.http, source.url, max_bytes=settings.max_feed_bytes, retries=settings.http_retries,
                         deadline=settings.http_deadline_seconds,
                         total_deadline=settings.http_total_deadline_seconds, headers=_headers(env, state),
                         into=into)


def _failed(source: Source, exc: Exception) -> list[FeedOutcome]:
    kind = "configuration" if isinstance(exc, UnknownCategory) else None
    log.error("feed %s failed%s: %s", "+".join(source.categories),
              " (configuration error)" if kind else "", exc)
    return [FeedOutcome(c, "error", error=str(exc), url=source.url, kind=kind) for c in source.categories]


async def fetch_source(env: Env, source: Source, state: FeedState | None, now: datetime,
                       spool: Spool | None = None) -> tuple[list[FeedOutcome], dict[str, Any] | None]:
    """The source's outcome per category, and its new feed_state row (None: nothing to remember). With a
    `spool`, the items of a new announcement go there as they are parsed, and the feeds keep only listings."""
    try:
        if spool is None or source.format != "rss":
            return _outcomes(source, state, now, spool, await _download(env, source, state))
        # The body on disk too, parsed from there: a day's biggest feed is megabytes.
        with tempfile.TemporaryFile(prefix="arxiv-bot-feed-") as body:
            return _outcomes(source, state, now, spool, await _download(env, source, state, body), body)
    except (DownloadError, FeedError) as exc:
        return _failed(source, exc), None
    finally:
        if spool is not None:
            spool.discard()  # what a feed that broke halfway, or a stale one, left pending (none after a commit)


def _outcomes(source: Source, state: FeedState | None, now: datetime, spool: Spool | None, answer: Answer,
              body: BinaryIO | None = None) -> tuple[list[FeedOutcome], dict[str, Any] | None]:
    """What an answer says, per category: stale (a 304, or the same announcement again), ok or empty."""
    if answer.not_modified and state is not None:
        log.warning("feed %s is stale (304 Not Modified): arXiv has not announced since %s", source.url,
                    state.announced)
        row = {c.name: getattr(state, c.name) for c in FeedState.__table__.columns}  # type: ignore[attr-defined]
        return ([FeedOutcome(c, "stale", url=source.url, announced=state.announced) for c in source.categories],
                {**row, "checked_at": now})
    if answer.not_modified:
        raise DownloadError(f"GET {source.url}: HTTP 304 to a request that was not conditional")
    feeds = parse_atom(answer.body, source.categories) if source.format == "atom" \
        else [parse_feed(answer.body if body is None else body, source.categories[0],
                         spool.add if spool is not None else None)]
    seen = fingerprint(feeds)
    announced = max((f.announced for f in feeds if f.announced), default=None)
    stale = state is not None and state.fingerprint == seen and any(f.listings for f in feeds)
    if stale:
        announced = announced or state.announced
        log.warning("feed %s is stale (same build and items as the last run): arXiv has not announced since %s",
                    source.url, announced)
    row = dict(url=source.url, etag=answer.headers.get("ETag"), last_modified=answer.headers.get("Last-Modified"),
               built=feeds[0].built if feeds else None, fingerprint=seen,
               announced=announced or (state.announced if state else None), checked_at=now,
               changed_at=state.changed_at if stale and state else now)
    if spool is not None and not stale:
        for feed in feeds:  # an Atom answer's items, parsed whole
            if feed.items:
                spool.add(feed.items)
                feed.items = []
        spool.commit()
    outcomes = [FeedOutcome(f.category, "stale" if stale else "ok" if f.listings else "empty",
                            None if stale else f, bad_items=f.bad_items, url=source.url,
                            announced=f.announced or announced, listings=[] if stale else f.listings)
                for f in feeds]
    return outcomes, row


async def fetch_all(env: Env, categories: list[str], states: dict[str, FeedState], now: datetime,
                    spool: Spool) -> tuple[list[FeedOutcome], list[dict[str, Any]]]:
    """Every category's outcome, in the categories' order, and the feed_state rows to save with the run; the
    feeds' items go to `spool` as each feed comes in."""
    outcomes: list[FeedOutcome] = []
    rows: list[dict[str, Any]] = []
    order = {c: n for n, c in enumerate(categories)}
    for source in sources(env, categories):
        found, row = await fetch_source(env, source, states.get(source.url), now, spool)
        if len(source.categories) > 1 and any(o.kind == "configuration" for o in found):
            # One unknown category makes arXiv refuse the whole request: ask for each alone, so the bad one is
            # named and the others still come.
            log.info("feed %s names a category arXiv does not know; asking for each category alone", source.url)
            found = []
            for single in (Source(env.settings.arxiv_atom_base_url + c, [c], "atom") for c in source.categories):
                part, row = await fetch_source(env, single, states.get(single.url), now, spool)
                found += part
                rows += [row] if row else []
            row = None
        outcomes += found
        rows += [row] if row else []
    return sorted(outcomes, key=lambda o: order.get(o.category, len(order))), rows


def state_urls(env: Env, categories: list[str]) -> list[str]:
    """Every URL whose state a run over `categories` may need (the Atom fallback asks per category)."""
    urls = [s.url for s in sources(env, categories)]
    if env.settings.arxiv_feed_format == "atom" and len(categories) > 1:
        urls += [env.settings.arxiv_atom_base_url + c for c in categories]
    return urls
