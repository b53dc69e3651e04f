"""A fetch run: download each category's feed, store the papers once, record the run, emit what changed."""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, TypeVar

from shared.config import BotConfig
from shared.latex import readable
from shared.messages import PaperUpdated, RunFetched, UpdatedPaper
from shared.models import FetchRun
from shared.profiles import ProfileSettings
from shared.repository import Repository
from shared.runtime import Env
from shared.stages import RunStage, RunStatus, status_of

from services.fetcher.arxiv import FeedItem
from services.fetcher.searchable import index_run
from services.fetcher.sources import FeedOutcome, fetch_all, state_urls
from services.fetcher.spool import Spool
from services.fetcher.trigger import request_fetch

log = logging.getLogger(__name__)
# Papers (and run items) written per statement: what is built to store them (readable texts, bound
# parameters) exists for one batch at a time, so a big day costs no more memory to store than a small one.
STORE_BATCH = 250
T = TypeVar("T")


def content_hash(item: FeedItem) -> str:
    fields = [item.version, item.title, item.abstract, item.authors, item.categories]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


def run_status(outcomes: list[FeedOutcome]) -> RunStatus:
    return status_of([o.status for o in outcomes])


def _values(item: FeedItem, now: datetime) -> dict[str, Any]:
    return dict(arxiv_id=item.arxiv_id, version=item.version, title=item.title, abstract=item.abstract,
                title_text=readable(item.title), abstract_text=readable(item.abstract),
                authors=item.authors, categories=item.categories, primary_category=item.primary_category,
                announce_type=item.announce_type, announced=item.announced, abs_url=item.abs_url,
                pdf_url=item.pdf_url, first_seen_at=now, updated_at=now)


def _version(item: FeedItem, now: datetime) -> dict[str, Any]:
    return dict(arxiv_id=item.arxiv_id, version=item.version, title=item.title, abstract=item.abstract,
                authors=item.authors, announce_type=item.announce_type, announced=item.announced, seen_at=now)


def _change(existing: tuple[int, str] | None, version: int, digest: str) -> str:
    """new / changed / unchanged, against the stored (version, content hash)."""
    if existing is None:
        return "new"
    if existing[1] == digest or version < existing[0]:
        return "unchanged"  # an older version seen late never overwrites a newer one
    return "changed"


def _batches(rows: Iterable[T], size: int = STORE_BATCH) -> Iterator[list[T]]:
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def fetch_categories(profiles: list[ProfileSettings], fallback: list[str]) -> list[str]:
    """The union of every profile's categories, once each: `default`'s first, in its order (the reference's
    selection depends on which feed shows a paper first), then the others' in profile order."""
    ordered = [c for p in profiles for c in p.categories]
    return list(dict.fromkeys(ordered or fallback))


async def fetch_now(env: Env, config: BotConfig, reason: str, take_over: bool = False) -> tuple[FetchRun, bool]:
    """Request a run and fetch it in this process; (run, False) when it was coalesced into a running one.

    `take_over` fetches a coalesced run that is still waiting (one process of its own, as `run --once` is, can
    only find one left behind by a crash)."""
    run, started = await request_fetch(env, config, reason, emit=False)
    if started or (take_over and run.stage == RunStage.REQUESTED):
        return await fetch_run(env, run.id), started
    return run, False


async def _run_items(repo: Repository, run_id: str, outcomes: list[FeedOutcome]) -> list[tuple[str, int, str, str]]:
    """The run's items in fetch order, (arxiv_id, version, feed category, announce type). A stale feed (arXiv
    has not announced since the last run) brings the items it showed then, so the day is scored again: a
    profile edited since sees its new selection, and an unchanged one keeps its digest (the publisher's
    `_news_since`)."""
    items: list[tuple[str, int, str, str]] = []
    for outcome in outcomes:
        if outcome.feed:
            items += [(arxiv_id, version, outcome.category, kind) for arxiv_id, version, kind in outcome.listings]
        elif outcome.status == RunStatus.STALE:
            items += [(i.arxiv_id, i.version, outcome.category, i.announce_type)
                      for i in await repo.last_items_of(outcome.category, run_id)]
    return items


