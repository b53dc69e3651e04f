"""The fetcher service: consumes fetch requests, takes them over HTTP too (POST /fetch, with the token), and makes
them itself on FETCH_SCHEDULE."""
from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from shared.app import create_app
from shared.auth import require_token
from shared.config import load_config
from shared.runtime import Env, Periodic
from shared.service import ServiceRuntime
from shared.settings import Settings

from services.fetcher.schedule import periodic_for
from services.fetcher.searchable import index_unsearchable
from services.fetcher.trigger import request_fetch
from services.fetcher.worker import HANDLERS


def sweep_for(settings: Settings) -> Periodic:
    """The fetcher's periodic task: at its first sweep, make searchable whatever a crashed fetch or backfill left
    without its document (services/fetcher/searchable.py); at every sweep, FETCH_SCHEDULE's fetches."""
    schedule = periodic_for(settings)
    started: list[bool] = []

    async def sweep(env: Env) -> None:
        if not started:
            await index_unsearchable(env)
            started.append(True)  # after it succeeded: a failed pass is tried again at the next sweep
        if schedule is not None:
            await schedule(env)

    return sweep


def build(settings: Settings) -> FastAPI:
    # FETCH_SCHEDULE: the service's sweep requests a fetch at each fire time (relayed by the same sweep).
    runtime = ServiceRuntime("fetcher", settings, HANDLERS, periodic=sweep_for(settings))
    router = APIRouter()

    @router.post("/fetch", status_code=202)
    async def fetch(request: Request) -> JSONResponse:
        require_token(request, settings, "POST /fetch")
        config = load_config(settings.arxiv_bot_config, missing_ok=True)
        # Through the broker rather than inline: the request survives a restart and is fetched once. Requests
        # while a fetch runs, or soon after one started, get that run instead of a new one.
        run, started = await request_fetch(runtime.env, config, "http", settings.fetch_coalesce_seconds)
        await runtime.relay()
        return JSONResponse({"run_id": run.id, "started": started, "status": run.status, "stage": run.stage},
                            status_code=202 if started else 200)

    return create_app(runtime, router)
