"""What the fetcher remembers beyond the current paper: every version seen, and each feed's last answer."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from shared.models.base import timestamp


class PaperVersion(SQLModel, table=True):
    """One version of a paper as first seen: `papers` holds the current one, this table the history. Keyed by
    (paper, version) and only ever inserted (ON CONFLICT DO NOTHING), so fetching a day twice stores nothing
    twice and an older version seen late joins the history without touching the current paper."""

    __tablename__ = "paper_versions"

    arxiv_id: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    abstract: str = Field(sa_column=Column(Text, nullable=False))
    authors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    announce_type: str = Field(max_length=32)
    announced: date | None = None
    seen_at: datetime = Field(sa_column=timestamp())


class FeedState(SQLModel, table=True):
    """A feed URL's last answer: the validators for the next conditional request (an unchanged feed then costs
    a 304), and the fingerprint and announcement date that tell a stale feed from a new day."""

    __tablename__ = "feed_state"

    url: str = Field(primary_key=True, max_length=2048)
    etag: str | None = Field(default=None, max_length=1024)
    last_modified: str | None = Field(default=None, max_length=64)
    built: str | None = Field(default=None, max_length=64)  # the feed's lastBuildDate (RSS) or updated (Atom)
    fingerprint: str | None = Field(default=None, max_length=64)  # hash of built + the items' ids and versions
    announced: date | None = None
    checked_at: datetime = Field(sa_column=timestamp())
    changed_at: datetime = Field(sa_column=timestamp())
