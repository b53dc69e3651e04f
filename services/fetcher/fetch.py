"""A fetch run: download each category's feed, store the papers once, record the run, emit what changed."""
from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field

from shared.config import BotConfig
from shared.messages import PaperFetched, RunFetched
from shared.models import FetchRun, Paper, RunItem
from shared.repository import Repository
from shared.runtime import Env

from services.fetcher.arxiv import Feed, FeedError, FeedItem, parse_feed
from services.fetcher.download import DownloadError, download

log = logging.getLogger(__name__)


@dataclass
class FeedOutcome:
    category: str
    status: str  # ok | empty | error
    feed: Feed | None = None
    error: str | None = None
    bad_items: list[str] = field(default_factory=list)

    def record(self) -> dict:
        return {"category": self.category, "status": self.status, "error": self.error,
                "items": len(self.feed.items) if self.feed else 0, "bad_items": self.bad_items[:20]}


async def fetch_feed(env: Env, category: str) -> FeedOutcome:
    url = env.settings.arxiv_rss_base_url + category
    try:
        body = await download(env.http, url, max_bytes=env.settings.max_feed_bytes,
                              retries=env.settings.http_retries, deadline=env.settings.http_deadline_seconds,
                              total_deadline=env.settings.http_total_deadline_seconds)
        feed = parse_feed(body, category)
    except (DownloadError, FeedError) as exc:
        log.error("feed %s failed: %s", category, exc)
        return FeedOutcome(category, "error", error=str(exc))
    return FeedOutcome(category, "ok" if feed.items else "empty", feed, bad_items=feed.bad_items)


def content_hash(item: FeedItem) -> str:
    fields = [item.version, item.title, item.abstract, item.authors, item.categories]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


def run_status(outcomes: list[FeedOutcome]) -> str:
    errors = sum(o.status == "error" for o in outcomes)
    if errors == len(outcomes):
        return "error"
    if errors:
        return "partial"
    return "ok" if any(o.status == "ok" for o in outcomes) else "empty"


def _apply(existing: Paper | None, item: FeedItem, digest: str, env: Env) -> tuple[Paper, str]:
    now = env.clock()
    values = dict(version=item.version, title=item.title, abstract=item.abstract, authors=item.authors,
                  categories=item.categories, primary_category=item.primary_category,
                  announce_type=item.announce_type, announced=item.announced, abs_url=item.abs_url,
                  pdf_url=item.pdf_url, content_hash=digest, updated_at=now)
    if existing is None:
        return Paper(arxiv_id=item.arxiv_id, first_seen_at=now, **values), "new"
    if existing.content_hash == digest or item.version < existing.version:
        return existing, "unchanged"  # an older version seen late never overwrites a newer one
    for key, value in values.items():
        setattr(existing, key, value)
    return existing, "changed"


async def fetch_run(env: Env, config: BotConfig, run_id: str | None = None) -> FetchRun:
    """Fetch every configured category and commit the run, its items, the papers and the messages together.

    `run_id` is the requesting message's id, so a redelivered request finds its run and fetches nothing.
    """
    if run_id is not None:
        async with env.sessions() as session:
            done = await Repository(session).get_run(run_id)
        if done is not None:
            return done
    started = env.clock()
    outcomes = [await fetch_feed(env, category) for category in config.categories]
    for outcome in outcomes:
        env.metrics.feeds.labels(outcome.status).inc()
        env.metrics.bad_items.inc(len(outcome.bad_items))
    run = FetchRun(id=run_id or uuid.uuid4().hex, started_at=started, status=run_status(outcomes), stage="fetched",
                   config=config.snapshot(), feeds=[o.record() for o in outcomes])
    run.announced = max((o.feed.announced for o in outcomes if o.feed and o.feed.announced), default=None)
    ordered = [(o.category, item) for o in outcomes if o.feed for item in o.feed.items]
    async with env.sessions() as session, session.begin():
        repo = Repository(session)
        known = await repo.papers_by_id(item.arxiv_id for _, item in ordered)
        changes: dict[str, str] = {}
        repo.add(run)
        for _, item in ordered:
            if item.arxiv_id not in changes:  # a paper in three feeds is one paper, judged once
                paper, change = _apply(known.get(item.arxiv_id), item, content_hash(item), env)
                known[item.arxiv_id] = paper
                changes[item.arxiv_id] = change
                repo.add(paper)
        await session.flush()  # papers before the items that point at them
        for position, (category, item) in enumerate(ordered):
            repo.add(RunItem(run_id=run.id, position=position, arxiv_id=item.arxiv_id, version=item.version,
                             feed_category=category, announce_type=item.announce_type))
        counts = {kind: sum(c == kind for c in changes.values()) for kind in ("new", "changed", "unchanged")}
        run.items, run.new = len(changes), counts["new"]
        run.changed, run.unchanged = counts["changed"], counts["unchanged"]
        run.finished_at = env.clock()
        for arxiv_id, change in changes.items():
            env.metrics.papers.labels(change).inc()
            if change != "unchanged":
                repo.emit(PaperFetched(run_id=run.id, arxiv_id=arxiv_id, version=known[arxiv_id].version,
                                       change=change))
        repo.emit(RunFetched(run_id=run.id, status=run.status, announced=run.announced, items=run.items,
                             new=run.new, changed=run.changed))
    log.info("run %s: %s, %d papers (%d new, %d changed) from %d feeds", run.id, run.status, run.items,
             run.new, run.changed, len(outcomes))
    return run
