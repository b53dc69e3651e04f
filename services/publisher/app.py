"""The publisher service: renders digests when runs publish and serves them from memory.

Paths: `/` and `/profiles/{name}` (the page), `/profiles/{name}/{date}` (an earlier day),
`/feeds/{profile}.rss|.atom|.json` and `/feeds/{profile}/{category}.rss|.atom|.json` (the history-window
feeds), and, for the reference's users, `/readme`, `/rss`, `/rss/{category}` (the profile `default`) and
`/profiles/{name}/readme|rss|rss/{category}`.

A GET or HEAD whose artifact is in memory is answered by the fast path below, in front of the framework; a
miss (first request, nothing published, a malformed path) goes through the routes, which load it or say why
not. Both answer through services/publisher/respond.py, so they answer alike.
"""
from __future__ import annotations

import gc

from fastapi import APIRouter, FastAPI, HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.app import create_app
from shared.arxiv_names import is_category
from shared.profiles import DEFAULT_PROFILE, PROFILE_NAME
from shared.service import ServiceRuntime
from shared.settings import Settings

from services.publisher import api
from services.publisher.cache import ArtifactCache, Missing
from services.publisher.html import FAVICON
from services.publisher.names import (FEED, INDEX, README, category_feed, day_page, feed_name, is_day, resolve,
                                      split_feed)
from services.publisher.respond import Rendered, answer
from services.publisher.worker import HANDLERS, PERIODIC


class ArtifactResponse(Response):
    def __init__(self, rendered: Rendered) -> None:
        self.rendered, self.background = rendered, None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await answer(self.rendered, scope, send)


class FastPath:
    """GET and HEAD of an artifact already in memory, answered without routing, validation or a database."""

    def __init__(self, app: ASGIApp, cache: ArtifactCache, freeze_heap: bool = False) -> None:
        self.app, self.cache = app, cache
        self.frozen = not freeze_heap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.frozen and scope["type"] == "http":
            # Everything built at start-up (the framework, SQLAlchemy, the broker client) lives as long as the
            # process: out of the collector's sight, a full collection no longer walks it mid-request (about
            # 40% of the throughput, docs/BENCHMARKS.md). Only in a serving process: one that builds many
            # apps (the tests) would keep each one's garbage for ever.
            gc.freeze()
            self.frozen = True
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            key = resolve(scope["path"])
            if key is not None:
                entry = self.cache.peek(key)
                if isinstance(entry, Rendered):
                    await answer(entry, scope, send)
                    return
        await self.app(scope, receive, send)


def _profile(profile: str) -> str:
    if not PROFILE_NAME.fullmatch(profile):
        raise HTTPException(404, f"no profile named {profile[:60]!r}")
    return profile


def _category(category: str) -> str:
    if not is_category(category):
        raise HTTPException(400, "category must look like 'cs.AI'")
    return category


def _format(name: str) -> tuple[str, str]:
    split = split_feed(name)
    if split is None:
        raise HTTPException(404, "a feed is .rss, .atom or .json")
    return split


def build(settings: Settings, freeze_heap: bool = False) -> FastAPI:
    runtime = ServiceRuntime("publisher", settings, HANDLERS, periodic=PERIODIC)
    cache = ArtifactCache(lambda: runtime.env.sessions, settings.publisher_cache_check_seconds)
    router = APIRouter()

    async def serve(profile: str, name: str) -> Response:
        entry = await cache.get((_profile(profile), name))
        if isinstance(entry, Missing):
            raise HTTPException(404, entry.detail)
        return ArtifactResponse(entry)

    @router.get("/favicon.svg")
    async def favicon() -> Response:
        return Response(FAVICON, media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff",
                                 "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})

    @router.get("/")
    async def index() -> Response:
        return await serve(DEFAULT_PROFILE, INDEX)

    @router.get("/readme")
    async def readme() -> Response:
        return await serve(DEFAULT_PROFILE, README)

    @router.get("/rss")
    async def rss() -> Response:
        return await serve(DEFAULT_PROFILE, FEED)

    @router.get("/rss/{category}")
    async def rss_category(category: str) -> Response:
        return await serve(DEFAULT_PROFILE, category_feed(_category(category)))

    @router.get("/feeds/{feed}")
    async def feed(feed: str) -> Response:
        profile, fmt = _format(feed)
        return await serve(profile, feed_name(fmt))

    @router.get("/feeds/{profile}/{feed}")
    async def category_feed_any(profile: str, feed: str) -> Response:
        category, fmt = _format(feed)
        return await serve(profile, feed_name(fmt, _category(category)))

    @router.get("/profiles/{profile}")
    async def profile_index(profile: str) -> Response:
        return await serve(profile, INDEX)

    @router.get("/profiles/{profile}/readme")
    async def profile_readme(profile: str) -> Response:
        return await serve(profile, README)

    @router.get("/profiles/{profile}/rss")
    async def profile_rss(profile: str) -> Response:
        return await serve(profile, FEED)

    @router.get("/profiles/{profile}/rss/{category}")
    async def profile_rss_category(profile: str, category: str) -> Response:
        return await serve(profile, category_feed(_category(category)))

    @router.get("/profiles/{profile}/{day}")
    async def profile_day(profile: str, day: str) -> Response:
        if not is_day(day):
            raise HTTPException(404, f"{day[:40]!r} is not a day: an earlier day is a date such as 2024-11-28")
        return await serve(profile, day_page(day))

    app = create_app(runtime, router)
    api.install(app, runtime)  # /api/v1, problem+json errors, body limits; OpenAPI at /openapi.json and /docs
    app.state.cache = cache
    app.add_middleware(FastPath, cache=cache, freeze_heap=freeze_heap)  # added last: outermost
    return app


def create() -> FastAPI:
    """The app from the environment's settings, in a process that only serves: the factory `serve publisher`
    gives uvicorn (each worker process calls it)."""
    return build(Settings(), freeze_heap=True)
