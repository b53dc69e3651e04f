"""A (run, profile)'s digest read back from the store: its ranked papers with their summary outcomes."""
from __future__ import annotations

from shared.models import FetchRun, Paper, RunProfile, Score, Summary
from shared.profiles import ProfileSettings
from shared.repository import Repository
from shared.stages import SummaryStatus

from services.publisher.digest import Digest, Entry, why_line


def _entry(score: Score, paper: Paper, status: str, summary: str | None, row: Summary | None = None) -> Entry:
    return Entry(
        arxiv_id=paper.arxiv_id, version=paper.version, title=paper.title, authors=paper.authors,
        abstract=paper.abstract, categories=paper.categories, shown_category=score.shown_category,
        announced=paper.announced, announce_type=paper.announce_type, score=score.score,
        keywords=list(dict.fromkeys(h["term"] for h in score.hits)), abs_url=paper.abs_url, pdf_url=paper.pdf_url,
        summary=summary, summary_status=status, why=why_line(score.hits),
        summary_source=row.source if row else None, summary_detail=row.source_detail if row else None,
        summary_tokens=row.tokens_sent if row else 0, summary_cut=row.cut if row else False)


async def profile_settings(repo: Repository, run: FetchRun, profile: str) -> ProfileSettings:
    """The profile as stored now, or as the run's config snapshot had it."""
    stored = await repo.get_profile(profile)
    if stored is not None:
        return ProfileSettings.model_validate(stored.settings)
    resolved = (await repo.run_config(run.id)).profile_settings()
    return resolved.get(profile) or resolved["default"]


async def build_digest(repo: Repository, run: FetchRun, run_profile: RunProfile) -> Digest:
    config = await repo.run_config(run.id)
    settings = await profile_settings(repo, run, run_profile.profile)
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
