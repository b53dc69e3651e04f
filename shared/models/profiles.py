"""Interest profiles as data: imported from config.json at each fetch or written through the API."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from shared.models.base import timestamp


class Profile(SQLModel, table=True):
    """The current settings of one profile (shared.profiles.ProfileSettings as JSON)."""

    __tablename__ = "profiles"

    name: str = Field(primary_key=True, max_length=40)
    version: int = 1
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    origin: str = Field(max_length=16)  # ProfileOrigin: config | api
    deleted: bool = False
    updated_at: datetime = Field(sa_column=timestamp())


class ProfileVersion(SQLModel, table=True):
    """Every version a profile has had, so a run's digest can say which settings produced it."""

    __tablename__ = "profile_versions"

    name: str = Field(primary_key=True, max_length=40)
    version: int = Field(primary_key=True)
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    origin: str = Field(max_length=16)
    deleted: bool = False
    created_at: datetime = Field(sa_column=timestamp())
