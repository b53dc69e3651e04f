"""The FastAPI app every service shares: /healthz, /readyz, /metrics, plus the service's own routes, with
HEAD and OPTIONS on all of them (shared/methods.py)."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from shared.config import ConfigError
from shared.methods import MethodsMiddleware
from shared.runtime import ServiceRuntime


log = logging.getLogger(__name__)


def create_app(runtime: ServiceRuntime, router: APIRouter | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=f"arxiv-bot {runtime.service}", lifespan=lifespan)
    app.state.runtime = runtime

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": runtime.service}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ready = all(checks.values())
        return JSONResponse({"ready": ready, **checks}, status_code=200 if ready else 503)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(runtime.metrics.render(), media_type=runtime.metrics.content_type)

    @app.exception_handler(ConfigError)
    async def config_error(_request: Request, exc: ConfigError) -> JSONResponse:
        # The operator's config.json is broken: say so plainly (once in the log), not as a bare 500.
        log.error("request refused: %s", exc)
        return JSONResponse({"detail": f"the service's configuration is invalid: {exc}"}, status_code=500)

    if router is not None:
        app.include_router(router)
    app.add_middleware(MethodsMiddleware, router=app.router)  # looks routes up per request: later ones too
    return app
