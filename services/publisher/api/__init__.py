"""The REST API the publisher serves under /api/v1: papers, profiles, runs and webhooks, one module each."""
from __future__ import annotations

from fastapi import FastAPI

from shared.service import ServiceRuntime

from services.publisher.api import papers, profiles, runs, webhooks
from services.publisher.api.errors import install_errors
from services.publisher.api.limits import BodyLimit
from services.publisher.api.openapi import install_openapi


def install(app: FastAPI, runtime: ServiceRuntime) -> None:
    for module in (papers, profiles, runs, webhooks):
        app.include_router(module.router(runtime))
    install_errors(app)
    app.add_middleware(BodyLimit, max_bytes=runtime.settings.max_request_body_bytes)
    install_openapi(app)
