"""A digest entry as a feed item: readable, linked only over http(s), stable id, stored and read back whole."""
from __future__ import annotations

from services.publisher.feeds.items import FeedItem, content_html, html_url
from services.publisher.summary_html import TAGS
from tests.publisher.entries import entry
from tests.publisher.feeds.samples import READABLE_TITLE, hostile, item
from tests.publisher.htmlcheck import assert_inert


def test_the_id_is_the_paper_not_its_version() -> None:
    assert item(1, version=2).guid == item(1, version=5).guid == "oai:arXiv.org:2411.18001"


def test_links_to_abstract_pdf_and_html_of_the_version() -> None:
    built = item(1, version=3)
    assert (built.abs_url, built.pdf_url, built.html_url) == (
        "https://arxiv.org/abs/2411.18001", "https://arxiv.org/pdf/2411.18001v2", "https://arxiv.org/html/2411.18001v3")
    assert html_url("https://arxiv.org/abs/hep-th/9901001v2", 4) == "https://arxiv.org/html/hep-th/9901001v4"
    assert html_url("not a url", 1) == ""


def test_only_http_links_survive() -> None:
    built = FeedItem.from_entry(entry(1, abs_url="javascript:alert(1)", pdf_url="data:text/html,x"))
    assert (built.abs_url, built.pdf_url, built.html_url) == ("", "", "")
    assert "javascript" not in content_html(built) and "data:" not in content_html(built)


def test_title_and_authors_are_readable_and_the_summary_is_safe_html() -> None:
    built = hostile()
    assert built.title == READABLE_TITLE
    assert built.authors == ["Erwin Schrödinger", "Ada <b>&</b>"]  # text: escaping is the renderer's job
    assert "<strong>Key</strong>" in built.summary_html and "<script" not in built.summary_html
    assert "\x00" not in built.abstract


def test_the_content_holds_score_why_links_summary_and_abstract_and_nothing_active() -> None:
    html = content_html(hostile())
    for fragment in ("<strong>Score</strong> 8.5", "&#34;&lt;KV&gt;&#34;", ">PDF</a>", ">HTML</a>",
                     "<h4>AI summary</h4>", "Ada &lt;b&gt;&amp;&lt;/b&gt;", "&lt;![CDATA["):
        assert fragment in html or fragment.replace("&#34;", '"') in html, fragment
    assert_inert(html, TAGS)


def test_no_summary_unless_done() -> None:
    assert FeedItem.from_entry(entry(1, summary="x", summary_status="failed")).summary_html is None
    assert "AI summary" not in content_html(item(1))


def test_data_round_trips_and_its_hash_follows_the_content() -> None:
    built = hostile()
    again = FeedItem.from_data(built.data())
    assert again == built and again.content_hash() == built.content_hash()
    assert item(1, version=3).content_hash() != item(1, version=2).content_hash()
    assert FeedItem.from_data({**built.data(), "future_field": 1}) == built  # a newer row does not break
