"""Sentence embeddings of papers, computed once per paper version and model (the scorer's semantic extra)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from shared.models.base import timestamp


class PaperEmbedding(SQLModel, table=True):
    __tablename__ = "paper_embeddings"

    arxiv_id: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True)
    model: str = Field(primary_key=True, max_length=64)
    # float32 little-endian, L2-normalised: 384 numbers are 1.5 kB, a tenth of their JSON.
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_column=timestamp())
