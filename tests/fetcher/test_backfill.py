"""The backfill in-process, on both stores: every record once, newer versions kept, enrichment filled in,
resumable from the stored token, nothing triggered downstream, a progress bar or log lines."""
from __future__ import annotations

import io
import logging
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from arxiv_bot.progress import Progress, bar
from services.fetcher.backfill import Tally, backfill
from services.fetcher.enrich import enrich
from services.fetcher.export_api import parse_response
from services.fetcher.oai import Harvest, OaiError
from services.fetcher.searchable import index_unsearchable
from shared.models import BackfillState, FetchRun, OutboxMessage, Paper, PaperSearch, utcnow
from shared.latex import readable
from shared.repository import Repository
from shared.repository.api import PaperFilter
from shared.runtime import Env
from tests.data import shared_data
from tests.export_api_server import FakeApi
from tests.oai_server import OaiServer, load_corpus

HARVEST = Harvest("arXiv", None, date(2000, 1, 1), date(2030, 1, 1))


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    return load_corpus(shared_data("arxiv/corpus.jsonl.gz"))


def _point(env: Env, server: OaiServer) -> None:
    env.settings.arxiv_oai_base_url = server.base
    env.settings.arxiv_api_min_delay_seconds = 0.0


async def _papers(env: Env) -> dict[str, Paper]:
    async with env.sessions() as session:
        return {p.arxiv_id: p for p in (await session.exec(select(Paper))).all()}  # type: ignore[call-overload]


def _row(arxiv_id: str, version: int, **extra: Any) -> dict[str, Any]:
    now = utcnow()
    row = dict(arxiv_id=arxiv_id, version=version, title=f"Stored v{version}", abstract="A.", title_text="",
               abstract_text="", authors=["A. B"],
               categories=["cs.AI"], primary_category="cs.AI", announce_type="new", announced=date(2025, 1, 2),
               abs_url="a", pdf_url="p", content_hash=f"h{version}", first_seen_at=now, updated_at=now)
    return {**row, **extra}


async def test_every_record_is_stored_once_and_nothing_downstream_follows(store_env: Env, corpus: list[dict]) -> None:
    papers = corpus[:2500]
    with OaiServer(papers, page_size=1000, busy_every=3, retry_after=0) as server:
        _point(store_env, server)
        pages: list[int] = []
        tally = await backfill(store_env, HARVEST, on_page=lambda t: pages.append(t.records))
        again = await backfill(store_env, HARVEST)
    assert pages == [1000, 2000, 2500] and tally.done and tally.new == 2500 and tally.written == 2500
    assert "complete: 2,500 records in 3 pages; this run: 2,500 records, 2,500 new, 0 updated" in tally.summary()
    assert again.already_done and "already complete" in again.summary()
    stored = await _papers(store_env)
    assert set(stored) == {p["id"] for p in papers}
    sample = papers[1234]
    paper = stored[sample["id"]]
    assert paper.title == " ".join(sample["title"].split()) and paper.announce_type == "backfill"
    assert paper.announced == date.fromisoformat(sample["published"])
    assert paper.authors == [" ".join(a.split()) for a in sample["authors"]]
    # Readable forms beside the raw text, as a fetch stores them (shared/latex.py).
    latex = stored["2411.17860"]
    assert latex.title_text == ("The exotic structure of the spectral ζ-function for the Schrödinger operator with "
                                "Pöschl–Teller potential")
    assert all(p.title_text == readable(p.title) and p.abstract_text == readable(p.abstract) for p in stored.values())
    assert latex.abstract_text and "\\" in latex.abstract and "\\" not in latex.abstract_text
    async with store_env.sessions() as session:
        runs = (await session.exec(select(func.count()).select_from(FetchRun))).one()  # type: ignore[call-overload]
        messages = (await session.exec(select(func.count()).select_from(OutboxMessage))).one()  # type: ignore[call-overload]
        state = await session.get(BackfillState, HARVEST.key)
    assert runs == 0 and messages == 0
    assert state is not None and state.status == "done" and state.pages == 3 and state.resumption_token is None


