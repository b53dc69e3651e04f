"""The fetcher service: consumes fetch requests, and takes them over HTTP too (POST /fetch)."""
from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request

from shared.app import create_app
from shared.messages import FetchRequested
from shared.runtime import ServiceRuntime
from shared.settings import Settings

from services.fetcher.worker import HANDLERS


def build(settings: Settings) -> FastAPI:
    runtime = ServiceRuntime("fetcher", settings, HANDLERS)
    router = APIRouter()

    @router.post("/fetch", status_code=202)
    async def request_fetch(request: Request) -> dict[str, str]:
        # Through the broker rather than inline: the request survives a restart and is fetched once.
        message = FetchRequested(reason="http")
        await runtime.broker.publish(message.routing_key, message.encode(), message.message_id)
        return {"run_id": message.message_id}

    return create_app(runtime, router)
