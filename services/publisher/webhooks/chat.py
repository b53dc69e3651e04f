"""What the chat formats (Slack, Discord, Feishu) share: the lines a paper is shown with, and packing
rendered pieces into as few messages as each platform's limits allow."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from services.publisher.digest import Entry
from services.publisher.webhooks.textfit import one_line

# Summaries are long-form Markdown from a model; a chat message shows their start and links to the rest.
SUMMARY_CHARS = 1500
ABSTRACT_CHARS = 600
AUTHORS_CHARS = 300
# A link is only made of a URL that cannot break out of the platform's link syntax.
SAFE_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:\d+)?(/[A-Za-z0-9._~%/+:=-]*)?")

T = TypeVar("T")


def safe_url(url: str) -> str | None:
    return url if SAFE_URL.fullmatch(url) else None


def authors_line(entry: Entry) -> str:
    return ", ".join(entry.authors)


def score_line(entry: Entry) -> str:
    score = f"{entry.score:g}"
    return f"Score {score} · {entry.why}" if entry.why else f"Score {score}"


def body_text(entry: Entry) -> tuple[str, int]:
    """The paper's summary if it has one, else its abstract, and how much of it a message shows."""
    if entry.summary_status == "done" and entry.summary:
        return entry.summary.strip(), SUMMARY_CHARS
    return one_line(entry.abstract), ABSTRACT_CHARS


def pack(pieces: list[T], fits: Callable[[list[T]], bool]) -> list[list[T]]:
    """Greedy: as many pieces per message as fit, in order; a piece that fits nowhere alone still gets a
    message of its own (the renderers cut every piece to fit a message by itself)."""
    messages: list[list[T]] = []
    current: list[T] = []
    for piece in pieces:
        if current and not fits(current + [piece]):
            messages.append(current)
            current = []
        current.append(piece)
    if current:
        messages.append(current)
    return messages


def count(n: int) -> str:
    return f"{n} paper" if n == 1 else f"{n} papers"


def part_label(index: int, count: int) -> str:
    return f" ({index}/{count})" if count > 1 else ""


Message = dict[str, Any]
