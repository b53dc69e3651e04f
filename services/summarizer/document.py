"""A paper's full text as headed sections, each with a role, whatever it was read from (HTML or PDF).

The role decides what a token budget keeps first: introduction and conclusion, then method and results, then
the rest; references and acknowledgements are not sent at all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    INTRO = "intro"
    CONCLUSION = "conclusion"
    METHOD = "method"
    RESULTS = "results"
    OTHER = "other"
    DROP = "drop"  # references, acknowledgements, and the abstract (sent from the paper's metadata instead)


class UnreadableText(ValueError):
    """A full text that cannot be used; `reason` is a short phrase for readers ("the PDF is encrypted")."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class Section:
    heading: str  # "" for text before the first heading
    text: str
    role: Role

    def render(self) -> str:
        return f"## {self.heading}\n{self.text}" if self.heading else self.text


# Checked in this order: "Conclusion and future work" is a conclusion, "Experimental results" results.
_ROLES: list[tuple[Role, re.Pattern[str]]] = [(role, re.compile(pattern, re.I)) for role, pattern in [
    (Role.DROP, r"^\W*(abstract\W*$|references|bibliography|acknowledge?ments?)"),
    (Role.CONCLUSION, r"\b(conclu\w*|closing remarks|summary and|final remarks)"),
    (Role.INTRO, r"\b(introduction|motivation)\b"),
    (Role.RESULTS, r"\b(experiment\w*|results?|evaluation|evaluating|ablations?|analysis|benchmark\w*|empirical"
                   r"|discussion|limitations?|findings|case stud\w*)\b"),
    (Role.METHOD, r"\b(method\w*|approach|model|framework|architecture|algorithm\w*|design|proposed|our |setup"
                  r"|implementation|training|formulation|system|pipeline|technique)"),
]]
_NUMBERING = re.compile(r"^\s*(?:[A-Z]|\d{1,2}|[IVX]{1,5})(?:\.\d{1,2})*\.?\s+(?=\S)")


def role_of(heading: str) -> Role:
    title = _NUMBERING.sub("", heading)
    for role, pattern in _ROLES:
        if pattern.search(title):
            return role
    return Role.OTHER


def clean_spaces(text: str) -> str:
    """Runs of spaces folded, at most one blank line between paragraphs, control characters dropped."""
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]", "", text)
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
