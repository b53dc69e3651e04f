"""Backfills: where each OAI-PMH harvest stands, so a crashed one resumes from its last stored page."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from shared.models.base import timestamp


class BackfillState(SQLModel, table=True):
    __tablename__ = "backfill_state"

    # metadataPrefix|set|from|until (services/fetcher/oai.py Harvest.key): the same command finds its harvest.
    key: str = Field(primary_key=True, max_length=200)
    # The token of the next page to ask for; None once the harvest is done (or before its first page).
    resumption_token: str | None = Field(default=None, max_length=2000)
    status: str = Field(max_length=16)  # running | done
    pages: int = 0
    records: int = 0
    complete_list_size: int | None = None
    started_at: datetime = Field(sa_column=timestamp())
    updated_at: datetime = Field(sa_column=timestamp())
