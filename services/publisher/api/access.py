"""Who may call what: reads are public unless API_READ_TOKEN_REQUIRED; writes always need API_TOKEN.

The check itself is shared/auth.py's (Bearer header only, constant-time). The OpenAPI document says the
same through `security`: reads take an optional bearer token, writes a required one.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request

from shared.auth import require_token
from shared.settings import Settings

from services.publisher.api.errors import Problem

READ_SECURITY: dict[str, Any] = {"security": [{}, {"bearerAuth": []}]}
WRITE_SECURITY: dict[str, Any] = {"security": [{"bearerAuth": []}]}
DESCRIPTIONS = {401: "No valid bearer token", 403: "This endpoint is off: API_TOKEN is not set",
                404: "Not found", 409: "Conflict with the current state", 413: "Request body too large",
                422: "A parameter or body field is invalid (named in the problem)",
                503: "A dependency of this service is unavailable"}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error codes, each a problem document."""
    return {code: {"model": Problem, "description": DESCRIPTIONS[code]} for code in codes}


def reader(settings: Settings) -> Callable[[Request], None]:
    def check(request: Request) -> None:
        if settings.api_read_token_required:
            require_token(request, settings, "reading the API")
    return check


def writer(settings: Settings, what: str) -> Callable[[Request], None]:
    def check(request: Request) -> None:
        require_token(request, settings, what)
    return check
