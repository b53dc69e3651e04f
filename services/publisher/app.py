"""The publisher service: renders digests and serves them, for `default` at the reference's paths
(/readme, /rss, /rss/{category}) and for every profile under /profiles/{name}/."""
from __future__ import annotations

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response

from shared.app import create_app
from shared.arxiv_names import is_category
from shared.conditional import http_date, not_modified
from shared.profiles import DEFAULT_PROFILE, PROFILE_NAME
from shared.repository import Repository
from shared.runtime import ServiceRuntime
from shared.settings import Settings

from services.publisher import api
from services.publisher.publish import FEED, README, category_feed
from services.publisher.worker import HANDLERS, PERIODIC


def build(settings: Settings) -> FastAPI:
    runtime = ServiceRuntime("publisher", settings, HANDLERS, periodic=PERIODIC)
    router = APIRouter()

    async def serve(profile: str, name: str, request: Request) -> Response:
        if not PROFILE_NAME.fullmatch(profile):
            raise HTTPException(404, f"no profile named {profile[:60]!r}")
        async with runtime.env.sessions() as session:
            repo = Repository(session)
            known = await repo.get_profile(profile)
            publication = await repo.current_publication(profile, name)
        if known is None or known.deleted:
            raise HTTPException(404, f"no profile named {profile!r}")
        if publication is None:
            raise HTTPException(404, f"nothing published as {name} for profile {profile!r} yet")
        etag = f'"{publication.id}-{publication.digest_key[:16]}"'
        headers = {"ETag": etag, "Last-Modified": http_date(publication.created_at),
                   "Cache-Control": "public, max-age=300"}
        tags = request.headers.getlist("if-none-match")  # a list may come split over several fields
        if not_modified(", ".join(tags) if tags else None, request.headers.get("if-modified-since"), etag,
                        publication.created_at):
            return Response(status_code=304, headers=headers)
        return Response(publication.content, media_type=publication.content_type, headers=headers)

    def category_name(category: str) -> str:
        if not is_category(category):
            raise HTTPException(400, "category must look like 'cs.AI'")
        return category_feed(category)

    @router.get("/readme")
    async def readme(request: Request) -> Response:
        return await serve(DEFAULT_PROFILE, README, request)

    @router.get("/rss")
    async def rss(request: Request) -> Response:
        return await serve(DEFAULT_PROFILE, FEED, request)

    @router.get("/rss/{category}")
    async def rss_category(category: str, request: Request) -> Response:
        return await serve(DEFAULT_PROFILE, category_name(category), request)

    @router.get("/profiles/{profile}/readme")
    async def profile_readme(profile: str, request: Request) -> Response:
        return await serve(profile, README, request)

    @router.get("/profiles/{profile}/rss")
    async def profile_rss(profile: str, request: Request) -> Response:
        return await serve(profile, FEED, request)

    @router.get("/profiles/{profile}/rss/{category}")
    async def profile_rss_category(profile: str, category: str, request: Request) -> Response:
        return await serve(profile, category_name(category), request)

    app = create_app(runtime, router)
    api.install(app, runtime)  # /api/v1, problem+json errors, body limits; OpenAPI at /openapi.json and /docs
    return app
