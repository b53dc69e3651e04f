"""Enrich stored papers with what only the export API says: the authors' comments, journal reference, DOI.

The feeds never carry them; OAI-PMH does (the backfill stores them), the export API does for any id. A value
arXiv does not give leaves what is stored; a paper the store does not hold is not created here.

The fetcher service enriches each run's papers right after fetching them (`enrich_run`, called by its
handler): bounded in papers and time, as polite as every export API request (services/fetcher/polite.py), and
never a reason for the fetch to fail, since the run is committed before it starts.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from shared.repository import Repository
from shared.runtime import Env

from services.fetcher.export_api import lookup
from services.fetcher.polite import arxiv_client

log = logging.getLogger(__name__)


async def enrich(env: Env, ids: Iterable[str]) -> int:
    """Look the papers up (ARXIV_API_BASE_URL, politely) and store their notes; how many papers changed."""
    client = arxiv_client(env.settings)
    try:
        entries = await lookup(client, env.settings, ids)
    finally:
        await client.aclose()
    notes = [dict(arxiv_id=e.arxiv_id, comments=e.comments, journal_ref=e.journal_ref, doi=e.doi) for e in entries
             if e.comments or e.journal_ref or e.doi]
    async with env.sessions() as session, session.begin():
        changed = await Repository(session).enrich_papers(notes)
    log.info("enriched %d of %d papers from the export API", changed, len(entries))
    return changed


async def enrich_run(env: Env, run_id: str) -> int | None:
    """Enrich the run's papers that lack notes (ENRICH_MAX_PAPERS of them, within ENRICH_DEADLINE_SECONDS);
    how many changed, or None when it was off, had nothing to ask, or failed (logged once, never raised)."""
    settings = env.settings
    if not settings.enrich_after_fetch or settings.enrich_max_papers == 0:
        return None
    try:
        async with env.sessions() as session:
            ids = await Repository(session).unenriched_run_papers(run_id, settings.enrich_max_papers)
        if not ids:
            return None
        async with asyncio.timeout(settings.enrich_deadline_seconds):
            return await enrich(env, ids)
    except Exception as exc:  # noqa: BLE001 - the run is fetched and committed; its notes can wait for the next
        reason = "took too long" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
        log.warning("run %s: enriching its papers from the export API failed (%s); the fetch is unaffected",
                    run_id, str(reason).splitlines()[0][:300])
        return None
