"""GET /api/v1/runs, GET /api/v1/runs/{id}, and POST /api/v1/runs (with the token) to start a fetch."""
from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException

from shared.config import ConfigError, load_config
from shared.models import FetchRun, RunProfile
from shared.repository import Repository
from shared.service import ServiceRuntime

from services.fetcher.trigger import request_fetch
from services.publisher.api.access import READ_SECURITY, WRITE_SECURITY, problems, reader, writer
from services.publisher.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_cursor, paginate

log = logging.getLogger(__name__)
RUN_ID = r"^[0-9a-f]{32}$"


class FeedOutcome(BaseModel):
    model_config = ConfigDict(extra="allow")
    category: str
    status: str
    error: str | None = None
    items: int = 0
    bad_items: list[str] = []


class Counts(BaseModel):
    items: int
    new: int
    changed: int
    unchanged: int


class ProfileOutcome(BaseModel):
    profile: str
    profile_version: int
    status: str
    stage: str
    announced: date | None
    candidates: int
    selected: int
    to_summarize: int
    digest_key: str | None
    changed: bool | None
    scored_at: datetime | None
    published_at: datetime | None


class Timings(BaseModel):
    fetch_seconds: float | None
    published_seconds: dict[str, float]  # per profile: from the run's start to its digest


class Run(BaseModel):
    id: str
    status: str
    stage: str
    reason: str
    started_at: datetime
    finished_at: datetime | None
    announced: date | None
    counts: Counts
    feeds: list[FeedOutcome]
    profiles: list[ProfileOutcome]
    timings: Timings


class Started(Run):
    started: bool  # false: a fetch was running or had just started, and this is that run


def _seconds(start: datetime, end: datetime | None) -> float | None:
    return round((end - start).total_seconds(), 3) if end is not None else None


def view(run: FetchRun, profiles: list[RunProfile]) -> Run:
    published = {p.profile: _seconds(run.started_at, p.published_at) for p in profiles}
    return Run(id=run.id, status=run.status, stage=run.stage, reason=run.reason, started_at=run.started_at,
               finished_at=run.finished_at, announced=run.announced,
               counts=Counts(items=run.items, new=run.new, changed=run.changed, unchanged=run.unchanged),
               feeds=[FeedOutcome.model_validate(f) for f in run.feeds],
               profiles=[ProfileOutcome(**p.model_dump(exclude={"run_id", "to_summarize", "publish_deadline"}),
                                        to_summarize=len(p.to_summarize)) for p in profiles],
               timings=Timings(fetch_seconds=_seconds(run.started_at, run.finished_at),
                               published_seconds={k: v for k, v in published.items() if v is not None}))


def _run_key(value: list[Any]) -> tuple[datetime, str]:
    started, run_id = value
    if not isinstance(run_id, str) or len(run_id) > 32:
        raise ValueError("bad run id")
    at = datetime.fromisoformat(started)
    if at.tzinfo is None:
        raise ValueError("naive timestamp")
    return at, run_id


def router(runtime: ServiceRuntime) -> APIRouter:
    settings = runtime.settings
    api = APIRouter(prefix="/api/v1", tags=["runs"])
    read = [Depends(reader(settings))]

    @api.get("/runs", response_model=Page[Run], dependencies=read, openapi_extra=READ_SECURITY,
             responses=problems(401, 403, 422), summary="Fetch runs, newest first, a page at a time")
    async def list_runs(request: Request, response: Response,
                        status: Annotated[Literal["running", "ok", "empty", "partial", "error", "stale"] | None,
                                          Query()] = None,
                        limit: Limit = DEFAULT_LIMIT,
                        cursor: Cursor = None) -> dict[str, Any]:
        after = decode_cursor(cursor, "runs", _run_key)
        async with runtime.env.sessions() as session:
            repo = Repository(session)
            runs = await repo.runs_page(status, after, limit + 1)
            runs, next_link = paginate(request, response, runs, limit, "runs",
                                       lambda run: [run.started_at.isoformat(), run.id])
            profiles = await repo.profiles_of_runs([r.id for r in runs])
        return {"items": [view(run, profiles[run.id]) for run in runs], "next": next_link}

    @api.get("/runs/{run_id}", response_model=Run, dependencies=read, openapi_extra=READ_SECURITY,
             responses=problems(401, 403, 404, 422),
             summary="A run: status, stage, each feed's outcome, counts, each profile's digest, timings")
    async def get_run(run_id: Annotated[str, Path(pattern=RUN_ID)]) -> Run:
        async with runtime.env.sessions() as session:
            repo = Repository(session)
            run = await repo.get_run(run_id)
            if run is None:
                raise HTTPException(404, f"no run {run_id}")
            profiles = await repo.profiles_of_runs([run.id])
        return view(run, profiles[run.id])

    @api.post("/runs", response_model=Started, status_code=202, openapi_extra=WRITE_SECURITY,
              dependencies=[Depends(writer(settings, "POST /api/v1/runs"))],
              responses={200: {"model": Started, "description": "A fetch was already running: this is that run",
                               "links": {"GetRun": {"operationId": "get_run_api_v1_runs__run_id__get",
                                                    "parameters": {"run_id": "$response.body#/id"}}}},
                         202: {"description": "A fetch was started",
                               "links": {"GetRun": {"operationId": "get_run_api_v1_runs__run_id__get",
                                                    "parameters": {"run_id": "$response.body#/id"}}}},
                         **problems(401, 403, 503)},
              summary="Start a fetch, exactly like `arxiv-bot fetch` (coalesced with one running)")
    async def start_run(response: Response) -> Started:
        try:
            config = load_config(settings.arxiv_bot_config, missing_ok=True)
        except ConfigError as exc:
            raise HTTPException(503, f"config.json cannot be used: {exc}") from None
        run, started = await request_fetch(runtime.env, config, "api", settings.fetch_coalesce_seconds)
        try:
            await runtime.relay()
        except Exception:  # noqa: BLE001 - the request is committed; the periodic sweep sends it
            log.warning("run %s: fetch.requested not relayed yet; the sweep will send it", run.id, exc_info=True)
        response.status_code = 202 if started else 200
        async with runtime.env.sessions() as session:
            profiles = await Repository(session).profiles_of_runs([run.id])
        return Started(**view(run, profiles[run.id]).model_dump(), started=started)

    return api
