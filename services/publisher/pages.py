"""The pages a publication writes: the profile's page (its latest run's status over the current digest,
the feeds, the earlier days) and the day's own page. A run without a digest of its own (no announcement, a
failed fetch) still rewrites the profile's page, so that it says so above the last good digest."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from shared.models import FetchRun, RunProfile
from shared.repository import Repository
from shared.runtime import Env

from services.publisher.assemble import build_digest
from services.publisher.digest import LAYOUT_VERSION, Digest
from services.publisher.feeds.items import FeedItem
from services.publisher.html import CONTENT_TYPE, FeedGroup, FeedLink, Page, render_page
from services.publisher.names import (FORMAT_LABELS, FORMATS, INDEX, README, day_page, day_path, feed_path,
                                      home_path)
from services.publisher.feeds import atom, jsonfeed, rss
from services.publisher.status import status_lines

MEDIA_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json"}
FEED_CONTENT_TYPES = {"rss": rss.CONTENT_TYPE, "atom": atom.CONTENT_TYPE, "json": jsonfeed.CONTENT_TYPE}
DAYS_LISTED = 60


@dataclass(frozen=True)
class Shown:
    """The digest a page shows."""

    key: str
    announced: date | None
    items: list[FeedItem]


@dataclass(frozen=True)
class PageArtifact:
    name: str
    content: str
    key: str  # the page's own content key (its digest, status and links), stored as the row's digest_key
    announced: date | None
    content_type: str = CONTENT_TYPE


def shown(digest: Digest, announced: date | None, items: list[FeedItem] | None = None) -> Shown:
    return Shown(digest.key(), announced, items if items is not None else [FeedItem.from_entry(e)
                                                                            for e in digest.entries])


def page_title(profile: str) -> str:
    return "arXiv digest" if profile == "default" else f"arXiv digest: {profile}"


def feed_groups(profile: str, categories: list[str]) -> list[FeedGroup]:
    def links(category: str | None) -> list[FeedLink]:
        return [FeedLink(FORMAT_LABELS[fmt], feed_path(profile, fmt, category), MEDIA_TYPES[fmt]) for fmt in FORMATS]

    return [FeedGroup("All papers", links(None), True)] + [FeedGroup(c, links(c), False) for c in categories]


def _key(page: Page, digest_key: str) -> str:
    payload = {"layout": LAYOUT_VERSION, "digest": digest_key, "page": page.__dict__}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


async def current_shown(repo: Repository, profile: str) -> Shown | None:
    """The profile's current digest rebuilt from the store, for a page over a run that has none."""
    readme = await repo.current_publication(profile, README)
    if readme is None:
        return None
    run = await repo.get_run(readme.run_id)
    run_profile = await repo.get_run_profile(readme.run_id, profile)
    if run is None or run_profile is None:
        return None
    return shown(await build_digest(repo, run, run_profile), run.announced)


async def render_pages(repo: Repository, env: Env, run: FetchRun, run_profile: RunProfile, categories: list[str],
                       today: Shown | None, new_day: bool) -> list[PageArtifact]:
    """The day's page (when the run published a new digest) and the profile's page (when it changed)."""
    profile, now = run_profile.profile, env.clock()
    showing = today or await current_shown(repo, profile)
    status = status_lines(run_profile.status, run.feeds, categories, len(today.items) if today else 0, run.announced)
    groups = feed_groups(profile, categories)
    common = dict(title=page_title(profile), home=home_path(profile), status=status, feeds=groups,
                  items=showing.items if showing else [])
    day = showing.announced.isoformat() if showing and showing.announced else None
    out = []
    if new_day and today is not None and day is not None:
        page = Page(**common, day=day, is_day=True)
        out.append(PageArtifact(day_page(day), render_page(page, now), _key(page, today.key), today.announced))
    listed = {name.removeprefix("days/").removesuffix(".html") for name in await repo.day_pages(profile, DAYS_LISTED)}
    listed |= {day} if out and day else set()
    days = [(d, day_path(profile, d)) for d in sorted(listed, reverse=True)[:DAYS_LISTED]]
    index = Page(**common, day=day, days=days)
    key = _key(index, showing.key if showing else "")
    current = await repo.current_publication(profile, INDEX)
    if current is None or current.digest_key != key:
        out.append(PageArtifact(INDEX, render_page(index, now), key, showing.announced if showing else None))
    return out
