"""The whole pipeline once, in one process, on SQLite, with no broker.

The same handlers as the four services run here; only the transport differs: the outbox is relayed into an
in-memory queue and each message goes to the handlers that the topology binds to its routing key.
"""
from __future__ import annotations

import logging
from collections import deque
from pathlib import Path

from shared.config import BotConfig
from shared.db import make_engine, make_sessions, migrate
from shared.messages import decode
from shared.metrics import Metrics
from shared.models import FetchRun
from shared.outbox import relay
from shared.repository import Repository
from shared.runtime import Env, Handler, make_http
from shared.settings import Settings
from shared.topology import consumers_of

from services.fetcher import worker as fetcher
from services.fetcher.fetch import fetch_run
from services.publisher import worker as publisher
from services.publisher.publish import FEED, README, category_feed, publish_run
from services.scorer import worker as scorer
from services.summarizer import worker as summarizer

log = logging.getLogger(__name__)
HANDLERS: dict[str, dict[str, Handler]] = {"fetcher": fetcher.HANDLERS, "scorer": scorer.HANDLERS,
                                           "summarizer": summarizer.HANDLERS, "publisher": publisher.HANDLERS}
DEFAULT_DATABASE = "sqlite:///arxiv-bot.db"


class LocalBus:
    def __init__(self) -> None:
        self.pending: deque[tuple[str, bytes]] = deque()

    async def publish(self, routing_key: str, body: bytes, message_id: str) -> None:
        self.pending.append((routing_key, body))

    async def drain(self, env: Env) -> int:
        handled = 0
        while True:
            await relay(env.sessions, self.publish)
            if not self.pending:
                return handled
            routing_key, body = self.pending.popleft()
            message = decode(routing_key, body)
            for service in consumers_of(routing_key):
                await HANDLERS[service][routing_key](message, env)
                handled += 1


async def write_outputs(env: Env, out: Path, config: BotConfig) -> list[Path]:
    written = []
    async with env.sessions() as session:
        repo = Repository(session)
        for name in [README, FEED, *(category_feed(c) for c in config.categories)]:
            publication = await repo.latest_publication(name)
            if publication is None:
                continue
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(publication.content, encoding="utf-8")
            written.append(path)
    return written


async def run_once(settings: Settings, config: BotConfig, out: Path) -> tuple[FetchRun, list[Path]]:
    url = settings.database_url or DEFAULT_DATABASE
    await migrate(url)
    engine = make_engine(url)
    env = Env(settings, make_sessions(engine), make_http(settings), Metrics("embedded"))
    try:
        bus = LocalBus()
        await bus.drain(env)  # anything an interrupted earlier run left in the outbox
        run = await fetch_run(env, config)
        await bus.drain(env)
        # In one process every summary outcome is in by now; this only matters if a handler gave up early.
        await publish_run(env, run.id)
        await bus.drain(env)
        written = await write_outputs(env, out, config)
        async with env.sessions() as session:
            run = await Repository(session).get_run(run.id) or run
        return run, written
    finally:
        await env.http.aclose()
        await engine.dispose()
