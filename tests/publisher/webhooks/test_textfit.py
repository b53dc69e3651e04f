"""Cutting text to a limit never breaks a character, an escape or a grapheme."""
from __future__ import annotations

import pytest

from services.publisher.webhooks.textfit import ELLIPSIS, fit, utf8_len, utf16_len


def amp(char: str) -> str:
    return {"&": "&amp;", "<": "&lt;"}.get(char, char)


def test_text_that_fits_is_only_escaped() -> None:
    assert fit("a & b", 100, amp) == "a &amp; b"


def test_a_cut_never_splits_an_escape() -> None:
    for limit in range(2, 30):
        cut = fit("x&&&&&&&&&&&&&&&&&&", limit, amp)
        assert utf16_len(cut) <= limit
        body = cut.removesuffix(ELLIPSIS)
        assert body.replace("&amp;", "") in ("", "x"), cut


@pytest.mark.parametrize("text", [
    "e\u0301" * 50,  # e + combining acute
    "👩‍👩‍👧" * 20,  # a ZWJ family
    "🇫🇷🇩🇪" * 20,  # flags: pairs of regional indicators
    "👍🏽" * 30,  # skin tone modifier
    "中文摘要" * 40,
    "☺️" * 40,  # variation selector
])
@pytest.mark.parametrize("limit", [7, 10, 11, 12, 25, 26, 27])
def test_a_cut_ends_on_a_grapheme_boundary(text: str, limit: int) -> None:
    cut = fit(text, limit)
    assert utf16_len(cut) <= limit and cut.endswith(ELLIPSIS)
    body = cut.removesuffix(ELLIPSIS)
    assert text.startswith(body)
    rest = text[len(body):]
    unit = {"e": 2, "👩": 5, "🇫": 2, "👍": 2, "中": 1, "☺": 2}[text[0]]  # code points per grapheme
    assert len(body) % unit == 0, (body, rest[:3])


def test_limits_can_count_bytes() -> None:
    cut = fit("中" * 100, 31, measure=utf8_len)
    assert utf8_len(cut) <= 31 and cut == "中" * 9 + ELLIPSIS
