"""Rendered artifacts (README.md, feed.xml, feeds/cs.AI.xml) per profile, as served."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from shared.models.base import timestamp


class Publication(SQLModel, table=True):
    """The current artifact of a (profile, name) is the one of the newest announcement, then the newest row:
    an older run that publishes late never replaces a newer digest."""

    __tablename__ = "publications"
    __table_args__ = (Index("ix_publications_profile_name", "profile", "name", "announced", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    profile: str = Field(default="default", max_length=40)
    name: str = Field(max_length=128)
    run_id: str = Field(foreign_key="fetch_runs.id", max_length=32)
    announced: date | None = None
    digest_key: str = Field(max_length=64)
    content_type: str = Field(max_length=64)
    content: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=timestamp())
