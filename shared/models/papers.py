"""Papers: one row per arXiv id, holding its latest version (every version seen: shared/models/versions.py)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from shared.models.base import timestamp


class Paper(SQLModel, table=True):
    __tablename__ = "papers"

    arxiv_id: str = Field(primary_key=True, max_length=64)  # without version: 2411.17705, hep-th/9901001
    version: int
    title: str = Field(sa_column=Column(Text, nullable=False))  # raw, as arXiv wrote it (LaTeX kept)
    abstract: str = Field(sa_column=Column(Text, nullable=False))  # raw, line breaks kept (the reference scores them)
    # The same for people (shared/latex.py: accents, macros, math made characters), so readers need not convert.
    title_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    abstract_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    authors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    primary_category: str = Field(max_length=64)
    announce_type: str = Field(max_length=32)
    announced: date | None = None
    abs_url: str
    pdf_url: str
    content_hash: str = Field(max_length=64)
    # From the export API and OAI-PMH (the feeds do not carry them); None until a source says.
    comments: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    journal_ref: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    doi: str | None = Field(default=None, max_length=255)
    first_seen_at: datetime = Field(sa_column=timestamp())
    updated_at: datetime = Field(sa_column=timestamp())
