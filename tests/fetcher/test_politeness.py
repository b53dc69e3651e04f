"""Politeness toward arXiv (services/fetcher/politeness.py): who we say we are, one request at a time per host,
and the pause between requests, measured on a real local server."""
from __future__ import annotations

import asyncio

import httpx

from services.fetcher.politeness import HostGate, user_agent
from tests.conftest import settings_for
from tests.servers import FakeArxiv


def test_the_user_agent_names_the_project_and_the_contact() -> None:
    with_contact = user_agent(settings_for(None, arxiv_contact="ops@example.org"))
    assert with_contact.startswith("arxiv-bot/") and with_contact.endswith(
        "(+https://github.com/arxiv-bot; mailto:ops@example.org)")
    assert user_agent(settings_for(None, arxiv_contact="")).endswith("(+https://github.com/arxiv-bot)")


def test_the_api_delay_defaults_to_what_arxiv_asks() -> None:
    settings = settings_for(None)
    assert type(settings).model_fields["arxiv_api_min_delay_seconds"].default == 3.0
    assert type(settings).model_fields["arxiv_min_delay_seconds"].default == 1.0


async def test_requests_to_one_host_never_overlap_and_keep_their_distance() -> None:
    gate, delay = HostGate(), 0.2
    with FakeArxiv(feeds={c: b"<rss/>" for c in ("a", "b", "c", "d")}) as arxiv:
        arxiv.stall = {}

        async def one(category: str) -> None:
            async with gate.turn(arxiv.base + category, delay), httpx.AsyncClient() as client:
                (await client.get(arxiv.base + category)).raise_for_status()

        await asyncio.gather(*(one(c) for c in ("a", "b", "c", "d")))
    spans = sorted(arxiv.spans)
    assert len(spans) == 4 and not arxiv.overlapped()
    # Each request started at least `delay` after the previous one ended (the server's clock: its own view).
    gaps = [later[0] - earlier[1] for earlier, later in zip(spans, spans[1:], strict=False)]
    assert min(gaps) >= delay * 0.9


async def test_different_hosts_do_not_wait_for_each_other() -> None:
    gate = HostGate()
    entered: list[str] = []
    release = asyncio.Event()

    async def hold(url: str) -> None:
        async with gate.turn(url, 600):  # a huge delay: only another host can get in meanwhile
            entered.append(url)
            await release.wait()

    first = asyncio.create_task(hold("https://rss.arxiv.org/rss/cs.AI"))
    second = asyncio.create_task(hold("https://export.arxiv.org/api/query"))
    for _ in range(50):
        if len(entered) == 2:
            break
        await asyncio.sleep(0.01)
    release.set()
    await asyncio.gather(first, second)
    assert sorted(entered) == ["https://export.arxiv.org/api/query", "https://rss.arxiv.org/rss/cs.AI"]
