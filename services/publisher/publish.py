"""Publishing one profile's digest of a run, once per content: README.md, the reference-compatible RSS, the
history-window feeds (RSS, Atom, JSON Feed; whole and per category) and the pages, all in the transaction
that claims the (run, profile)."""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from shared.models import Publication, RunProfile
from shared.messages import RunPublished
from shared.repository import Repository
from shared.runtime import Env
from shared.settings import Settings
from shared.stages import ProfileStage, RunStatus

from services.publisher.assemble import build_digest, profile_settings
from services.publisher.digest import Digest
from services.publisher.feeds import atom, jsonfeed, rss
from services.publisher.feeds.items import Channel, FeedItem
from services.publisher.feeds.legacy import render_rss
from services.publisher.names import FEED, FORMATS, README, category_feed, feed_name, feed_path, home_path
from services.publisher.pages import FEED_CONTENT_TYPES, render_pages, shown
from services.publisher.readme import render_readme
from services.publisher.webhooks.schedule import schedule_deliveries
from services.publisher.window import newest, update_window

__all__ = ["FEED", "README", "build_digest", "category_feed", "publish_profile", "render_all"]
log = logging.getLogger(__name__)
RENDERERS = {"rss": rss.render_rss, "atom": atom.render_atom, "json": jsonfeed.render_json}
# Statuses whose run has a digest of its own; any other (empty, error, a status this code does not know yet)
# keeps the current digest and only tells the page. A stale run (see `_news_since`) may have one too.
WITH_DIGEST = (RunStatus.OK, RunStatus.PARTIAL)


def _channel(digest: Digest, settings: Settings, updated: datetime, fmt: str, category: str | None) -> Channel:
    base = settings.public_url.rstrip("/")
    scope = category or ", ".join(digest.categories)
    title = "arXiv digest" if digest.profile == "default" else f"arXiv digest ({digest.profile})"
    return Channel(title=f"{title}: {scope}",
                   description=f"Papers on {scope} matching the profile's interests, ranked by score, "
                               "with AI summaries",
                   self_url=base + feed_path(digest.profile, fmt, category),
                   page_url=base + home_path(digest.profile), updated=updated)


def render_all(digest: Digest, env: Env, window: list[FeedItem] | None = None) -> list[tuple[str, str, str]]:
    """(name, content type, content) of every artifact of a digest; one timestamp for all of them. Without a
    window (a first publication, or a caller outside the store) the feeds hold the digest's own papers."""
    updated, base = env.clock(), env.settings.public_url.rstrip("/")
    prefix = "" if digest.profile == "default" else f"/profiles/{digest.profile}"
    legacy: dict = {}  # each item built once, then copied into every feed of this digest that lists it
    artifacts = [(README, "text/markdown; charset=utf-8", render_readme(digest, updated)),
                 (FEED, rss.CONTENT_TYPE, render_rss(digest, updated, f"{base}{prefix}/rss", built=legacy))]
    for category in digest.categories:
        artifacts.append((category_feed(category), rss.CONTENT_TYPE,
                          render_rss(digest, updated, f"{base}{prefix}/rss/{category}", category, legacy)))
    if window is None:
        window = [FeedItem.from_entry(e) for e in digest.entries]
    limit, built = env.settings.feed_window_items, {fmt: {} for fmt in FORMATS}
    for category in [None, *digest.categories]:
        items = newest(window, limit, category)
        for fmt in FORMATS:
            channel = _channel(digest, env.settings, updated, fmt, category)
            artifacts.append((feed_name(fmt, category), FEED_CONTENT_TYPES[fmt],
                              RENDERERS[fmt](channel, items, built[fmt])))
    return artifacts


async def ready(repo: Repository, run_profile) -> bool:  # noqa: ANN001 - a RunProfile
    """Every paper this profile wants summarized has an outcome."""
    return set(run_profile.to_summarize) <= await repo.summarized_ids(run_profile.run_id)


def publish_lock(profile: str) -> str:
    """The lock's name for a profile (lock names are at most 32 characters; profile names 40)."""
    return "publish:" + hashlib.sha256(profile.encode()).hexdigest()[:24]


