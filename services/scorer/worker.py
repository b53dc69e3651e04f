"""The scorer's handler: a fetched run becomes a ranked selection per profile."""
from __future__ import annotations

import logging

from shared.config import DEFAULT_PROFILE, BotConfig
from shared.messages import Message, RunFetched, RunScored
from shared.models import Score
from shared.repository import Repository
from shared.runtime import Env, Handler

from services.scorer.scoring import Candidate, Profile, select

log = logging.getLogger(__name__)


def profile_from(config: BotConfig) -> Profile:
    return Profile(name=DEFAULT_PROFILE, keywords=config.keywords, exclude_keywords=config.exclude_keywords,
                   max_papers=config.max_papers, days_back=config.days_back,
                   deduplicate=config.enable_deduplication, mode="reference")


async def on_run_fetched(message: Message, env: Env) -> None:
    assert isinstance(message, RunFetched)
    async with env.sessions() as session, session.begin():
        repo = Repository(session)
        run = await repo.get_run(message.run_id)
        if run is None:
            log.error("run %s is not in the store; nothing to score", message.run_id)
            return
        if run.stage != "fetched":
            return  # scored already: this is a redelivery
        config = BotConfig.from_snapshot(run.config)
        profile = profile_from(config)
        candidates = [Candidate(arxiv_id=item.arxiv_id, title=paper.title, abstract=paper.abstract,
                                announce_type=item.announce_type, feed_category=item.feed_category,
                                announced=paper.announced)
                      for item, paper in await repo.run_items(run.id)]
        selected = select(candidates, profile, run.started_at.date())
        for rank, scored in enumerate(selected, start=1):
            repo.add(Score(run_id=run.id, profile=profile.name, arxiv_id=scored.candidate.arxiv_id,
                           score=scored.score, rank=rank, keywords=scored.keywords,
                           title_keywords=scored.title_keywords, shown_category=scored.candidate.feed_category))
        ids = [s.candidate.arxiv_id for s in selected]
        wanted = ids[:config.ai_summary.max_papers_to_summarize] if config.ai_summary.enabled else []
        if await repo.advance(run.id, ["fetched"], "scored", selected=len(ids)):
            repo.emit(RunScored(run_id=run.id, profile=profile.name, selected=ids, to_summarize=wanted))
    log.info("run %s: %d of %d candidates selected for %r", run.id, len(ids), len(candidates), profile.name)


HANDLERS: dict[str, Handler] = {RunFetched.routing_key: on_run_fetched}
