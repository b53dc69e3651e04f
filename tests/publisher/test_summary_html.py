"""An LLM's Markdown as safe HTML: formatting kept, raw HTML, scripts, javascript: links and images gone."""
from __future__ import annotations

import pytest

from services.publisher.summary_html import TAGS, sanitize, summary_html
from tests.publisher.htmlcheck import assert_inert


def test_formatting_survives() -> None:
    html = summary_html("**Key** result\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode <x>\n```")
    for fragment in ("<strong>Key</strong>", "<li>one</li>", "<table>", "<td>1</td>", "code &lt;x&gt;"):
        assert fragment in html


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<b onmouseover=alert(1)>x</b>",
    "[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](  javascript:alert(1))",
    "[x](vbscript:msgbox(1))", "[x](data:text/html,<script>alert(1)</script>)", "<a href='javascript:x'>x</a>",
    "<iframe src=https://evil.example></iframe>", "<svg onload=alert(1)>", "<style>body{}</style>",
    "![img](https://tracker.example/pixel.png)", "[x]: javascript:alert(1)\n\n[y][x]",
])
def test_nothing_active_survives(hostile: str) -> None:
    html = summary_html(f"Before {hostile} after")
    assert_inert(html, TAGS - {"img"})
    assert "Before" in html and "after" in html  # the rest of the answer is kept


def test_a_safe_link_stays_and_is_marked_nofollow() -> None:
    html = summary_html("[paper](https://arxiv.org/abs/2411.1?a=1&b=2)")
    assert 'href="https://arxiv.org/abs/2411.1?a=1&amp;b=2"' in html and 'rel="nofollow noopener"' in html


def test_characters_xml_cannot_carry_are_dropped() -> None:
    assert summary_html("a\x00b\x0bc\ud800d\ufffe") == "<p>abcd</p>"


def test_sanitize_keeps_only_the_allow_list() -> None:
    assert sanitize('<p style="color:red" onclick="x()">a<span>b</span></p>') == "<p>ab</p>"
