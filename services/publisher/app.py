"""The publisher service: renders digests and serves them (/readme, /rss, /rss/{category})."""
from __future__ import annotations

import re

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response

from shared.app import create_app
from shared.repository import Repository
from shared.runtime import ServiceRuntime
from shared.settings import Settings

from services.publisher.publish import FEED, README, category_feed
from services.publisher.worker import HANDLERS, PERIODIC

CATEGORY = re.compile(r"^[A-Za-z-]{1,32}(\.[A-Za-z-]{1,32})?$")


def build(settings: Settings) -> FastAPI:
    runtime = ServiceRuntime("publisher", settings, HANDLERS, periodic=PERIODIC)
    router = APIRouter()

    async def serve(name: str, request: Request) -> Response:
        async with runtime.env.sessions() as session:
            publication = await Repository(session).latest_publication(name)
        if publication is None:
            raise HTTPException(404, f"nothing published as {name} yet")
        etag = f'"{publication.id}-{publication.digest_key[:16]}"'
        headers = {"ETag": etag, "Cache-Control": "public, max-age=300"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(publication.content, media_type=publication.content_type, headers=headers)

    @router.get("/readme")
    async def readme(request: Request) -> Response:
        return await serve(README, request)

    @router.get("/rss")
    async def rss(request: Request) -> Response:
        return await serve(FEED, request)

    @router.get("/rss/{category}")
    async def rss_category(category: str, request: Request) -> Response:
        if not CATEGORY.match(category):
            raise HTTPException(400, "category must look like 'cs.AI'")
        return await serve(category_feed(category), request)

    return create_app(runtime, router)
