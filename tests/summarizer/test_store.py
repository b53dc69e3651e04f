"""The summary cache in the store: reuse whatever the source, failures replaced, claims per language, and
summaries made before full texts kept through the migration."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import text

from shared.db import make_engine, migrate
from shared.models import Summary
from shared.repository import Repository
from shared.runtime import Env
from shared.stages import SummaryStatus

NOW = datetime(2024, 11, 28, tzinfo=timezone.utc)
KEY = ("2411.00001", 1, "m", "hash", "en")


def row(source: str, status: str = SummaryStatus.DONE, attempts: int = 1, language: str = "en") -> Summary:
    return Summary(arxiv_id=KEY[0], version=KEY[1], model=KEY[2], prompt_hash=KEY[3], language=language,
                   source=source, status=status, text=f"from {source}" if status == "done" else None,
                   attempts=attempts, created_at=NOW)


async def store(env: Env, *rows: Summary) -> None:
    async with env.sessions() as session, session.begin():
        for summary in rows:
            await Repository(session).store_summary(summary)


async def cached(env: Env, key: tuple = KEY) -> Summary | None:
    async with env.sessions() as session:
        return await Repository(session).cached_summary(key)


async def test_a_done_summary_is_reused_whatever_its_source_the_fullest_first(store_env: Env) -> None:
    assert await cached(store_env) is None
    await store(store_env, row("abstract"))
    assert (await cached(store_env)).source == "abstract"
    await store(store_env, row("pdf"), row("html"))  # only a race between expired claims could make several
    assert (await cached(store_env)).source == "html"
    assert await cached(store_env, KEY[:4] + ("zh",)) is None  # another language is another summary


async def test_a_new_row_replaces_the_keys_failures_and_keeps_count_of_attempts(store_env: Env) -> None:
    await store(store_env, row("pdf", SummaryStatus.FAILED, attempts=1))
    await store(store_env, row("abstract", SummaryStatus.FAILED, attempts=2))
    failed = await cached(store_env)
    assert (failed.source, failed.attempts) == ("abstract", 2)
    await store(store_env, row("html", attempts=3))
    async with store_env.sessions() as session:
        rows = list(await session.exec(text("SELECT source, status FROM summaries")))
    assert [tuple(r) for r in rows] == [("html", "done")]


async def test_claims_are_per_language(store_env: Env) -> None:
    later = NOW + timedelta(seconds=30)
    async with store_env.sessions() as session, session.begin():
        repo = Repository(session)
        assert await repo.claim_summary(KEY, "a", NOW, later)
        assert not await repo.claim_summary(KEY, "b", NOW, later)
        assert await repo.claim_summary(KEY[:4] + ("zh",), "b", NOW, later)
        assert await repo.claim_summary(KEY, "b", later, later + timedelta(seconds=30))  # a's lease lapsed


async def test_summaries_made_before_full_texts_survive_the_migration_as_english_abstract_ones(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    await migrate(url, "0002")
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO summaries (arxiv_id, version, model, prompt_hash, status, text, attempts, prompt_tokens, "
                "completion_tokens, created_at) VALUES ('2411.00001', 1, 'm', 'hash', 'done', 'old summary', 1, 90, "
                "30, '2024-11-28 00:00:00')"))
        await migrate(url)
        async with engine.connect() as conn:
            kept = (await conn.execute(text("SELECT language, source, text, cut, tokens_sent FROM summaries"))).one()
    finally:
        await engine.dispose()
    assert tuple(kept) == ("en", "abstract", "old summary", 0, 0)
