"""The publisher service: renders digests and serves them (/readme, /rss, /rss/{category})."""
from __future__ import annotations

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response

from shared.app import create_app
from shared.arxiv_names import is_category
from shared.conditional import http_date, not_modified
from shared.repository import Repository
from shared.runtime import ServiceRuntime
from shared.settings import Settings

from services.publisher.publish import FEED, README, category_feed
from services.publisher.worker import HANDLERS, PERIODIC


def build(settings: Settings) -> FastAPI:
    runtime = ServiceRuntime("publisher", settings, HANDLERS, periodic=PERIODIC)
    router = APIRouter()

    async def serve(name: str, request: Request) -> Response:
        async with runtime.env.sessions() as session:
            publication = await Repository(session).latest_publication(name)
        if publication is None:
            raise HTTPException(404, f"nothing published as {name} yet")
        etag = f'"{publication.id}-{publication.digest_key[:16]}"'
        headers = {"ETag": etag, "Last-Modified": http_date(publication.created_at),
                   "Cache-Control": "public, max-age=300"}
        tags = request.headers.getlist("if-none-match")  # a list may come split over several fields
        if not_modified(", ".join(tags) if tags else None, request.headers.get("if-modified-since"), etag,
                        publication.created_at):
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
        if not is_category(category):
            raise HTTPException(400, "category must look like 'cs.AI'")
        return await serve(category_feed(category), request)

    return create_app(runtime, router)