async def test_a_newer_stored_version_is_kept_and_a_same_version_gains_what_it_lacked(store_env: Env,
                                                                                   corpus: list[dict]) -> None:
    papers = corpus[:20]
    newer, same, older = papers[0]["id"], papers[1]["id"], papers[2]["id"]
    async with store_env.sessions() as session, session.begin():
        await Repository(session).upsert_papers([_row(newer, 5)])
        await Repository(session).upsert_papers([_row(same, 1, doi="10.1/kept")])
    with OaiServer([{**p, "version": 3} if p["id"] == older else p for p in papers]) as server:
        _point(store_env, server)
        tally = await backfill(store_env, Harvest("arXivRaw"))
    stored = await _papers(store_env)
    assert stored[newer].version == 5 and stored[newer].title == "Stored v5"  # never overwritten by an older one
    assert stored[same].doi == "10.1/kept" and stored[same].title == "Stored v1"  # nothing to gain: unchanged
    assert stored[older].version == 3  # arXivRaw says which version it is
    assert tally.new == 18 and tally.written == 18 and len(stored) == 20


async def test_a_same_version_row_gains_the_comments_it_lacked(store_env: Env, corpus: list[dict]) -> None:
    paper = corpus[0]
    async with store_env.sessions() as session, session.begin():
        await Repository(session).upsert_papers([_row(paper["id"], 1)])
        new, written = await Repository(session).store_backfilled([
            {**_row(paper["id"], 1), "title": "From OAI", "comments": "12 pages", "journal_ref": None,
             "doi": "10.2/x"}])
    stored = (await _papers(store_env))[paper["id"]]
    assert (new, written) == (0, 1)
    assert stored.comments == "12 pages" and stored.doi == "10.2/x" and stored.title == "Stored v1"


async def test_a_stopped_backfill_resumes_from_its_stored_token(store_env: Env, corpus: list[dict]) -> None:
    papers = corpus[:3500]
    with OaiServer(papers, page_size=1000) as server:
        _point(store_env, server)

        def stop_after_two(tally: Tally) -> None:
            if tally.pages == 2:
                raise KeyboardInterrupt  # what Ctrl-C does between two pages

        with pytest.raises(KeyboardInterrupt):
            await backfill(store_env, HARVEST, on_page=stop_after_two)
        asked_before = len(server.log)
        tally = await backfill(store_env, HARVEST)
        resumed = [query for query, _ in server.log[asked_before:]]
    assert tally.resumed and tally.pages == 4 and tally.records == 3500 and tally.this_run == 1500
    assert "resumptionToken" in resumed[0] and len(resumed) == 2
    assert len(await _papers(store_env)) == 3500


async def test_an_expired_token_says_to_restart_and_restart_starts_over(store_env: Env, corpus: list[dict]) -> None:
    with OaiServer(corpus[:1500], page_size=1000) as server:
        _point(store_env, server)
        async with store_env.sessions() as session, session.begin():
            await Repository(session).save_backfill_state(HARVEST.key, token="gone|1000", status="running", pages=1,
                                                         records=1000, complete_list_size=1500, now=utcnow())
        with pytest.raises(OaiError, match="badResumptionToken.*expired: run it again with --restart"):
            await backfill(store_env, HARVEST)
        tally = await backfill(store_env, HARVEST, restart=True)
    assert not tally.resumed and tally.records == 1500 and tally.pages == 2
    assert len(await _papers(store_env)) == 1500


def test_the_progress_bar_on_a_terminal_and_log_lines_elsewhere(caplog: pytest.LogCaptureFixture) -> None:
    tally = Tally("arXiv|cs||", pages=5, records=5000, this_run=5000, total=12_964)
    assert bar(tally).startswith("[###########...................]  39% 5,000/12,964 records  5 pages  ")
    assert bar(tally).endswith(" records/s")
    assert bar(Tally("k", pages=1, records=10, this_run=10)).startswith("10 records  1 pages  ")
    screen = io.StringIO()
    progress = Progress(screen, tty=True, every=0)
    progress(tally)
    tally.records, tally.pages, tally.done = 12_964, 13, True
    progress(tally)
    progress.close()
    assert screen.getvalue().count("\r\033[K[") == 2 and screen.getvalue().endswith("100% 12,964/12,964 records  "
                                                                                  "13 pages  " + screen.getvalue()
                                                                                  .rsplit("13 pages  ", 1)[1])
    plain = io.StringIO()
    with caplog.at_level(logging.INFO, logger="arxiv_bot"):
        Progress(plain, tty=False)(tally)
    assert plain.getvalue() == "" and "backfill k" not in caplog.text
    assert "page 13, [##############################] 100% 12,964/12,964 records" in caplog.text


