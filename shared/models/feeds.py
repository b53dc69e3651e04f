"""The feeds' history window: one row per (profile, paper) that was ever in the profile's digest.

A paper is one item whatever its version: a new version (or a summary that arrived) updates the row and its
`updated_at`, it never adds a second one. Rows older than the window are pruned at publication.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from shared.models.base import timestamp


class FeedItem(SQLModel, table=True):
    __tablename__ = "feed_items"
    __table_args__ = (Index("ix_feed_items_profile_seen", "profile", "seen_at"),)

    profile: str = Field(primary_key=True, max_length=40)
    arxiv_id: str = Field(primary_key=True, max_length=64)
    version: int
    run_id: str = Field(max_length=32)  # the last run whose digest held it
    rank: int  # its place in that digest
    announced: date | None = None
    # The entry as the feeds show it (services/publisher/feeds/items.py), its summary already safe HTML.
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    content_hash: str = Field(max_length=64)
    published_at: datetime = Field(sa_column=timestamp())  # first in a feed
    updated_at: datetime = Field(sa_column=timestamp())  # last change of `data`
    seen_at: datetime = Field(sa_column=timestamp())  # last in a digest: the window counts from here
