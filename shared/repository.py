"""The one place that speaks SQL. Services get a Repository bound to a session (one transaction)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.messages import Message
from shared.models import (FetchRun, OutboxMessage, Paper, Publication, RunItem, RunSummary, Score, Summary,
                           utcnow)


class Repository:
    def __init__(self, session: AsyncSession):
        self.session = session

    # --- papers and runs (fetcher) ---------------------------------------------------------------
    async def papers_by_id(self, ids: Iterable[str]) -> dict[str, Paper]:
        ids = list(set(ids))
        found: dict[str, Paper] = {}
        for start in range(0, len(ids), 500):  # stay far below any bind-parameter limit
            rows = await self.session.exec(select(Paper).where(col(Paper.arxiv_id).in_(ids[start:start + 500])))
            found.update({p.arxiv_id: p for p in rows})
        return found

    def add(self, *rows: object) -> None:
        self.session.add_all(rows)

    async def get_run(self, run_id: str) -> FetchRun | None:
        return await self.session.get(FetchRun, run_id)

    async def advance(self, run_id: str, from_stages: Sequence[str], to_stage: str, **values: object) -> bool:
        """Move a run forward only from an expected stage: a redelivered message finds nothing to move."""
        result = await self.session.exec(
            update(FetchRun).where(col(FetchRun.id) == run_id, col(FetchRun.stage).in_(from_stages))
            .values(stage=to_stage, **values))
        return result.rowcount == 1

    async def run_items(self, run_id: str) -> list[tuple[RunItem, Paper]]:
        rows = await self.session.exec(
            select(RunItem, Paper).join(Paper, col(Paper.arxiv_id) == col(RunItem.arxiv_id))
            .where(col(RunItem.run_id) == run_id).order_by(col(RunItem.position)))
        return list(rows)

    async def latest_runs(self, limit: int = 20) -> list[FetchRun]:
        rows = await self.session.exec(select(FetchRun).order_by(col(FetchRun.started_at).desc()).limit(limit))
        return list(rows)

    async def set_deadline(self, run_id: str, deadline: datetime) -> None:
        await self.session.exec(update(FetchRun).where(
            col(FetchRun.id) == run_id, col(FetchRun.stage) == "scored", col(FetchRun.publish_deadline).is_(None))
            .values(publish_deadline=deadline))

    async def overdue_runs(self, now: datetime) -> list[str]:
        rows = await self.session.exec(select(FetchRun.id).where(
            col(FetchRun.stage) == "scored", col(FetchRun.publish_deadline) <= now))
        return list(rows)

    # --- scores (scorer) -------------------------------------------------------------------------
    async def has_scores(self, run_id: str, profile: str) -> bool:
        count = await self.session.exec(select(func.count()).select_from(Score).where(
            col(Score.run_id) == run_id, col(Score.profile) == profile))
        return count.one() > 0

    async def selection(self, run_id: str, profile: str) -> list[tuple[Score, Paper]]:
        rows = await self.session.exec(
            select(Score, Paper).join(Paper, col(Paper.arxiv_id) == col(Score.arxiv_id))
            .where(col(Score.run_id) == run_id, col(Score.profile) == profile).order_by(col(Score.rank)))
        return list(rows)

    # --- summaries (summarizer) ------------------------------------------------------------------
    async def cached_summary(self, arxiv_id: str, version: int, model: str, prompt_hash: str) -> Summary | None:
        return await self.session.get(Summary, (arxiv_id, version, model, prompt_hash))

    async def run_summaries(self, run_id: str) -> dict[str, tuple[RunSummary, Summary | None]]:
        rows = await self.session.exec(
            select(RunSummary, Summary).outerjoin(Summary, (col(Summary.arxiv_id) == col(RunSummary.arxiv_id))
                                                  & (col(Summary.version) == col(RunSummary.version))
                                                  & (col(Summary.model) == col(RunSummary.model))
                                                  & (col(Summary.prompt_hash) == col(RunSummary.prompt_hash)))
            .where(col(RunSummary.run_id) == run_id))
        return {outcome.arxiv_id: (outcome, summary) for outcome, summary in rows}

    # --- publications (publisher) ----------------------------------------------------------------
    async def latest_publication(self, name: str) -> Publication | None:
        rows = await self.session.exec(
            select(Publication).where(col(Publication.name) == name).order_by(col(Publication.id).desc()).limit(1))
        return rows.first()

    # --- outbox ----------------------------------------------------------------------------------
    def emit(self, message: Message) -> None:
        self.session.add(OutboxMessage(message_id=message.message_id, routing_key=message.routing_key,
                                       body=message.model_dump_json(), created_at=utcnow()))

    async def claim_outbox(self, limit: int = 100) -> list[OutboxMessage]:
        # SKIP LOCKED lets four services relay the same table without sending a row twice (PostgreSQL;
        # SQLite has one writer and ignores it).
        rows = await self.session.exec(
            select(OutboxMessage).where(col(OutboxMessage.sent_at).is_(None)).order_by(col(OutboxMessage.id))
            .limit(limit).with_for_update(skip_locked=True))
        return list(rows)

    async def mark_sent(self, ids: Sequence[int], when: datetime) -> None:
        if ids:
            await self.session.exec(update(OutboxMessage).where(col(OutboxMessage.id).in_(ids)).values(sent_at=when))
