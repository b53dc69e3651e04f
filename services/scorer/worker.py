"""The scorer's handler: a fetched run becomes one ranked selection per profile, in one transaction."""
from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from shared.messages import Message, RunFetched, RunScored, SummaryRequested
from shared.models import RunProfile, Score
from shared.profiles import ProfileSettings, TermBudget
from shared.repository import Repository
from shared.repository.base import chunks
from shared.runtime import Env, Handler
from shared.stages import ProfileStage, RunStage, status_of

from services.scorer.embeddings import Semantics, prepare
from services.scorer.scoring import Candidate, Profile, Scored, Scoring, Term

log = logging.getLogger(__name__)
# Papers whose text is read (and matched) at a time: only their hits are kept, so the scorer's memory does
# not grow with the day.
READ_BATCH = 250


def scoring_profile(settings: ProfileSettings, interests: tuple[float, ...] | None = None) -> Profile:
    """The scoring engine's view of a profile; semantic relevance only when its interests could be embedded."""
    return Profile(
        name=settings.name, keywords=tuple(Term(t.term, t.weight) for t in settings.terms()),
        exclude_keywords=tuple(settings.exclude_keywords), categories=tuple(settings.categories),
        max_papers=settings.max_papers, days_back=settings.days_back, min_score=settings.min_score,
        deduplicate=settings.enable_deduplication, mode=settings.scoring_mode,
        announce_types=tuple(settings.announce_types),
        authors_boost=tuple(Term(a.name, a.weight) for a in settings.authors_boost()),
        authors_block=tuple(settings.authors.block), title_weight=settings.title_weight,
        abstract_weight=settings.abstract_weight, interests_vector=interests,
        semantic_weight=settings.semantic_weight if interests is not None else 0.0)


def score_row(run_id: str, profile: str, rank: int, scored: Scored, near_miss: bool) -> Score:
    return Score(run_id=run_id, profile=profile, arxiv_id=scored.candidate.arxiv_id, score=scored.score, rank=rank,
                 near_miss=near_miss, shown_category=scored.candidate.feed_category,
                 hits=[{"term": h.term, "where": h.where, "points": h.points} for h in scored.hits])


def score_rows(run_id: str, profile: str, selected: list[Scored], near_misses: list[Scored]) -> list[Score]:
    """Selected papers ranked 1..N, then the near misses; without deduplication a paper listed in two feeds
    can be picked twice, and is stored once (its first, best-ranked place)."""
    rows: dict[str, Score] = {}
    for near_miss, group in ((False, selected), (True, near_misses)):
        for scored in group:
            if scored.candidate.arxiv_id not in rows:
                rows[scored.candidate.arxiv_id] = score_row(run_id, profile, len(rows) + 1, scored, near_miss)
    return list(rows.values())


