"""The fetcher's message handlers: a fetch request becomes a fetch run, whose papers are then enriched."""
from __future__ import annotations

from shared.config import load_config
from shared.messages import FetchRequested, Message
from shared.repository import Repository
from shared.runtime import Env, Handler

from services.fetcher.enrich import enrich_run
from services.fetcher.fetch import fetch_now, fetch_run


async def on_fetch_requested(message: Message, env: Env) -> None:
    assert isinstance(message, FetchRequested)
    async with env.sessions() as session:
        run = await Repository(session).get_run(message.message_id)
    if run is None:
        # Published by hand (the management UI, an older producer): request it now, coalesced like any other.
        # Read per request, so an edited config.json applies from the next run without a restart.
        run, _ = await fetch_now(env, load_config(env.settings.arxiv_bot_config, missing_ok=True), message.reason)
    else:
        run = await fetch_run(env, run.id)
    # Comments, journal reference and DOI from the export API (ENRICH_AFTER_FETCH): after the run committed,
    # bounded, and never failing the fetch (a redelivered request finds the papers enriched already).
    await enrich_run(env, run.id)


HANDLERS: dict[str, Handler] = {FetchRequested.routing_key: on_fetch_requested}
