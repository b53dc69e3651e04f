"""Fitting a paper into a token budget: the parts that say most about it first.

Title, authors and abstract always go in. Then, tier by tier, introduction and conclusion, then method and
results (discussion and limitations with them), then the rest: a tier that fits goes in whole; one that does
not shares what is left fairly (water-filling: short sections whole, long ones cut to an equal share) and the
tiers below it are left out. What is sent keeps the paper's order, with a visible mark wherever text was cut
or left out, so the model knows it is reading a part.
"""
from __future__ import annotations

from dataclasses import dataclass

from services.summarizer import tokens
from services.summarizer.document import Role, Section

TIERS = [(Role.INTRO, Role.CONCLUSION), (Role.METHOD, Role.RESULTS), (Role.OTHER,)]
SEPARATOR_TOKENS = 4  # the blank lines and marks between sections, and heading markup
MIN_PIECE_TOKENS = 60  # a cut shorter than this says nothing: the section is left out instead
CUT_MARK = "[… cut to fit the token budget]"


@dataclass(frozen=True)
class Fitted:
    text: str
    tokens: int
    cut: bool


def share(sizes: list[int], room: int) -> list[int]:
    """Water-filling: each size gets min(size, an equal share of what the smaller ones leave)."""
    given = [0] * len(sizes)
    left = max(0, room)
    order = sorted(range(len(sizes)), key=lambda i: sizes[i])
    for position, index in enumerate(order):
        given[index] = min(sizes[index], left // (len(order) - position))
        left -= given[index]
    return given


def allocate(sections: list[Section], sizes: list[int], room: int) -> list[int]:
    """Tokens each section may use (its size when whole, 0 when left out)."""
    given = [0] * len(sections)
    for tier in TIERS:
        members = [i for i, s in enumerate(sections) if s.role in tier]
        needed = sum(sizes[i] + SEPARATOR_TOKENS for i in members)
        if needed <= room:
            for i in members:
                given[i] = sizes[i]
            room -= needed
            continue
        shares = share([sizes[i] for i in members], room - SEPARATOR_TOKENS * len(members))
        for i, tokens_given in zip(members, shares, strict=True):
            given[i] = tokens_given if tokens_given >= MIN_PIECE_TOKENS else 0
        break
    return given


def fit(header: str, sections: list[Section], budget: int, intro: str = "") -> Fitted:
    """`header` (title, abstract) then `intro` (a line saying where the text comes from) then the sections,
    within `budget` tokens."""
    sendable = [s for s in sections if s.role != Role.DROP and s.text.strip()]
    rendered = [s.render() for s in sendable]
    sizes = [tokens.count(r) for r in rendered]
    head = f"{header}\n\n{intro}" if intro and sendable else header
    room = budget - tokens.count(head) - SEPARATOR_TOKENS
    if sum(sizes) + SEPARATOR_TOKENS * len(sizes) > room:
        # Room for the marks that will say what was left out: at most one per section, naming them all.
        room -= tokens.count(_omitted([s.heading for s in sendable])) + SEPARATOR_TOKENS * 3 * len(sendable)
    given = allocate(sendable, sizes, room)
    parts, cut, omitted = [head], False, []
    for section, text, size, allowed in zip(sendable, rendered, sizes, given, strict=True):
        if allowed == 0:
            omitted.append(section.heading or "untitled text")
            cut = True
            continue
        if omitted:
            parts.append(_omitted(omitted))
            omitted = []
        if allowed < size:
            text, cut = f"{tokens.head(text, allowed - SEPARATOR_TOKENS * 3)}\n{CUT_MARK}", True
        parts.append(text)
    if omitted:
        parts.append(_omitted(omitted))
    text = "\n\n".join(parts)
    count = tokens.count(text)
    if count > budget:  # only when the header alone is too long, or joins tokenized differently: cut the end
        text, cut = tokens.head(text, budget - 16) + f"\n{CUT_MARK}", True
        count = tokens.count(text)
    return Fitted(text, count, cut)


def _omitted(headings: list[str]) -> str:
    shown = "; ".join(h[:80] for h in headings[:12]) + ("; …" if len(headings) > 12 else "")
    return f"[… left out to fit the token budget: {shown}]"
