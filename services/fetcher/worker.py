"""The fetcher's message handlers: a fetch request becomes a fetch run."""
from __future__ import annotations

from shared.config import load_config
from shared.messages import FetchRequested, Message
from shared.runtime import Env, Handler

from services.fetcher.fetch import fetch_run


async def on_fetch_requested(message: Message, env: Env) -> None:
    assert isinstance(message, FetchRequested)
    # Read per request, so an edited config.json applies from the next run without a restart.
    await fetch_run(env, load_config(env.settings.arxiv_bot_config, missing_ok=True), run_id=message.message_id)


HANDLERS: dict[str, Handler] = {FetchRequested.routing_key: on_fetch_requested}
