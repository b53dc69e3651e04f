"""Cutting text to a platform's limit without breaking a character, an escape sequence or a grapheme.

Chat platforms count "characters" in their own ways (Discord and Slack in UTF-16 code units, Feishu in bytes
of the request); every limit here is measured in the stricter unit, so a fitted text is within the limit
whichever way the platform counts. Escaping is applied per character before cutting, so `&amp;` is never
cut into `&am`.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable

ELLIPSIS = "…"
ZWJ = "\u200d"


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _joins_previous(char: str) -> bool:
    """A character that belongs to the one before it: a combining accent, a variation selector, a skin tone,
    a zero-width joiner. Cutting before it would strip it from its base character."""
    if char == ZWJ or "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef":
        return True
    if "\U0001f3fb" <= char <= "\U0001f3ff":  # emoji skin tone modifiers
        return True
    return unicodedata.category(char) in ("Mn", "Me", "Mc")


def _regional(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def fit(text: str, limit: int, escape: Callable[[str], str] = lambda c: c,
        measure: Callable[[str], int] = utf16_len, ellipsis: str = ELLIPSIS) -> str:
    """`text` escaped, whole if it fits in `limit`, else cut at a grapheme boundary with an ellipsis."""
    pieces = [escape(char) for char in text]
    whole = "".join(pieces)
    if measure(whole) <= limit:
        return whole
    budget = limit - measure(ellipsis)
    kept, used = 0, 0
    for piece in pieces:
        size = measure(piece)
        if used + size > budget:
            break
        used += size
        kept += 1
    # Back off to the start of the grapheme the cut fell into (and past a joiner that would dangle).
    while kept > 0 and (_joins_previous(text[kept]) or text[kept - 1] == ZWJ):
        kept -= 1
    # A flag is two regional indicators: an odd number of them before the cut means it split one.
    indicators = 0
    while indicators < kept and _regional(text[kept - 1 - indicators]):
        indicators += 1
    if indicators % 2 == 1 and _regional(text[kept]):
        kept -= 1
    return "".join(pieces[:kept]).rstrip() + ellipsis


def one_line(text: str) -> str:
    """Whitespace folded: titles and abstracts carry the feed's line breaks."""
    return " ".join(text.split())
