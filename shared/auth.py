"""The operator's bearer token, checked the same way by every endpoint that can cost money or change data.

Only the `Authorization: Bearer` header counts: a token in the query string ends up in logs and browser
history, and a header cannot be set by a simple cross-site form post.
"""
from __future__ import annotations

import hmac

from fastapi import HTTPException, Request

from shared.settings import Settings


def bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def require_token(request: Request, settings: Settings, what: str = "this endpoint") -> None:
    """403 when no token is configured (the endpoint is off), 401 when the request's token is missing or wrong."""
    if settings.api_token is None or not settings.api_token.get_secret_value():
        raise HTTPException(403, f"{what} is off: set API_TOKEN on this service to enable it")
    if "token" in request.query_params or "access_token" in request.query_params:
        raise HTTPException(401, "send the token in an 'Authorization: Bearer <token>' header, not in the URL",
                            headers={"WWW-Authenticate": "Bearer"})
    given = bearer(request)
    expected = settings.api_token.get_secret_value()
    # Compared in constant time, so the answer's timing tells nothing about how much of a guess was right.
    if given is None or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(401, "a valid 'Authorization: Bearer <token>' header is required",
                            headers={"WWW-Authenticate": "Bearer"})
