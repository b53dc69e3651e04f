"""Message bodies on the bus: versioned pydantic models, one per routing key.

A consumer ignores fields it does not know (a newer producer may add some) and refuses a schema_version it
does not know, so a message is never half-understood.
"""
from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    routing_key: ClassVar[str]

    schema_version: Literal[1] = 1
    message_id: str = Field(default_factory=lambda: uuid.uuid4().hex)

    def encode(self) -> bytes:
        return self.model_dump_json().encode()


class FetchRequested(Message):
    routing_key: ClassVar[str] = "fetch.requested"
    reason: str = "manual"


class RunFetched(Message):
    routing_key: ClassVar[str] = "run.fetched"
    run_id: str
    status: Literal["ok", "empty", "partial", "error", "stale"]
    announced: date | None = None
    items: int
    new: int
    changed: int


class UpdatedPaper(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    arxiv_id: str
    version: int
    previous_version: int


class PaperUpdated(Message):
    """The papers a run saw replaced by a newer version: one message per run listing them all (a big day
    replaces hundreds), not one per paper. No service needs it today; other programs may bind to it."""

    routing_key: ClassVar[str] = "paper.updated"
    run_id: str
    papers: list[UpdatedPaper]


class RunScored(Message):
    routing_key: ClassVar[str] = "run.scored"
    run_id: str
    profile: str
    selected: list[str]
    to_summarize: list[str]


class SummaryRequested(Message):
    """One paper a run wants summarized: per paper, so a crash costs at most the calls in flight and no
    message approaches the broker's consumer timeout."""

    routing_key: ClassVar[str] = "summary.requested"
    run_id: str
    arxiv_id: str
    version: int


class PaperSummarized(Message):
    routing_key: ClassVar[str] = "paper.summarized"
    run_id: str
    arxiv_id: str
    status: Literal["done", "failed", "disabled"]


class RunPublished(Message):
    routing_key: ClassVar[str] = "run.published"
    run_id: str
    profile: str
    digest_key: str
    changed: bool


MESSAGE_TYPES: dict[str, type[Message]] = {
    cls.routing_key: cls for cls in (FetchRequested, RunFetched, PaperUpdated, RunScored, SummaryRequested,
                                     PaperSummarized, RunPublished)
}


class UnknownMessage(ValueError):
    pass


def decode(routing_key: str, body: bytes | str) -> Message:
    try:
        cls = MESSAGE_TYPES[routing_key]
    except KeyError:
        raise UnknownMessage(f"no message type for routing key {routing_key!r}") from None
    return cls.model_validate_json(body)
