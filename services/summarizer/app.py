"""The summarizer service: consumes its queue; HTTP only for health and metrics."""
from __future__ import annotations

from fastapi import FastAPI

from shared.app import create_app
from shared.service import ServiceRuntime
from shared.settings import Settings

from services.summarizer.worker import HANDLERS


def build(settings: Settings) -> FastAPI:
    return create_app(ServiceRuntime("summarizer", settings, HANDLERS))
