"""Publishing one profile's digest of a run: README.md and RSS feeds, once per content."""
from __future__ import annotations

import logging

from shared.config import BotConfig
from shared.messages import RunPublished
from shared.models import FetchRun, Paper, Publication, RunProfile, Score, Summary
from shared.profiles import ProfileSettings
from shared.repository import Repository
from shared.runtime import Env
from shared.stages import ProfileStage, RunStatus, SummaryStatus

from services.publisher.digest import Digest, Entry, why_line
from services.publisher.feeds import render_rss
from services.publisher.readme import render_readme
from services.publisher.webhooks.schedule import schedule_deliveries

log = logging.getLogger(__name__)
README = "README.md"
FEED = "feed.xml"


def category_feed(category: str) -> str:
    return f"feeds/{category}.xml"


def _entry(score: Score, paper: Paper, status: str, summary: str | None, row: Summary | None = None) -> Entry:
    return Entry(
        arxiv_id=paper.arxiv_id, version=paper.version, title=paper.title, authors=paper.authors,
        abstract=paper.abstract, categories=paper.categories, shown_category=score.shown_category,
        announced=paper.announced, announce_type=paper.announce_type, score=score.score,
        keywords=list(dict.fromkeys(h["term"] for h in score.hits)), abs_url=paper.abs_url, pdf_url=paper.pdf_url,
        summary=summary, summary_status=status, why=why_line(score.hits),
        summary_source=row.source if row else None, summary_detail=row.source_detail if row else None,
        summary_tokens=row.tokens_sent if row else 0, summary_cut=row.cut if row else False)


async def build_digest(repo: Repository, run: FetchRun, run_profile: RunProfile) -> Digest:
    config = BotConfig.from_snapshot(run.config)
    stored = await repo.get_profile(run_profile.profile)
    settings = ProfileSettings.model_validate(stored.settings) if stored else config.profile_settings()["default"]
    outcomes = await repo.run_summaries(run.id)
    entries, tokens, reused = [], 0, 0
    for score, paper in await repo.selection(run.id, run_profile.profile):
        outcome, summary = outcomes.get(paper.arxiv_id, (None, None))
        wanted = paper.arxiv_id in run_profile.to_summarize
        status = outcome.status if outcome else (SummaryStatus.PENDING if wanted else SummaryStatus.NONE)
        text = summary.text if summary and summary.status == SummaryStatus.DONE else None
        entries.append(_entry(score, paper, status, text, summary if text else None))
        if text and outcome and summary:
            reused += outcome.reused
            tokens += 0 if outcome.reused else summary.prompt_tokens + summary.completion_tokens
    near = [_entry(score, paper, SummaryStatus.NONE, None)
            for score, paper in await repo.selection(run.id, run_profile.profile, near_misses=True)]
    return Digest(run_id=run.id, categories=settings.categories, keywords=[t.term for t in settings.terms()],
                  model=config.ai_summary.model, entries=entries, profile=run_profile.profile, near_misses=near,
                  tokens_total=tokens, summaries_reused=reused)


def render_all(digest: Digest, env: Env) -> list[tuple[str, str, str]]:
    """(name, content type, content) of every artifact; one timestamp for all of them."""
    updated, base = env.clock(), env.settings.public_url.rstrip("/")
    prefix = "" if digest.profile == "default" else f"/profiles/{digest.profile}"
    artifacts = [(README, "text/markdown; charset=utf-8", render_readme(digest, updated)),
                 (FEED, "application/rss+xml; charset=utf-8", render_rss(digest, updated, f"{base}{prefix}/rss"))]
    for category in digest.categories:
        artifacts.append((category_feed(category), "application/rss+xml; charset=utf-8",
                          render_rss(digest, updated, f"{base}{prefix}/rss/{category}", category)))
    return artifacts


async def ready(repo: Repository, run_profile: RunProfile) -> bool:
    """Every paper this profile wants summarized has an outcome."""
    return set(run_profile.to_summarize) <= await repo.summarized_ids(run_profile.run_id)


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
        # Claimed first, so of two publishers racing for the same digest only one writes anything.
        if not await repo.advance_profile(run_id, profile, ProfileStage.SCORED, ProfileStage.PUBLISHED,
                                          published_at=env.clock()):
            return False
        key, changed = "", False
        current = await repo.current_publication(profile, README)
        late = (current is not None and current.announced is not None and run.announced is not None
                and run.announced < current.announced)
        if run_profile.status in (RunStatus.EMPTY, RunStatus.ERROR):
            # No announcement (or no feed at all) must not replace yesterday's digest with an empty page.
            log.info("run %s is %s for %r: the current digest stays", run_id, run_profile.status, profile)
        elif late:
            log.info("run %s for %r is older than the current digest: kept out of it", run_id, profile)
        else:
            digest = await build_digest(repo, run, run_profile)
            key = digest.key()
            changed = current is None or current.digest_key != key
            if changed:
                for name, content_type, content in render_all(digest, env):
                    repo.add(Publication(profile=profile, name=name, run_id=run_id, announced=run.announced,
                                         digest_key=key, content_type=content_type, content=content,
                                         created_at=env.clock()))
                # Decided with the digest, in its transaction: published and owed to subscribers, or neither.
                await schedule_deliveries(repo, env, digest, key, run.announced)
        await repo.advance_profile(run_id, profile, ProfileStage.PUBLISHED, ProfileStage.PUBLISHED,
                                   digest_key=key or None, changed=changed)
        repo.emit(RunPublished(run_id=run_id, profile=profile, digest_key=key, changed=changed))
    env.metrics.publications.labels("changed" if changed else "unchanged").inc()
    if key:
        log.info("run %s published for %r (%s)", run_id, profile, "new digest" if changed else "digest unchanged")
    return changed
