"""The summary cache, the claims that keep two workers from paying twice, and each run's outcomes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col, select

from shared.models import RunSummary, Summary, SummaryClaim
from shared.repository.base import Queries
from shared.stages import SummaryStatus

# What one payment covers: arxiv_id, version, model, prompt hash, language. The source is found by reading.
SummaryKey = tuple[str, int, str, str, str]
# The fuller the text a summary was made from, the better; a done summary beats any failed one.
SOURCE_RANK = {"html": 0, "pdf": 1, "abstract": 2}
PRIMARY_KEY = ("arxiv_id", "version", "model", "prompt_hash", "language", "source")


def _is(table: type, key: SummaryKey):  # noqa: ANN202 - a SQL expression
    arxiv_id, version, model, prompt_hash, language = key
    return ((col(table.arxiv_id) == arxiv_id) & (col(table.version) == version)  # type: ignore[attr-defined]
            & (col(table.model) == model) & (col(table.prompt_hash) == prompt_hash)  # type: ignore[attr-defined]
            & (col(table.language) == language))  # type: ignore[attr-defined]


def _best(rows: list[Summary]) -> Summary | None:
    done = [r for r in rows if r.status == SummaryStatus.DONE]
    if done:
        return min(done, key=lambda r: SOURCE_RANK.get(r.source, 9))
    return max(rows, key=lambda r: r.attempts, default=None)


class SummaryQueries(Queries):
    async def cached_summary(self, key: SummaryKey) -> Summary | None:
        """The done summary for this key, whatever text it was read from; else the failed one, with its
        attempts so far; else None."""
        return _best(list(await self.session.exec(select(Summary).where(_is(Summary, key)))))

    async def store_summary(self, row: Summary, replaces_failures: bool = True) -> None:
        """A new answer (or failure) for a key: it replaces the key's failed rows, which its attempts count.
        Without earlier failures (the caller saw none under its claim) it is a single statement."""
        if replaces_failures:
            key = (row.arxiv_id, row.version, row.model, row.prompt_hash, row.language)
            await self.session.exec(delete(Summary).where(  # type: ignore[call-overload]
                _is(Summary, key), col(Summary.status) != SummaryStatus.DONE, col(Summary.source) != row.source))
        values = row.model_dump()
        await self.session.exec(self.upsert(Summary.__table__).values(values)  # type: ignore[attr-defined]
                                .on_conflict_do_update(index_elements=list(PRIMARY_KEY), set_=values))

    async def claim_summary(self, key: SummaryKey, holder: str, now: datetime, until: datetime) -> bool:
        """Take the right to ask the model for this summary, unless a live claim of someone else holds it."""
        inserted = await self.session.exec(
            self.upsert(SummaryClaim.__table__).values(  # type: ignore[attr-defined]
                arxiv_id=key[0], version=key[1], model=key[2], prompt_hash=key[3], language=key[4], holder=holder,
                expires_at=until)
            .on_conflict_do_nothing())
        if inserted.rowcount == 1:
            return True
        taken = await self.session.exec(update(SummaryClaim).where(
            _is(SummaryClaim, key), (col(SummaryClaim.expires_at) <= now) | (col(SummaryClaim.holder) == holder))
            .values(holder=holder, expires_at=until))
        return taken.rowcount == 1

    async def release_claim(self, key: SummaryKey, holder: str) -> None:
        await self.session.exec(delete(SummaryClaim).where(_is(SummaryClaim, key), col(SummaryClaim.holder) == holder))

    async def run_summaries(self, run_id: str) -> dict[str, tuple[RunSummary, Summary | None]]:
        rows = await self.session.exec(
            select(RunSummary, Summary).outerjoin(Summary, (col(Summary.arxiv_id) == col(RunSummary.arxiv_id))
                                                  & (col(Summary.version) == col(RunSummary.version))
                                                  & (col(Summary.model) == col(RunSummary.model))
                                                  & (col(Summary.prompt_hash) == col(RunSummary.prompt_hash))
                                                  & (col(Summary.language) == col(RunSummary.language))
                                                  & (col(Summary.source) == col(RunSummary.source)))
            .where(col(RunSummary.run_id) == run_id))
        return {outcome.arxiv_id: (outcome, summary) for outcome, summary in rows}

    async def summarized_ids(self, run_id: str) -> set[str]:
        rows = await self.session.exec(select(RunSummary.arxiv_id).where(col(RunSummary.run_id) == run_id))
        return set(rows)

    async def done_summaries(self, run_id: str) -> set[SummaryKey]:
        """The key of the summary each paper the run summarized shows, without reading the texts."""
        rows = await self.session.exec(
            select(RunSummary.arxiv_id, RunSummary.version, RunSummary.model, RunSummary.prompt_hash,
                   RunSummary.language).where(col(RunSummary.run_id) == run_id,
                                              col(RunSummary.status) == SummaryStatus.DONE))
        return {tuple(row) for row in rows}

    async def record_outcome(self, outcome: RunSummary) -> None:
        """A paper's outcome in a run; a redelivery writes the same row again and changes nothing."""
        values = outcome.model_dump()
        await self.session.exec(self.upsert(RunSummary.__table__).values(values)  # type: ignore[attr-defined]
                                .on_conflict_do_update(index_elements=["run_id", "arxiv_id"], set_=values))
