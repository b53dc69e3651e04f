"""Fetch runs, what each run saw, and each profile's selection of it.

A run is fetched once for the union of every profile's categories and scored once; from there each
(run, profile) is its own unit: its selection, its papers to summarize, its deadline and its digest.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from shared.models.base import timestamp


class FetchRun(SQLModel, table=True):
    __tablename__ = "fetch_runs"

    id: str = Field(primary_key=True, max_length=32)
    started_at: datetime = Field(sa_column=timestamp(index=True))
    finished_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    status: str = Field(max_length=16)  # RunStatus
    stage: str = Field(max_length=16, index=True)  # RunStage: requested -> fetched -> scored
    reason: str = Field(default="manual", max_length=32)  # what asked for it: cli, http, api, schedule, once
    announced: date | None = None
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    feeds: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    items: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0


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


class RunProfile(SQLModel, table=True):
    """One profile's digest of one run: scored -> published, each step once."""

    __tablename__ = "run_profiles"
    __table_args__ = (Index("ix_run_profiles_profile_announced", "profile", "announced"),)

    run_id: str = Field(foreign_key="fetch_runs.id", primary_key=True, max_length=32)
    profile: str = Field(primary_key=True, max_length=40)
    profile_version: int = 1
    status: str = Field(max_length=16)  # RunStatus, seen through this profile's categories
    stage: str = Field(max_length=16, index=True)  # ProfileStage
    announced: date | None = None
    candidates: int = 0
    selected: int = 0
    to_summarize: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    publish_deadline: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    digest_key: str | None = Field(default=None, max_length=64)
    changed: bool | None = None
    scored_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    published_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))


class Score(SQLModel, table=True):
    """A selected paper (rank 1..N) or a near miss (the next few below the cut) of a (run, profile)."""

    __tablename__ = "scores"

    run_id: str = Field(foreign_key="fetch_runs.id", primary_key=True, max_length=32)
    profile: str = Field(primary_key=True, max_length=40)
    arxiv_id: str = Field(foreign_key="papers.arxiv_id", primary_key=True, max_length=64)
    score: float
    rank: int
    near_miss: bool = False
    # [{"term": "LLM", "where": "title", "points": 1.5}, ...]: why the paper got its score.
    hits: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    shown_category: str = Field(max_length=64)
