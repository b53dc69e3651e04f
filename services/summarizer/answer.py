"""An LLM's answer checked at the boundary: what leaves here is text every store, page and feed can carry.

Pure: no HTTP, no storage. Whatever the model sent (nothing, a number, NULs, lone surrogates, megabytes),
the caller gets either clean text of bounded length or an AnswerError saying why there is none.
"""
from __future__ import annotations

import re

# NUL: PostgreSQL text cannot hold it and git takes a file with one for binary. The other control
# characters (bar tab and line breaks) have no place in a summary and can drive a terminal showing it.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
CUT_MARK = "\n\n… [cut: the answer was longer than {limit} characters]"


class AnswerError(ValueError):
    """The answer holds no text worth storing; the message is the short reason."""


def _without_lone_surrogates(text: str) -> str:
    """Pairs written as two escapes ("\\ud83d\\ude00") become their character; lone halves, which UTF-8
    cannot encode, go."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")


def _cut(text: str, limit: int) -> str:
    """At most `limit` characters, ending at a paragraph, line or word boundary in the last fifth if any."""
    window = text[:limit]
    for boundary in ("\n\n", "\n", " "):
        at = window.rfind(boundary, limit * 4 // 5)
        if at > 0:
            return window[:at].rstrip()
    return window


def clean_answer(raw: object, max_chars: int) -> str:
    if raw is None:
        raise AnswerError("the model sent no answer")
    if not isinstance(raw, str):
        raise AnswerError(f"the answer is a {type(raw).__name__}, not text")
    text = _CONTROLS.sub("", _without_lone_surrogates(raw).replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        raise AnswerError("the answer is empty" if not raw.strip() else "the answer holds no printable text")
    if len(text) <= max_chars:
        return text
    return _cut(text, max_chars) + CUT_MARK.format(limit=max_chars)
