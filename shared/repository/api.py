"""Read queries behind the REST API: papers with filters, search and keyset pages; a paper's scores and
summary; runs page by page. Every page is keyed on (sort value, id), so a page never repeats or skips a row
when rows arrive between two requests."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, and_, cast, func, literal, literal_column, or_
from sqlmodel import col, select

from shared.models import FetchRun, Paper, RunProfile, Score, Summary
from shared.models.search import FTS_CONFIG, PaperSearch
from shared.repository.base import Queries
from shared.repository.runs import select_runs

MAX_SEARCH_WORDS = 10
NO_DATE = date(1, 1, 1)  # sorts papers without an announcement date last


@dataclass(frozen=True)
class PaperFilter:
    profile: str | None = None
    category: str | None = None
    since: date | None = None
    until: date | None = None
    min_score: float | None = None
    q: str | None = None
    announce_type: str | None = None
    sort: str = "date"  # date | score (both newest / highest first)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class ApiQueries(Queries):
    def _search(self, q: str) -> Any:
        if self.dialect == "postgresql":
            # The papers whose stored document (paper_search, GIN-indexed: shared/models/search.py) matches.
            query = func.plainto_tsquery(literal_column(f"'{FTS_CONFIG}'::regconfig"), q)
            matching = select(col(PaperSearch.arxiv_id)).where(col(PaperSearch.document).op("@@")(query))
            return col(Paper.arxiv_id).in_(matching)
        words = q.split()[:MAX_SEARCH_WORDS]
        return and_(*(or_(col(Paper.title).like(_like(w), escape="\\"), col(Paper.abstract).like(_like(w), escape="\\"))
                      for w in words))

    async def papers_page(self, filters: PaperFilter, after: tuple[Any, str] | None, limit: int
                          ) -> list[tuple[Paper, float | None]]:
        """Papers matching `filters`, each with its best score (for `profile`, or across profiles), newest or
        best first; `after` is the (sort value, arXiv id) of the previous page's last row."""
        best = select(col(Score.arxiv_id).label("arxiv_id"), func.max(Score.score).label("score")) \
            .where(col(Score.near_miss).is_(False))
        if filters.profile is not None:
            best = best.where(col(Score.profile) == filters.profile)
        scores = best.group_by(col(Score.arxiv_id)).subquery()
        query = select(Paper, scores.c.score)
        scored_only = filters.profile is not None or filters.min_score is not None or filters.sort == "score"
        query = (query.join if scored_only else query.outerjoin)(scores, scores.c.arxiv_id == col(Paper.arxiv_id))
        if filters.category is not None:
            query = query.where(cast(col(Paper.categories), String).like(_like(f'"{filters.category}"'), escape="\\"))
        if filters.since is not None:
            query = query.where(col(Paper.announced) >= filters.since)
        if filters.until is not None:
            query = query.where(col(Paper.announced) <= filters.until)
        if filters.min_score is not None:
            query = query.where(scores.c.score >= filters.min_score)
        if filters.announce_type is not None:
            query = query.where(col(Paper.announce_type) == filters.announce_type)
        if filters.q:
            query = query.where(self._search(filters.q))
        key = scores.c.score if filters.sort == "score" else func.coalesce(col(Paper.announced), literal(NO_DATE))
        if after is not None:
            value, last_id = after
            query = query.where(or_(key < value, and_(key == value, col(Paper.arxiv_id) < last_id)))
        rows = await self.session.exec(query.order_by(key.desc(), col(Paper.arxiv_id).desc()).limit(limit))
        return [(paper, score) for paper, score in rows]

    async def paper_scores(self, arxiv_id: str) -> list[tuple[Score, FetchRun]]:
        """The paper's score in each profile, from the newest run that scored it for that profile."""
        rows = await self.session.exec(
            select(Score, FetchRun).join(FetchRun, col(FetchRun.id) == col(Score.run_id))
            .where(col(Score.arxiv_id) == arxiv_id)
            .order_by(col(Score.profile), col(FetchRun.started_at).desc()))
        newest: dict[str, tuple[Score, FetchRun]] = {}
        for score, run in rows:
            newest.setdefault(score.profile, (score, run))
        return list(newest.values())

    async def paper_summary(self, arxiv_id: str, version: int) -> Summary | None:
        """The summary of this version readers were shown: the newest done one, else the newest attempt."""
        rows = await self.session.exec(
            select(Summary).where(col(Summary.arxiv_id) == arxiv_id, col(Summary.version) == version)
            .order_by((col(Summary.status) == "done").desc(), col(Summary.created_at).desc()).limit(1))
        return rows.first()

    async def runs_page(self, status: str | None, after: tuple[datetime, str] | None, limit: int) -> list[FetchRun]:
        query = select_runs()
        if status is not None:
            query = query.where(col(FetchRun.status) == status)
        if after is not None:
            started, run_id = after
            at = col(FetchRun.started_at)
            query = query.where(or_(at < started, and_(at == started, col(FetchRun.id) < run_id)))
        return list(await self.session.exec(query.order_by(col(FetchRun.started_at).desc(), col(FetchRun.id).desc())
                                            .limit(limit)))

    async def profiles_of_runs(self, run_ids: Sequence[str]) -> dict[str, list[RunProfile]]:
        found: dict[str, list[RunProfile]] = {run_id: [] for run_id in run_ids}
        if run_ids:
            rows = await self.session.exec(select(RunProfile).where(col(RunProfile.run_id).in_(list(run_ids)))
                                           .order_by(col(RunProfile.profile)))
            for row in rows:
                found[row.run_id].append(row)
        return found
