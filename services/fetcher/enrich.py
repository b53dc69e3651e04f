"""Enrich stored papers with what only the export API says: the authors' comments, journal reference, DOI.

The feeds never carry them; OAI-PMH does (the backfill stores them), the export API does for any id. A value
arXiv does not give leaves what is stored; a paper the store does not hold is not created here.
"""
from __future__ import annotations

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
