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
from shared.service import ServiceRuntime, StartupFailed


log = logging.getLogger(__name__)
TOLD = (f"{StartupFailed.__module__}.{StartupFailed.__name__}: ", f"{ConfigError.__module__}.{ConfigError.__name__}: ")


class _ToldFailure(logging.Filter):
    """uvicorn logs a failed startup's traceback (Starlette formats it); a failure the lifespan already told in
    one line (a dependency that stayed unreachable, a store never migrated) needs no traceback after it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith("Traceback") and message.rstrip().rsplit("\n", 1)[-1].startswith(TOLD))


def _quiet_told_failures() -> None:
    uvicorn_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _ToldFailure) for f in uvicorn_log.filters):
        uvicorn_log.addFilter(_ToldFailure())


def create_app(runtime: ServiceRuntime, router: APIRouter | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        _quiet_told_failures()
        try:
            await runtime.start()
        except (StartupFailed, ConfigError) as error:
            log.error("%s did not start: %s", runtime.service, error)
            raise
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
