"""The reference-compatible RSS 2.0 of one digest (/rss, /rss/{category}), and the digest's content key."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest

from tests.publisher.entries import digest, entry
from services.publisher.feeds.legacy import render_rss
from services.publisher.readme import render_readme

UPDATED = datetime(2024, 11, 29, 6, 7, 54, tzinfo=timezone.utc)
SELF = "https://bot.example/rss"
NS = {"dc": "http://purl.org/dc/elements/1.1/", "atom": "http://www.w3.org/2005/Atom"}


def parse(xml: str) -> ET.Element:
    # Exactly what a feed reader does: bytes in, and a syntax error fails the test.
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == "rss" and root.get("version") == "2.0"
    return root.find("channel")


def items(xml: str) -> list[ET.Element]:
    return parse(xml).findall("item")


# --- the channel --------------------------------------------------------------------------------------------

def test_channel_describes_the_whole_selection():
    channel = parse(render_rss(digest(entry(1)), UPDATED, SELF))
    assert channel.findtext("title") == "arXiv papers bot: cs.AI, cs.CL, cs.DC, cs.LG"
    assert channel.findtext("link") == SELF
    assert channel.findtext("description")
    assert channel.find("atom:link", NS).get("href") == SELF
    assert channel.find("atom:link", NS).get("rel") == "self"


def test_last_build_date_is_rfc822_in_utc():
    beijing = UPDATED.astimezone(timezone(timedelta(hours=8)))
    text = parse(render_rss(digest(), beijing, SELF)).findtext("lastBuildDate")
    assert text == "Fri, 29 Nov 2024 06:07:54 +0000"
    assert parsedate_to_datetime(text) == UPDATED


def test_self_url_with_query_is_escaped_in_both_places():
    url = 'https://bot.example/rss?a=1&b="2"'
    channel = parse(render_rss(digest(), UPDATED, url))
    assert channel.findtext("link") == url
    assert channel.find("atom:link", NS).get("href") == url


def test_empty_digest_is_a_valid_feed_without_items():
    assert items(render_rss(digest(), UPDATED, SELF)) == []


# --- items --------------------------------------------------------------------------------------------------

def test_one_item_per_entry_in_digest_order():
    found = items(render_rss(digest(entry(3), entry(1), entry(2)), UPDATED, SELF))
    assert [i.findtext("link") for i in found] == [f"https://arxiv.org/abs/2411.1800{n}" for n in (3, 1, 2)]


def test_item_fields():
    [item] = items(render_rss(digest(entry(1, version=3)), UPDATED, SELF))
    assert item.findtext("title") == "Paper 1 on LLM serving"
    guid = item.find("guid")
    assert guid.text == "oai:arXiv.org:2411.18001v3"  # the version: a new version is a new item
    assert guid.get("isPermaLink") == "false"
    assert [c.text for c in item.findall("category")] == ["cs.LG", "cs.AI"]
    assert item.findtext("dc:creator", namespaces=NS) == "Ada Lovelace, Alan Turing"
    assert parsedate_to_datetime(item.findtext("pubDate")) == datetime(2024, 11, 28, tzinfo=timezone.utc)
    description = item.findtext("description")
    assert "<b>Score</b> 8.5" in description and "LLM, Fast" in description
    assert "We study fast LLM serving." in description


def test_item_without_date_has_no_pub_date():
    [item] = items(render_rss(digest(entry(1, announced=None)), UPDATED, SELF))
    assert item.find("pubDate") is None


def test_summary_is_in_the_description_only_when_done():
    done, failed = entry(1, summary="**Key** result: 2x", summary_status="done"), entry(2, summary="x",
                                                                                         summary_status="failed")
    found = items(render_rss(digest(done, failed), UPDATED, SELF))
    assert "<h4>AI summary</h4><pre>**Key** result: 2x</pre>" in found[0].findtext("description")
    assert "AI summary" not in found[1].findtext("description")


HOSTILE = dict(
    title="Q&A <b>bold</b> \x0cform feed $\\alpha < \\beta$ 🤖 语言模型",
    authors=["Ana & Bo <x@y>", "Zoë \x01Control"],
    abstract="Ends </description></item> & <![CDATA[ x ]]> \x00\x1b $O(n^2)$ \\frac{a}{b} 😀",
    keywords=["A&B", "<K>"],
    summary="Summary with </pre><script>alert(1)</script> & \x0b\x0c stuff 🚀",
    summary_status="done",
    categories=["cs.LG", "cs.AI"],
)


def test_hostile_fields_still_give_well_formed_xml():
    [item] = items(render_rss(digest(entry(1, **HOSTILE)), UPDATED, SELF))
    # The title keeps every printable character; the form feed is whitespace, folded into a space.
    assert item.findtext("title") == "Q&A <b>bold</b> form feed $\\alpha < \\beta$ 🤖 语言模型"
    assert item.findtext("dc:creator", namespaces=NS) == "Ana & Bo <x@y>, Zoë Control"
    description = item.findtext("description")
    assert "$O(n^2)$ \\frac{a}{b} 😀" in description and "🚀" in description
    assert not any(ch in description for ch in "\x00\x01\x0b\x0c\x1b")


def test_description_html_cannot_run_what_a_field_contains():
    [item] = items(render_rss(digest(entry(1, **HOSTILE)), UPDATED, SELF))
    # The description is HTML for the reader: fields inside it are escaped once more.
    html = item.findtext("description")
    assert "<script" not in html and "</pre><script>" not in html
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in html
    assert "A&amp;B, &lt;K&gt;" in html
    assert "Ends &lt;/description&gt;&lt;/item&gt; &amp; &lt;![CDATA[ x ]]&gt;" in html


def test_noncharacters_are_dropped_too():
    [item] = items(render_rss(digest(entry(1, title="A\uffffB", summary="x\ufffe", summary_status="done")),
                              UPDATED, SELF))
    assert item.findtext("title") == "AB"


# --- per-category feeds -------------------------------------------------------------------------------------

def test_category_feed_keeps_entries_listed_in_that_category():
    dc_primary = entry(1, categories=["cs.DC", "cs.AI"], shown_category="cs.AI")
    lg_only = entry(2, categories=["cs.LG"], shown_category="cs.LG")
    dc_cross = entry(3, categories=["cs.LG", "cs.DC"], shown_category="cs.LG")
    d = digest(dc_primary, lg_only, dc_cross)
    channel = parse(render_rss(d, UPDATED, f"{SELF}/cs.DC", category="cs.DC"))
    assert channel.findtext("title") == "arXiv papers bot: cs.DC"
    # By the paper's categories, not by the feed it happened to be shown under.
    assert [i.findtext("guid") for i in channel.findall("item")] == [
        "oai:arXiv.org:2411.18001v2", "oai:arXiv.org:2411.18003v2"]
    assert len(items(render_rss(d, UPDATED, SELF, category="cs.CL"))) == 0
    assert len(items(render_rss(d, UPDATED, SELF))) == 3


def test_in_category_matches_whole_names_only():
    d = digest(entry(1, categories=["cs.AI"]), entry(2, categories=["cs.AIX", "math.AI"]))
    assert [e.arxiv_id for e in d.in_category("cs.AI")] == ["2411.18001"]
    assert d.in_category("cs") == []


# --- Digest.key ---------------------------------------------------------------------------------------------

def test_same_content_same_key():
    # Built twice, from separate objects: the key depends on values only.
    first = digest(entry(1, summary="s", summary_status="done"), entry(2))
    second = digest(entry(1, summary="s", summary_status="done"), entry(2))
    assert first.key() == second.key()
    assert len(first.key()) == 64 and int(first.key(), 16) >= 0


def test_key_does_not_depend_on_the_time_of_rendering():
    d = digest(entry(1))
    later = UPDATED + timedelta(days=1)
    assert render_readme(d, UPDATED) != render_readme(d, later)
    assert render_rss(d, UPDATED, SELF) != render_rss(d, later, SELF)
    key = d.key()
    assert d.key() == key == digest(entry(1)).key()


@pytest.mark.parametrize("change", [
    dict(title="Another title"), dict(abstract="Other."), dict(authors=["Someone Else"]), dict(version=3),
    dict(score=9.0), dict(keywords=["LLM"]), dict(categories=["cs.LG"]), dict(shown_category="cs.CL"),
    dict(announced=date(2024, 11, 27)), dict(announced=None), dict(summary="new summary", summary_status="done"),
    dict(summary_status="failed"), dict(announce_type="cross"),
])
def test_any_entry_change_changes_the_key(change):
    base = entry(1, summary="old summary", summary_status="done")
    assert digest(base).key() != digest(replace(base, **change)).key()


@pytest.mark.parametrize("change", [
    dict(keywords=["LLM", "Fast", "RL"]), dict(keywords=["Fast", "LLM"]), dict(model="qwen-max"),
    dict(categories=["cs.AI"]),
])
def test_digest_level_changes_change_the_key(change):
    assert digest(entry(1)).key() != digest(entry(1), **change).key()


def test_entry_order_and_count_change_the_key():
    one, two = entry(1), entry(2)
    assert digest(one, two).key() != digest(two, one).key()
    assert digest(one, two).key() != digest(one).key()
    assert digest().key() != digest(one).key()


def test_lone_surrogates_are_dropped_so_the_feed_encodes_as_utf8():
    # A str can hold them (an LLM answer with "\ud800" in its JSON); UTF-8 cannot, and XML forbids them.
    hostile = entry(1, title="A\ud800B", summary="x\udfffy", summary_status="done")
    rendered = render_rss(digest(hostile), UPDATED, SELF)
    [item] = items(rendered)
    assert item.findtext("title") == "AB" and "xy" in item.findtext("description")
    assert rendered.encode("utf-8")