async def _store_papers(repo: Repository, spool: Spool, known: dict[str, tuple[int, str]],
                        now: datetime) -> tuple[dict[str, int], list[UpdatedPaper]]:
    """Upsert the new and changed papers, and add every version seen to the history once (an older one seen
    late included: it never becomes current), a batch at a time; how many papers were new, changed and
    unchanged, and which were replaced by a newer version."""
    counts = dict.fromkeys(("new", "changed", "unchanged"), 0)
    updated: list[UpdatedPaper] = []
    for batch in _batches(spool.papers()):
        rows = []
        for item in batch:
            digest, before = content_hash(item), known.get(item.arxiv_id)
            change = _change(before, item.version, digest)
            counts[change] += 1
            if before is not None and item.version > before[0]:
                updated.append(UpdatedPaper(arxiv_id=item.arxiv_id, version=item.version,
                                            previous_version=before[0]))
            if change != "unchanged":
                rows.append({**_values(item, now), "content_hash": digest})
        await repo.upsert_papers(rows)
        await repo.add_versions([_version(item, now) for item in batch])
    return counts, updated


async def fetch_run(env: Env, run_id: str) -> FetchRun:
    """Fetch every category any profile follows; commit the run, its items and the papers together.

    A run is requested first (services/fetcher/trigger.py) and named by `run_id`, so a redelivered request
    finds its run fetched already and fetches nothing.
    """
    async with env.sessions() as session:
        repo = Repository(session)
        run = await repo.get_run(run_id)
        profiles = [ProfileSettings.model_validate(p.settings) for p in await repo.active_profiles()]
        if run is None:
            raise LookupError(f"run {run_id} was never requested")
        config = await repo.run_config(run_id) if run.stage == RunStage.REQUESTED else None
    if config is None:  # fetched already: this is a redelivery
        await index_run(env, run.id)  # what a crash after the fetch's commit left unsearchable
        return run
    categories = fetch_categories(profiles, config.categories)
    async with env.sessions() as session:
        states = await Repository(session).feed_states(state_urls(env, categories))
    with Spool() as spool:  # the feeds' items wait on disk, not in memory, until they are stored
        outcomes, feed_states = await fetch_all(env, categories, states, env.clock(), spool)
        for outcome in outcomes:
            env.metrics.feeds.labels(outcome.status).inc()
            env.metrics.bad_items.inc(len(outcome.bad_items))
        now = env.clock()
        async with env.sessions() as session, session.begin():
            repo = Repository(session)
            await repo.defer_search()  # documents after the commit, below: computing them here held the run back
            status = run_status(outcomes)
            # A stale feed says which announcement it still shows: the page reads "not announced since <date>".
            announced = max((o.announced for o in outcomes
                             if o.status in ("ok", "empty", "stale") and o.announced), default=None)
            run_items = await _run_items(repo, run.id, outcomes)
            listed = len({arxiv_id for arxiv_id, *_ in run_items})  # papers, however many feeds list them
            feeds = [o.record() for o in outcomes]
            for outcome in outcomes:  # recorded, and in `run_items`: a big day's listings can go
                outcome.listings.clear()  # the feed's own list too
            if not await repo.advance(run.id, [RunStage.REQUESTED], RunStage.FETCHED, status=status,
                                      announced=announced, feeds=feeds, items=listed, finished_at=env.clock()):
                raise RuntimeError(f"run {run.id} was fetched by someone else meanwhile")
            # (version, content hash) of the papers stored already: no ORM object, no text, per paper.
            known = await repo.paper_versions(spool.ids())
            counts, updated = await _store_papers(repo, spool, known, now)
            del known
            await repo.advance(run.id, [RunStage.FETCHED], RunStage.FETCHED, new=counts["new"],
                               changed=counts["changed"], unchanged=counts["unchanged"])
            # Saved with the run: a crash before this commit leaves the old validators, so nothing is skipped.
            await repo.save_feed_states(feed_states)
            for batch in _batches(dict(run_id=run.id, position=position, arxiv_id=arxiv_id, version=version,
                                       feed_category=category, announce_type=announce_type)
                                  for position, (arxiv_id, version, category, announce_type)
                                  in enumerate(run_items)):
                await repo.add_run_items(batch)
            for change, count in counts.items():
                env.metrics.papers.labels(change).inc(count)
            repo.emit(RunFetched(run_id=run.id, status=status, announced=announced, items=listed,
                                 new=counts["new"], changed=counts["changed"]))
            if updated:  # one message for the run's replacements, however many
                repo.emit(PaperUpdated(run_id=run.id, papers=updated))
    await env.flush()  # run.fetched leaves now: the scorer starts while the documents are computed
    await index_run(env, run.id)
    async with env.sessions() as session:
        run = await Repository(session).get_run(run.id) or run
    if run.status == RunStatus.STALE:
        log.warning("run %s: stale: arXiv has not announced since %s", run.id, run.announced)
    log.info("run %s: %s, %d papers (%d new, %d changed) from %d feeds", run.id, run.status, run.items,
             run.new, run.changed, len(outcomes))
    return run
