"""`arxiv-bot backfill` as a user runs it: killed half-way with SIGKILL and started again, every record of the
corpus ends up stored exactly once, on SQLite and on PostgreSQL, with arXiv's delays kept."""
from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from shared.db import make_engine
from tests.data import shared_data
from tests.e2e.cli import arxiv_bot, child_env, command
from tests.oai_server import OaiServer, load_corpus

DELAY = 0.05
ARGS = ("backfill", "--from", "2000-01-01", "--until", "2030-01-01")


@pytest.fixture(params=["postgresql", "sqlite"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    request.getfixturevalue("pg_env")  # the session's database, emptied after the test
    return request.getfixturevalue("pg_url")


async def _rows(url: str, query: str) -> list[tuple]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return [tuple(row) for row in (await conn.execute(text(query))).all()]
    finally:
        await engine.dispose()


def _kill_after_pages(process: subprocess.Popen, server: OaiServer, pages: int, timeout: float = 60) -> None:
    give_up = time.monotonic() + timeout
    while server.statuses().count(200) < pages:
        if process.poll() is not None or time.monotonic() > give_up:
            raise AssertionError(f"the backfill ended (or hung) before page {pages}: {process.communicate()}")
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


async def test_a_backfill_killed_half_way_resumes_and_stores_every_record_once(store_url: str,
                                                                                tmp_path: Path) -> None:
    corpus = load_corpus(shared_data("arxiv/corpus.jsonl.gz"))
    assert len(corpus) == 12_964
    with OaiServer(corpus, page_size=1000, busy_every=5, retry_after=1) as server:
        env = child_env(DATABASE_URL=store_url, ARXIV_OAI_BASE_URL=server.base, ARXIV_CONTACT="ops@example.org",
                        ARXIV_API_MIN_DELAY_SECONDS=str(DELAY), HTTP_RETRIES="0")
        first = subprocess.Popen([*command(), *ARGS], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        _kill_after_pages(first, server, 7)
        killed_at = len(server.log)
        stored = await _rows(store_url, "SELECT pages, records, status FROM backfill_state")
        second = arxiv_bot(*ARGS, cwd=tmp_path, env=env, timeout=120)
        again = arxiv_bot(*ARGS, cwd=tmp_path, env=env, timeout=60)
    assert second.returncode == 0, second.stderr
    # The killed run had stored some pages, not all; the second one went on from its token, not from the start.
    ((pages_then, records_then, status_then),) = stored
    assert 1 <= pages_then < 13 and records_then == 1000 * pages_then and status_then == "running"
    resumed = [query for query, status in server.log[killed_at:] if status == 200]
    assert "resumptionToken" in resumed[0] and "from" not in resumed[0]
    assert sum("from" in query for query, _ in server.log) == 1 + server.statuses()[:1].count(503)
    assert "12,964 records in 13 pages (resumed)" in second.stdout
    assert "already complete" in again.stdout and again.returncode == 0

    counts = await _rows(store_url, "SELECT count(*), count(DISTINCT arxiv_id) FROM papers")
    assert counts == [(12_964, 12_964)]
    ids = {row[0] for row in await _rows(store_url, "SELECT arxiv_id FROM papers")}
    assert ids == {paper["id"] for paper in corpus}
    sample = corpus[4321]
    (title, categories, announced, announce_type), = await _rows(
        store_url, f"SELECT title, categories, announced, announce_type FROM papers WHERE arxiv_id = '{sample['id']}'")
    assert title == " ".join(sample["title"].split()) and str(announced) == sample["published"]
    assert sample["categories"][0] in str(categories) and announce_type == "backfill"
    # Backfilled papers trigger nothing: no run, no message.
    assert await _rows(store_url, "SELECT count(*) FROM fetch_runs") == [(0,)]
    assert await _rows(store_url, "SELECT count(*) FROM outbox") == [(0,)]

    # The delays asked for were kept: the minimum between any two requests, Retry-After after each 503.
    times, statuses = server.times, server.statuses()
    for index in range(1, len(times)):
        gap = times[index] - times[index - 1]
        assert gap >= DELAY * 0.95, (index, gap)
        if statuses[index - 1] == 503:
            assert gap >= 0.95, (index, gap)
    assert statuses.count(503) >= 3


def test_backfill_refuses_a_range_that_ends_before_it_starts(tmp_path: Path) -> None:
    done = arxiv_bot("backfill", "--from", "2024-02-01", "--until", "2024-01-01", cwd=tmp_path,
                     env=child_env(DATABASE_URL=f"sqlite:///{tmp_path / 's.db'}"), timeout=60)
    assert done.returncode == 2 and "before --from" in done.stderr


def test_backfill_says_what_went_wrong_and_how_to_go_on(tmp_path: Path) -> None:
    done = arxiv_bot("backfill", "--from", "2000-01-01", "--set", "cs", cwd=tmp_path,
                     env=child_env(DATABASE_URL=f"sqlite:///{tmp_path / 's.db'}", HTTP_RETRIES="0",
                                   ARXIV_OAI_BASE_URL="http://127.0.0.1:9/oai", ARXIV_API_MIN_DELAY_SECONDS="0"),
                     timeout=60)
    assert done.returncode == 1
    assert "error: GET http://127.0.0.1:9/oai?verb=ListRecords&metadataPrefix=arXiv&set=cs&from=2000-01-01" \
        in done.stderr, done.stderr
    assert "run the same command again to resume" in done.stderr


def test_a_range_with_nothing_in_it_is_an_empty_backfill_not_an_error(tmp_path: Path) -> None:
    with OaiServer(load_corpus(shared_data("arxiv/corpus.jsonl.gz"))[:50]) as server:
        done = arxiv_bot("backfill", "--from", "1980-01-01", "--until", "1980-12-31", "--set", "cs",
                         "--prefix", "arXivRaw", cwd=tmp_path,
                         env=child_env(DATABASE_URL=f"sqlite:///{tmp_path / 's.db'}", ARXIV_OAI_BASE_URL=server.base,
                                       ARXIV_API_MIN_DELAY_SECONDS="0"), timeout=60)
    assert done.returncode == 0, done.stderr
    assert "complete: 0 records in 1 pages" in done.stdout
