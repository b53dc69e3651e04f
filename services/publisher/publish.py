"""Publishing a run: turn its selection and summaries into README.md and RSS feeds, once per content."""
from __future__ import annotations

import logging

from shared.config import DEFAULT_PROFILE, BotConfig
from shared.messages import RunPublished
from shared.models import FetchRun, Publication
from shared.repository import Repository
from shared.runtime import Env

from services.publisher.digest import Digest, Entry
from services.publisher.feeds import render_rss
from services.publisher.readme import render_readme

log = logging.getLogger(__name__)
README = "README.md"
FEED = "feed.xml"


def category_feed(category: str) -> str:
    return f"feeds/{category}.xml"


async def build_digest(repo: Repository, run: FetchRun) -> Digest:
    config = BotConfig.from_snapshot(run.config)
    outcomes = await repo.run_summaries(run.id)
    wanted = config.ai_summary.max_papers_to_summarize if config.ai_summary.enabled else 0
    entries = []
    for score, paper in await repo.selection(run.id, DEFAULT_PROFILE):
        outcome, summary = outcomes.get(paper.arxiv_id, (None, None))
        status = outcome.status if outcome else ("pending" if score.rank <= wanted else "none")
        entries.append(Entry(
            arxiv_id=paper.arxiv_id, version=paper.version, title=paper.title, authors=paper.authors,
            abstract=paper.abstract, categories=paper.categories, shown_category=score.shown_category,
            announced=paper.announced, announce_type=paper.announce_type, score=score.score,
            keywords=score.keywords, abs_url=paper.abs_url, pdf_url=paper.pdf_url,
            summary=summary.text if summary and summary.status == "done" else None, summary_status=status))
    return Digest(run_id=run.id, categories=config.categories, keywords=config.keywords,
                  model=config.ai_summary.model, entries=entries)


def render_all(digest: Digest, env: Env) -> list[tuple[str, str, str]]:
    """(name, content type, content) of every artifact; one timestamp for all of them."""
    updated, base = env.clock(), env.settings.public_url.rstrip("/")
    artifacts = [(README, "text/markdown; charset=utf-8", render_readme(digest, updated)),
                 (FEED, "application/rss+xml; charset=utf-8", render_rss(digest, updated, f"{base}/rss"))]
    for category in digest.categories:
        artifacts.append((category_feed(category), "application/rss+xml; charset=utf-8",
                          render_rss(digest, updated, f"{base}/rss/{category}", category)))
    return artifacts


async def publish_run(env: Env, run_id: str) -> bool:
    """Publish once per run; returns whether the served digest changed."""
    async with env.sessions() as session, session.begin():
        repo = Repository(session)
        run = await repo.get_run(run_id)
        if run is None or run.stage not in ("scored", "summarized"):
            return False  # unknown, not scored yet, or published already
        if run.status in ("empty", "error"):
            # No announcement (or no feed at all) must not replace yesterday's digest with an empty page.
            log.info("run %s is %s: nothing to publish, the current digest stays", run.id, run.status)
            key, changed = "", False
        else:
            digest = await build_digest(repo, run)
            key = digest.key()
            latest = await repo.latest_publication(README)
            changed = latest is None or latest.digest_key != key
            if changed:
                for name, content_type, content in render_all(digest, env):
                    repo.add(Publication(name=name, run_id=run.id, digest_key=key, content_type=content_type,
                                         content=content, created_at=env.clock()))
        if not await repo.advance(run.id, ["scored", "summarized"], "published"):
            return False
        repo.emit(RunPublished(run_id=run.id, digest_key=key, changed=changed))
    env.metrics.publications.labels("changed" if changed else "unchanged").inc()
    if key:
        log.info("run %s published (%s)", run_id, "new digest" if changed else "digest unchanged")
    return changed
