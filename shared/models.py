"""The paper store: SQLModel tables shared by every service.

Keys are natural wherever possible (arXiv id, (run, profile, paper), (paper, version, model, prompt)) so a
redelivered message finds its effect already there instead of writing it twice.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)



class Paper(SQLModel, table=True):
    __tablename__ = "papers"

    arxiv_id: str = Field(primary_key=True, max_length=64)  # without version: 2411.17705, hep-th/9901001
    version: int
    title: str = Field(sa_column=Column(Text, nullable=False))
    abstract: str = Field(sa_column=Column(Text, nullable=False))
    authors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    primary_category: str = Field(max_length=64)
    announce_type: str = Field(max_length=32)
    announced: date | None = None
    abs_url: str
    pdf_url: str
    content_hash: str = Field(max_length=64)
    first_seen_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class FetchRun(SQLModel, table=True):
    __tablename__ = "fetch_runs"

    id: str = Field(primary_key=True, max_length=32)
    started_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    status: str = Field(max_length=16)  # ok | empty | partial | error
    # fetched -> scored -> summarized -> published; each step moves it forward once.
    stage: str = Field(max_length=16, index=True)
    announced: date | None = None
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    feeds: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    items: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    selected: int = 0
    publish_deadline: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class RunItem(SQLModel, table=True):
    """One feed item as a run saw it, in fetch order (categories in config order, then feed order).

    A paper listed in three categories is one Paper and three RunItems: the reference's selection depends on
    which feed showed it first.
    """

    __tablename__ = "run_items"

    run_id: str = Field(foreign_key="fetch_runs.id", primary_key=True, max_length=32)
    position: int = Field(primary_key=True)
    arxiv_id: str = Field(foreign_key="papers.arxiv_id", max_length=64, index=True)
    version: int
    feed_category: str = Field(max_length=64)
    announce_type: str = Field(max_length=32)


class Score(SQLModel, table=True):
    __tablename__ = "scores"

    run_id: str = Field(foreign_key="fetch_runs.id", primary_key=True, max_length=32)
    profile: str = Field(primary_key=True, max_length=64)
    arxiv_id: str = Field(foreign_key="papers.arxiv_id", primary_key=True, max_length=64)
    score: float
    rank: int
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    title_keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    shown_category: str = Field(max_length=64)


class Summary(SQLModel, table=True):
    """The summary cache: one LLM answer per (paper, version, model, prompt), reused by every later run."""

    __tablename__ = "summaries"

    arxiv_id: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True)
    model: str = Field(primary_key=True, max_length=128)
    prompt_hash: str = Field(primary_key=True, max_length=64)
    status: str = Field(max_length=16)  # done | failed
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    attempts: int = 1
    prompt_tokens: int = 0
    completion_tokens: int = 0
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class RunSummary(SQLModel, table=True):
    """A selected paper's summary outcome in one run: done, failed or disabled."""

    __tablename__ = "run_summaries"

    run_id: str = Field(foreign_key="fetch_runs.id", primary_key=True, max_length=32)
    arxiv_id: str = Field(foreign_key="papers.arxiv_id", primary_key=True, max_length=64)
    status: str = Field(max_length=16)
    version: int | None = None
    model: str | None = Field(default=None, max_length=128)
    prompt_hash: str | None = Field(default=None, max_length=64)


class Publication(SQLModel, table=True):
    """A rendered artifact (README.md, feed.xml, feeds/cs.AI.xml) as served; the newest row per name wins."""

    __tablename__ = "publications"
    __table_args__ = (Index("ix_publications_name_id", "name", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128)
    run_id: str = Field(foreign_key="fetch_runs.id", max_length=32)
    digest_key: str = Field(max_length=64)
    content_type: str = Field(max_length=64)
    content: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class OutboxMessage(SQLModel, table=True):
    """A message written in the same transaction as the effect that caused it, relayed to the broker after."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=32, unique=True)
    routing_key: str = Field(max_length=64)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True, index=True))
