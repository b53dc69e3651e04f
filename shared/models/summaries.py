"""The summary cache, each run's summary outcomes, and the claims that stop two workers paying twice."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from shared.models.base import timestamp


class Summary(SQLModel, table=True):
    """One LLM answer per (paper, version, model, prompt), reused by every later run and every profile."""

    __tablename__ = "summaries"

    arxiv_id: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True)
    model: str = Field(primary_key=True, max_length=128)
    prompt_hash: str = Field(primary_key=True, max_length=64)
    status: str = Field(max_length=16)  # SummaryStatus: done | failed
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    attempts: int = 1
    prompt_tokens: int = 0
    completion_tokens: int = 0
    created_at: datetime = Field(sa_column=timestamp())


class SummaryClaim(SQLModel, table=True):
    """Who is asking the model for a summary right now, until when.

    Two runs (or a redelivery beside the original) that want the same summary meet here: the first inserts the
    claim and calls the model; the other waits for the answer instead of paying for it again. A claim whose
    holder died expires, and the next worker takes it over.
    """

    __tablename__ = "summary_claims"

    arxiv_id: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True)
    model: str = Field(primary_key=True, max_length=128)
    prompt_hash: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=64)
    expires_at: datetime = Field(sa_column=timestamp())


class RunSummary(SQLModel, table=True):
    """A selected paper's summary outcome in one run (shared by every profile of the run)."""

    __tablename__ = "run_summaries"

    run_id: str = Field(foreign_key="fetch_runs.id", primary_key=True, max_length=32)
    arxiv_id: str = Field(foreign_key="papers.arxiv_id", primary_key=True, max_length=64)
    status: str = Field(max_length=16)  # SummaryStatus: done | failed | disabled
    version: int | None = None
    model: str | None = Field(default=None, max_length=128)
    prompt_hash: str | None = Field(default=None, max_length=64)
