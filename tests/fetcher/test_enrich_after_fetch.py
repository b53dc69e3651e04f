"""The fetcher service enriches a run's papers from the export API (tests/export_api_server.py) after the
fetch: only papers lacking notes, at most ENRICH_MAX_PAPERS, never when off, and a failure never fails it."""
from __future__ import annotations

import logging
from datetime import date

import pytest
from sqlmodel import select

from services.fetcher.worker import on_fetch_requested
from shared.messages import FetchRequested
from shared.models import FetchRun, Paper, utcnow
from shared.repository import Repository
from shared.runtime import Env
from tests.data import shared_data
from tests.export_api_server import FakeApi


async def _fetched_run(env: Env, ids: list[str], noted: str) -> str:
    """A run that listed `ids` (the first one in two feeds), with `noted` stored already with its comments."""
    now = utcnow()
    rows = [dict(arxiv_id=i, version=1, title="T", abstract="A.", authors=["A. B"], categories=["cs.AI"],
                 primary_category="cs.AI", announce_type="new", announced=date(2026, 1, 2), abs_url="a",
                 pdf_url="p", content_hash="h", first_seen_at=now, updated_at=now,
                 comments="stored already" if i == noted else None) for i in ids]
    async with env.sessions() as session, session.begin():
        repo = Repository(session)
        await repo.upsert_papers(rows)
        session.add(FetchRun(id="run1", started_at=now, status="ok", stage="fetched"))
        await session.flush()
        listed = [ids[0], *ids]  # a paper in two feeds is asked for once
        await repo.add_run_items([dict(run_id="run1", position=n, arxiv_id=i, version=1, feed_category="cs.AI",
                                       announce_type="new") for n, i in enumerate(listed)])
    return "run1"


async def _comments(env: Env) -> dict[str, str | None]:
    async with env.sessions() as session:
        return {p.arxiv_id: p.comments for p in (await session.exec(select(Paper))).all()}


@pytest.fixture
def api(store_env: Env):  # noqa: ANN201
    with FakeApi(shared_data("arxiv/atom_api")) as server:
        store_env.settings.arxiv_api_base_url = server.url + "/api/query"
        store_env.settings.arxiv_api_min_delay_seconds = 0.0
        yield server


async def test_a_fetch_run_enriches_its_papers_that_lack_notes(store_env: Env, api: FakeApi) -> None:
    ids = [key for key, _ in api.entries[:6]]
    run_id = await _fetched_run(store_env, ids, noted=ids[1])
    await on_fetch_requested(FetchRequested(message_id=run_id), store_env)  # fetched already: enrich only
    asked = [q["id_list"].split(",") for q in api.queries]
    assert asked == [[i for i in ids if i != ids[1]]]  # one request, in run order, the noted paper left out
    comments = await _comments(store_env)
    assert comments[ids[1]] == "stored already"
    assert any(c and c != "stored already" for c in comments.values())  # the real answers carry comments


async def test_enrichment_is_bounded_and_can_be_turned_off(store_env: Env, api: FakeApi) -> None:
    ids = [key for key, _ in api.entries[:6]]
    run_id = await _fetched_run(store_env, ids, noted="")
    store_env.settings.enrich_after_fetch = False
    await on_fetch_requested(FetchRequested(message_id=run_id), store_env)
    assert api.queries == []
    store_env.settings.enrich_after_fetch = True
    store_env.settings.enrich_max_papers = 2
    await on_fetch_requested(FetchRequested(message_id=run_id), store_env)
    assert [q["id_list"].split(",") for q in api.queries] == [ids[:2]]


async def test_an_unreachable_export_api_is_logged_once_and_never_fails_the_fetch(
        store_env: Env, caplog: pytest.LogCaptureFixture) -> None:
    ids = ["2501.00001", "2501.00002"]
    run_id = await _fetched_run(store_env, ids, noted="")
    store_env.settings.arxiv_api_base_url = "http://127.0.0.1:9/api/query"  # nothing listens: refused
    store_env.settings.arxiv_api_min_delay_seconds = 0.0
    with caplog.at_level(logging.WARNING, logger="services.fetcher.enrich"):
        await on_fetch_requested(FetchRequested(message_id=run_id), store_env)
    warnings = [r for r in caplog.records if r.name == "services.fetcher.enrich"]
    assert len(warnings) == 1 and "run run1: enriching its papers" in warnings[0].getMessage()
    assert "the fetch is unaffected" in warnings[0].getMessage()
    assert await _comments(store_env) == {i: None for i in ids}
