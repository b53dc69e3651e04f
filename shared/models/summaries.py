"""The summary cache, each run's summary outcomes, and the claims that stop two workers paying twice."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from shared.models.base import timestamp


class Summary(SQLModel, table=True):
    """One LLM answer per (paper, version, model, prompt, language, source), reused by every later run and
    every profile.

    The source (html, pdf, abstract) is what the model read. Only one row per (paper, version, model, prompt,
    language) is ever paid for: that is what a claim covers, and a done row is reused whatever its source.
    """

    __tablename__ = "summaries"

    arxiv_id: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True)
    model: str = Field(primary_key=True, max_length=128)
    prompt_hash: str = Field(primary_key=True, max_length=64)
    language: str = Field(primary_key=True, max_length=32)
    source: str = Field(primary_key=True, max_length=16)  # html | pdf | abstract
    status: str = Field(max_length=16)  # SummaryStatus: done | failed
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Why only the abstract was read ("no full text available", "the PDF is encrypted", ...).
    source_detail: str | None = Field(default=None, max_length=200)
    chars_sent: int = 0
    tokens_sent: int = 0  # counted before sending: system prompt and paper text
    cut: bool = False  # the text was cut to fit ai_summary.max_input_tokens
    attempts: int = 1
    prompt_tokens: int = 0  # as the provider billed them
    completion_tokens: int = 0
    created_at: datetime = Field(sa_column=timestamp())


class SummaryClaim(SQLModel, table=True):
    """Who is asking the model for a summary right now, until when.

    Two runs (or a redelivery beside the original) that want the same summary meet here: the first inserts the
    claim and calls the model; the other waits for the answer instead of paying for it again. A claim whose
    holder died expires, and the next worker takes it over. It has no source: which text there is to read is
    found out by the claim's holder.
    """

    __tablename__ = "summary_claims"

    arxiv_id: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True)
    model: str = Field(primary_key=True, max_length=128)
    prompt_hash: str = Field(primary_key=True, max_length=64)
    language: str = Field(primary_key=True, max_length=32)
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
    language: str | None = Field(default=None, max_length=32)
    source: str | None = Field(default=None, max_length=16)
    # The summary came from the cache (an earlier run, or another worker's answer): this run paid nothing.
    reused: bool = False
