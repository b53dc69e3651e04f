"""GET /api/v1/papers (filters, search, cursor pages) and GET /api/v1/papers/{arxiv_id}."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from shared.models import Paper, Score, Summary
from shared.models.runs import FetchRun
from shared.profiles import ANNOUNCE_TYPES
from shared.repository import Repository
from shared.repository.api import PaperFilter
from shared.service import ServiceRuntime

from services.publisher.api.access import READ_SECURITY, problems, reader
from services.publisher.api.errors import BadParameter
from services.publisher.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_cursor, paginate
from services.publisher.digest import why_line

PROFILE_PATTERN = r"^[a-z0-9-]{1,40}$"
CATEGORY_PATTERN = r"^[a-z][a-z-]{0,31}(\.[A-Za-z][A-Za-z-]{0,31})?$"
# New-style (2411.18148) and old-style (hep-th/9901001) ids, with an optional version (2411.18148v2).
PAPER_ID = re.compile(r"(\d{4}\.\d{4,5}|[a-z][a-z.-]{0,30}/\d{7})(v\d{1,4})?")
INTERNAL_SUMMARY_FIELDS = {"prompt_hash"}


class Links(BaseModel):
    abs: str
    pdf: str
    api: str


class PaperItem(BaseModel):
    id: str
    version: int
    title: str
    authors: list[str]
    abstract: str
    categories: list[str]
    primary_category: str
    announce_type: str
    announced: date | None
    score: float | None = Field(None, description="The best score a profile (the one asked for, else any) gave it")
    links: Links


class Hit(BaseModel):
    model_config = ConfigDict(extra="allow")
    term: str
    where: str
    points: float


class ProfileScore(BaseModel):
    profile: str
    run_id: str
    run_started_at: datetime
    score: float
    rank: int
    near_miss: bool
    shown_category: str
    why: str = Field(description="The terms that gave the paper its score, as the digest shows them")
    hits: list[Hit]


class Version(BaseModel):
    version: int
    announced: date | None
    announce_type: str
    seen_at: datetime


class PaperDetail(PaperItem):
    versions: list[Version]
    scores: list[ProfileScore]
    summary: dict[str, Any] | None = Field(None, description="The summary row: model, status, text, tokens and "
                                                              "whatever else the summarizer records")


def links(paper: Paper) -> Links:
    return Links(abs=paper.abs_url, pdf=paper.pdf_url, api=f"/api/v1/papers/{quote(paper.arxiv_id)}")


def item(paper: Paper, score: float | None) -> PaperItem:
    return PaperItem(id=paper.arxiv_id, version=paper.version, title=paper.title, authors=paper.authors,
                     abstract=paper.abstract, categories=paper.categories, primary_category=paper.primary_category,
                     announce_type=paper.announce_type, announced=paper.announced, score=score, links=links(paper))


def versions(paper: Paper) -> list[Version]:
    """The versions the store knows. It keeps the latest only (a paper_versions table comes with the fetcher's
    history work), so this is that one; filling it from the table changes nothing else here."""
    return [Version(version=paper.version, announced=paper.announced, announce_type=paper.announce_type,
                    seen_at=paper.updated_at)]


def profile_score(score: Score, run: FetchRun) -> ProfileScore:
    return ProfileScore(profile=score.profile, run_id=score.run_id, run_started_at=run.started_at, score=score.score,
                        rank=score.rank, near_miss=score.near_miss, shown_category=score.shown_category,
                        why=why_line(score.hits), hits=[Hit.model_validate(h) for h in score.hits])


def summary_view(summary: Summary | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    return {k: v for k, v in summary.model_dump(mode="json").items() if k not in INTERNAL_SUMMARY_FIELDS}


def _paper_key(sort: str) -> Any:
    def parse(value: list[Any]) -> tuple[Any, str]:
        key, last_id = value
        if not isinstance(last_id, str) or len(last_id) > 64:
            raise ValueError("bad id")
        if sort == "score":
            if isinstance(key, bool) or not isinstance(key, int | float):
                raise ValueError("bad score")
            return float(key), last_id
        return date.fromisoformat(key), last_id
    return parse


def router(runtime: ServiceRuntime) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["papers"], dependencies=[Depends(reader(runtime.settings))])

    @api.get("/papers", response_model=Page[PaperItem], openapi_extra=READ_SECURITY,
             responses=problems(401, 403, 422),
             summary="Papers in the store, newest (or best) first, a page at a time")
    async def list_papers(
        request: Request, response: Response,
        profile: Annotated[str | None, Query(pattern=PROFILE_PATTERN,
                                             description="Only papers this profile selected")] = None,
        category: Annotated[str | None, Query(pattern=CATEGORY_PATTERN, description="e.g. cs.AI")] = None,
        since: Annotated[date | None, Query(description="Announced on or after")] = None,
        until: Annotated[date | None, Query(description="Announced on or before")] = None,
        min_score: Annotated[float | None, Query(ge=-1e6, le=1e6, allow_inf_nan=False)] = None,
        q: Annotated[str | None, Query(max_length=200, description="Words to find in title or abstract")] = None,
        announce_type: Annotated[Literal["new", "cross", "replace", "replace-cross"] | None, Query()] = None,
        sort: Annotated[Literal["date", "score"], Query()] = "date",
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> dict[str, Any]:
        assert announce_type is None or announce_type in ANNOUNCE_TYPES
        after = decode_cursor(cursor, f"papers:{sort}", _paper_key(sort))
        words = " ".join((q or "").replace("\x00", " ").split()) or None
        filters = PaperFilter(profile=profile, category=category, since=since, until=until, min_score=min_score,
                              q=words, announce_type=announce_type, sort=sort)
        async with runtime.env.sessions() as session:
            rows = await Repository(session).papers_page(filters, after, limit + 1)
        rows, next_link = paginate(request, response, rows, limit, f"papers:{sort}",
                                   lambda row: [row[1] if sort == "score" else
                                                (row[0].announced or date(1, 1, 1)).isoformat(), row[0].arxiv_id])
        return {"items": [item(paper, score) for paper, score in rows], "next": next_link}

    @api.get("/papers/{arxiv_id:path}", response_model=PaperDetail, openapi_extra=READ_SECURITY,
             responses=problems(401, 403, 404, 422),
             summary="A paper: its versions, its score per profile with the reasons, its summary")
    async def get_paper(arxiv_id: str) -> PaperDetail:
        match = PAPER_ID.fullmatch(arxiv_id)
        if match is None:
            raise BadParameter("arxiv_id", "path", "not an arXiv id such as 2411.18148 or hep-th/9901001")
        async with runtime.env.sessions() as session:
            repo = Repository(session)
            paper = (await repo.papers_by_id([match.group(1)])).get(match.group(1))
            if paper is None:
                raise HTTPException(404, f"no paper {match.group(1)} in the store")
            scores = await repo.paper_scores(paper.arxiv_id)
            summary = await repo.paper_summary(paper.arxiv_id, paper.version)
        return PaperDetail(**item(paper, max((s.score for s, _ in scores if not s.near_miss), default=None))
                           .model_dump(), versions=versions(paper),
                           scores=[profile_score(s, r) for s, r in scores], summary=summary_view(summary))

    return api
