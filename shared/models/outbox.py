"""The transactional outbox, and named locks that serialise a few rare critical sections."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from shared.models.base import timestamp


class OutboxMessage(SQLModel, table=True):
    """A message written in the same transaction as the effect that caused it, relayed to the broker after."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=32, unique=True)
    routing_key: str = Field(max_length=64)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=timestamp())
    sent_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True, index=True))


class Lock(SQLModel, table=True):
    """A row per critical section. Updating it first thing in a transaction holds it until the commit, on
    PostgreSQL (row lock) and SQLite (the single writer) alike; migrations seed the rows."""

    __tablename__ = "locks"

    name: str = Field(primary_key=True, max_length=32)
    touched_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