async def _news_since(repo: Repository, run_profile: RunProfile, current: Publication | None) -> bool:
    """Whether a stale run (arXiv has not announced since; the run carries the day it still shows, scored with
    today's profiles) has a digest to publish: when the profile changed since the current digest was made
    (config.json edited, the API), or when the run has a summary the current digest lacks (a key mended, a
    provider back, another model, prompt or language), so either shows at once. Otherwise the profile keeps its
    digest as it is, even though papers age out of a short `days_back` while arXiv is closed."""
    if current is None:
        return True
    made_by = await repo.get_run_profile(current.run_id, run_profile.profile)
    if made_by is None or made_by.profile_version != run_profile.profile_version:
        return True
    # Another model, prompt or language is another summary: compared by the key of the summary each paper shows.
    mended = await repo.done_summaries(run_profile.run_id) - await repo.done_summaries(current.run_id)
    wanted = set(run_profile.to_summarize)
    return any(key[0] in wanted for key in mended)


async def publish_profile(env: Env, run_id: str, profile: str, force: bool = False) -> bool:
    """Publish a (run, profile) once, when its summaries are in (or `force`, at the deadline); returns whether
    the served digest changed."""
    async with env.sessions() as session, session.begin():
        repo = Repository(session)
        run_profile = await repo.get_run_profile(run_id, profile)
        run = await repo.get_run(run_id)
        if run is None or run_profile is None or run_profile.stage != ProfileStage.SCORED:
            return False  # unknown, or published already
        if not force and not await ready(repo, run_profile):
            return False
        # Two runs of one profile publishing at once (two fetches of the same day) would both find no current
        # digest and both write theirs: one at a time per profile, and the second sees the first's digest.
        await repo.lock(publish_lock(profile))
        # Claimed first, so of two publishers racing for the same digest only one writes anything.
        if not await repo.advance_profile(run_id, profile, ProfileStage.SCORED, ProfileStage.PUBLISHED,
                                          published_at=env.clock()):
            return False
        key, changed, today = "", False, None
        current = await repo.current_publication(profile, README)
        late = (current is not None and current.announced is not None and run.announced is not None
                and run.announced < current.announced)
        if run_profile.status not in WITH_DIGEST and not (
                run_profile.status == RunStatus.STALE and not late
                and await _news_since(repo, run_profile, current)):
            # No announcement (or no feed at all) must not replace yesterday's digest with an empty page.
            log.info("run %s is %s for %r: the current digest stays", run_id, run_profile.status, profile)
        elif late:
            log.info("run %s for %r is older than the current digest: kept out of it", run_id, profile)
        else:
            digest = await build_digest(repo, run, run_profile)
            key = digest.key()
            changed = current is None or current.digest_key != key
            today = shown(digest, run.announced)
            if changed:
                window = await update_window(repo, profile, run_id, today.items, env.clock(), env.settings)
                created = env.clock()
                await repo.add_publications([
                    dict(profile=profile, name=name, run_id=run_id, announced=run.announced, digest_key=key,
                         content_type=content_type, content=content, created_at=created)
                    for name, content_type, content in render_all(digest, env, window)])
                # Decided with the digest, in its transaction: published and owed to subscribers, or neither.
                await schedule_deliveries(repo, env, digest, key, run.announced)
        if not late:
            categories = (await profile_settings(repo, run, profile)).categories
            pages = await render_pages(repo, env, run, run_profile, categories, today, changed)
            await repo.add_publications([
                dict(profile=profile, name=page.name, run_id=run_id, announced=page.announced, digest_key=page.key,
                     content_type=page.content_type, content=page.content, created_at=env.clock())
                for page in pages])
        await repo.advance_profile(run_id, profile, ProfileStage.PUBLISHED, ProfileStage.PUBLISHED,
                                   digest_key=key or None, changed=changed)
        repo.emit(RunPublished(run_id=run_id, profile=profile, digest_key=key, changed=changed))
    env.metrics.publications.labels("changed" if changed else "unchanged").inc()
    if key:
        log.info("run %s published for %r (%s)", run_id, profile, "new digest" if changed else "digest unchanged")
    return changed
