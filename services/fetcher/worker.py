"""The fetcher's message handlers: a fetch request becomes a fetch run."""
from __future__ import annotations

from shared.config import load_config
from shared.messages import FetchRequested, Message
from shared.repository import Repository
from shared.runtime import Env, Handler

from services.fetcher.fetch import fetch_now, fetch_run


async def on_fetch_requested(message: Message, env: Env) -> None:
    assert isinstance(message, FetchRequested)
    async with env.sessions() as session:
        run = await Repository(session).get_run(message.message_id)
    if run is None:
        # Published by hand (the management UI, an older producer): request it now, coalesced like any other.
        # Read per request, so an edited config.json applies from the next run without a restart.
        await fetch_now(env, load_config(env.settings.arxiv_bot_config, missing_ok=True), message.reason)
        return
    await fetch_run(env, run.id)


HANDLERS: dict[str, Handler] = {FetchRequested.routing_key: on_fetch_requested}