async def on_run_fetched(message: Message, env: Env) -> None:
    assert isinstance(message, RunFetched)
    semantics = await _semantics(env, message.run_id)
    async with env.sessions() as session, session.begin():
        repo = Repository(session)
        run = await repo.get_run(message.run_id)
        if run is None:
            log.error("run %s is not in the store; nothing to score", message.run_id)
            return
        if run.stage != RunStage.FETCHED:
            return  # scored already: this is a redelivery
        stored, settings, profiles = await _profiles(repo, semantics, run.id)
        scoring = Scoring(profiles)
        items = await repo.run_item_rows(run.id)
        # Each paper's text read once, a batch at a time, matched, and let go: only its hits stay (in `scoring`).
        papers: dict[str, tuple[int, str, Any, tuple[str, ...]]] = {}
        numbers: dict[str, int] = {}  # arxiv id -> the paper's number in scoring.hits
        shared: dict[Any, Any] = {}  # each category name, category list and date held once, not once per paper
        for part in chunks(list(dict.fromkeys(arxiv_id for arxiv_id, _, _ in items)), READ_BATCH):
            for arxiv_id, version, title, abstract, authors, categories, announced in await repo.paper_rows(part):
                numbers[arxiv_id] = scoring.read(title, abstract, authors)
                listed = tuple(categories)
                papers[arxiv_id] = (version, title, shared.setdefault(announced, announced),
                                    shared.setdefault(listed, listed))
        candidates = [Candidate(arxiv_id=arxiv_id, title=papers[arxiv_id][1], abstract="",
                                announce_type=announce_type, feed_category=feed_category,
                                announced=papers[arxiv_id][2], categories=papers[arxiv_id][3],
                                embedding=semantics.papers.get((arxiv_id, papers[arxiv_id][0])))
                      for arxiv_id, feed_category, announce_type in items]
        # What the ranking needs is in `candidates` and `scoring.hits` now: a big day's tables go before it runs.
        versions = {arxiv_id: paper[0] for arxiv_id, paper in papers.items()}
        paper_of = [numbers[c.arxiv_id] for c in candidates]
        del items, papers, numbers
        selections = scoring.select(candidates, paper_of, run.started_at.date())
        del paper_of
        if not await repo.advance(run.id, [RunStage.FETCHED], RunStage.SCORED):
            return
        config = await repo.run_config(run.id)
        per_category = Counter(c.feed_category for c in candidates)  # not candidates x profiles
        summarize: dict[str, None] = {}
        for profile in stored:
            chosen = selections[profile.name]
            ids = list(dict.fromkeys(s.candidate.arxiv_id for s in chosen.selected))
            wanted = ids[:settings[profile.name].ai_summary.max_papers_to_summarize] \
                if config.ai_summary.enabled else []
            repo.add(*score_rows(run.id, profile.name, chosen.selected, chosen.near_misses))
            feeds = [f["status"] for f in run.feeds if f["category"] in settings[profile.name].categories]
            repo.add(RunProfile(run_id=run.id, profile=profile.name, profile_version=profile.version,
                                status=status_of(feeds), stage=ProfileStage.SCORED, announced=run.announced,
                                candidates=sum(per_category[c] for c in set(settings[profile.name].categories)),
                                selected=len(ids), to_summarize=wanted, scored_at=env.clock()))
            repo.emit(RunScored(run_id=run.id, profile=profile.name, selected=ids, to_summarize=wanted))
            summarize.update(dict.fromkeys(wanted))
            log.info("run %s: %d selected for %r", run.id, len(ids), profile.name)
        # Each paper once, however many profiles picked it.
        for arxiv_id in summarize:
            repo.emit(SummaryRequested(run_id=run.id, arxiv_id=arxiv_id, version=versions[arxiv_id]))


async def _profiles(repo: Repository, semantics: Semantics,
                    run_id: str) -> tuple[list[Any], dict[str, ProfileSettings], list[Profile]]:
    """The active profiles that can be scored. One that cannot (a term that can never match, stored before the
    config checks refused it; terms past what one run matches, config.json's and the API's together) is logged
    and left out of this run; it must not sink the others' digests."""
    stored, settings, profiles = [], {}, []
    budget = TermBudget()
    for row in await repo.active_profiles():  # `default` first: the budget keeps it
        try:
            these = ProfileSettings.model_validate(row.settings)
            profile = scoring_profile(these, semantics.profiles.get(these.name))
            if not budget.take(these):
                raise ValueError(budget.refusal())
        except ValueError as exc:  # pydantic's ValidationError is one
            log.error("run %s: profile %r cannot be scored and is left out: %s", run_id, row.name, exc)
            continue
        stored.append(row)
        settings[row.name] = these
        profiles.append(profile)
    return stored, settings, profiles


async def _semantics(env: Env, run_id: str) -> Semantics:
    """Embeddings for the profiles that rank by meaning, computed before (and outside) the scoring transaction."""
    async with env.sessions() as session:
        repo = Repository(session)
        run = await repo.get_run(run_id)
        if run is None or run.stage != RunStage.FETCHED:
            return Semantics()
        stored = await repo.active_profiles()
    return await prepare(env, run_id, [ProfileSettings.model_validate(p.settings) for p in stored])


HANDLERS: dict[str, Handler] = {RunFetched.routing_key: on_run_fetched}
