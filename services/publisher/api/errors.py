"""Errors as RFC 9457 problem details (`application/problem+json`), never with a traceback.

A bad parameter is a 422 that names it (`query parameter 'limit': ...`, `body field 'url': ...`); any
other HTTP error keeps its status and message; an unexpected exception is logged once, with its traceback,
and the client gets a 500 that says only that.
"""
from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


class InvalidParam(BaseModel):
    name: str
    location: str  # query | path | body | header
    reason: str


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    invalid_params: list[InvalidParam] | None = None


def problem(status: int, detail: str | None = None, *, instance: str | None = None,
            invalid: list[InvalidParam] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = Problem(title=title, status=status, detail=detail, instance=instance, invalid_params=invalid)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers, media_type=PROBLEM)


class BadParameter(HTTPException):
    """A 422 naming the parameter, raised by checks the request models cannot express."""

    def __init__(self, name: str, location: str, reason: str):
        super().__init__(422, f"{location} {'field' if location == 'body' else 'parameter'} '{name}': {reason}")
        self.param = InvalidParam(name=name, location=location, reason=reason)


def _param(error: dict[str, Any]) -> InvalidParam:
    location, *path = [str(part) for part in error.get("loc", ("body",))] or ["body"]
    if error.get("type") == "json_invalid":
        return InvalidParam(name="body", location="body", reason="not valid JSON")
    name = ".".join(p for p in path if p not in ("plain", "weighted")) or location
    return InvalidParam(name=name, location=location, reason=str(error.get("msg", "invalid")))


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    invalid = [_param(e) for e in exc.errors()][:20]
    first = invalid[0] if invalid else InvalidParam(name="body", location="body", reason="invalid")
    kind = "field" if first.location == "body" else "parameter"
    return problem(422, f"{first.location} {kind} '{first.name}': {first.reason}", instance=request.url.path,
                   invalid=invalid)


# FastAPI's own answer to a body it cannot decode (not UTF-8, say): a bad body, named like any other.
UNDECODABLE_BODY = "There was an error parsing the body"


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400 and exc.detail == UNDECODABLE_BODY:
        exc = BadParameter("body", "body", "not valid JSON in UTF-8")
    invalid = [exc.param] if isinstance(exc, BadParameter) else None
    return problem(exc.status_code, str(exc.detail) if exc.detail else None, instance=request.url.path,
                   invalid=invalid, headers=dict(exc.headers or {}))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "an unexpected error happened; it has been logged", instance=request.url.path)


def install_errors(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
