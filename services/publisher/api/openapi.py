"""The OpenAPI document (/openapi.json, browsable at /docs) as the API really behaves: errors are
`application/problem+json`, writes need the bearer token, reads take it optionally."""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from services.publisher.api import profiles
from services.publisher.api.errors import PROBLEM

DESCRIPTION = """Papers, their scores and summaries, profiles, fetch runs and webhook subscriptions.

Reads are public unless the deployment sets `API_READ_TOKEN_REQUIRED=true`; writes need the operator's
`API_TOKEN` as `Authorization: Bearer <token>` (never in the URL). Errors are RFC 9457 problem documents;
lists are paged with an opaque `cursor` and a `next` link."""


def _problem_content(schema: dict[str, Any]) -> None:
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            for code, response in operation.get("responses", {}).items():
                if code[0] in "45":
                    content = response.get("content", {})
                    body = content.get("application/json") or {"schema": {"$ref": "#/components/schemas/Problem"}}
                    response["content"] = {PROBLEM: body}


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version="1", description=DESCRIPTION, routes=app.routes)
            components = schema.setdefault("components", {})
            components.setdefault("securitySchemes", {})["bearerAuth"] = {"type": "http", "scheme": "bearer"}
            for name, definition in profiles.body_schema()["definitions"].items():
                components.setdefault("schemas", {}).setdefault(name, definition)
            _problem_content(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