async def test_enrichment_from_the_export_api_fills_in_comments_journal_reference_and_doi(store_env: Env) -> None:
    with FakeApi(shared_data("arxiv/atom_api")) as api:
        store_env.settings.arxiv_api_base_url = api.url + "/api/query"
        store_env.settings.arxiv_api_min_delay_seconds = 0.0
        ids = [key for key, _ in api.entries[:10]]
        async with store_env.sessions() as session, session.begin():
            await Repository(session).upsert_papers([_row(i, 1) for i in ids[:6]])
        changed = await enrich(store_env, ids)
        again = await enrich(store_env, ids)
    stored = await _papers(store_env)
    assert set(stored) == set(ids[:6])  # enrichment never creates papers
    noted = {i: p.comments for i, p in stored.items() if p.comments}
    assert changed == len(noted) > 0 and again == 0  # the same notes again change nothing
    first = parse_response(shared_data("arxiv/atom_api/api2026_search_testing_start0_max100.xml").read_bytes())
    expected = {e.arxiv_id: e.comments for e in first.entries if e.arxiv_id in ids[:6] and e.comments}
    assert noted == expected


async def _found(env: Env, q: str) -> set[str]:
    async with env.sessions() as session:
        return {paper.arxiv_id for paper, _ in await Repository(session).papers_page(PaperFilter(q=q), None, 50)}


async def _documents(env: Env) -> int:
    async with env.sessions() as session:
        return (await session.exec(select(func.count()).select_from(PaperSearch))).one()  # type: ignore[call-overload]


async def test_backfilled_papers_are_searchable_once_the_command_ends(pg_env: Env, corpus: list[dict]) -> None:
    papers = corpus[:1500]
    with OaiServer(papers, page_size=1000) as server:
        _point(pg_env, server)

        def killed(tally: Tally) -> None:
            raise KeyboardInterrupt  # a run that dies after its first page never reaches the search pass

        with pytest.raises(KeyboardInterrupt):
            await backfill(pg_env, HARVEST, on_page=killed)
        assert len(await _papers(pg_env)) == 1000 and await _documents(pg_env) == 0  # stored, not yet searchable
        tally = await backfill(pg_env, HARVEST)  # the next run indexes what the killed one stored too
    assert tally.searchable.papers == 1500 and await _documents(pg_env) == 1500
    assert "1,500 stored papers made searchable" in tally.summary()
    first, last = papers[0], papers[-1]
    assert first["id"] in await _found(pg_env, first["title"])
    assert last["id"] in await _found(pg_env, last["title"])


async def test_a_deferred_change_drops_the_stale_document_and_a_fetch_indexes_at_once(pg_env: Env) -> None:
    async with pg_env.sessions() as session, session.begin():
        await Repository(session).upsert_papers([_row("2501.00001", 1, title="Zebra crossings")])
    assert await _found(pg_env, "zebra") == {"2501.00001"}  # a fetched paper: searchable in its transaction
    async with pg_env.sessions() as session, session.begin():
        await Repository(session).store_backfilled([_row("2501.00001", 2, title="Giraffe necks", comments=None,
                                                        journal_ref=None, doi=None)])
    assert await _found(pg_env, "zebra") == set() and await _found(pg_env, "giraffe") == set()
    assert (await index_unsearchable(pg_env)).papers == 1
    assert await _found(pg_env, "giraffe") == {"2501.00001"} and await _found(pg_env, "zebra") == set()
    async with pg_env.sessions() as session, session.begin():
        await Repository(session).upsert_papers([_row("2501.00001", 3, title="Okapi stripes", content_hash="h9")])
    assert await _found(pg_env, "okapi") == {"2501.00001"} and await _found(pg_env, "giraffe") == set()
