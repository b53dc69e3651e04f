"""Atom 1.0 validated against RFC 4287's RELAX NG schema (tests/publisher/schemas/atom.rng), as lxml reads it."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from services.publisher.feeds.atom import render_atom
from tests.publisher.feeds.samples import CHANNEL, READABLE_TITLE, hostile, item

NS = {"a": "http://www.w3.org/2005/Atom"}
SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "atom.rng"


@pytest.fixture(scope="module")
def schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMA)))


def valid(schema: etree.RelaxNG, xml: str) -> etree._Element:
    root = etree.fromstring(xml.encode("utf-8"))
    assert schema.validate(root), schema.error_log
    return root


def test_the_schema_refuses_what_rfc_4287_refuses(schema: etree.RelaxNG) -> None:
    root = etree.fromstring(render_atom(CHANNEL, [item(1)]).encode())
    root.remove(root.find("a:id", NS))  # a feed without its id
    assert not schema.validate(root)
    bad_date = render_atom(CHANNEL, []).replace("2024-11-29T06:07:54Z", "29 Nov 2024")
    assert not schema.validate(etree.fromstring(bad_date.encode()))


def test_an_empty_and_a_full_feed_are_valid(schema: etree.RelaxNG) -> None:
    valid(schema, render_atom(CHANNEL, []))
    root = valid(schema, render_atom(CHANNEL, [hostile(), item(2), item(3, announced=None)]))
    assert len(root.findall("a:entry", NS)) == 3
    assert root.find("a:link[@rel='self']", NS).get("href") == CHANNEL.self_url
    assert root.findtext("a:updated", namespaces=NS) == "2024-11-29T06:07:54Z"


def test_entries_carry_id_dates_authors_links_and_html_content(schema: etree.RelaxNG) -> None:
    entry = valid(schema, render_atom(CHANNEL, [item(1, version=3)])).find("a:entry", NS)
    assert entry.findtext("a:id", namespaces=NS) == "oai:arXiv.org:2411.18001"
    assert entry.findtext("a:published", namespaces=NS) == "2024-11-28T06:00:00Z"
    assert entry.findtext("a:updated", namespaces=NS) == "2024-11-29T06:07:54Z"
    assert [a.text for a in entry.findall("a:author/a:name", NS)] == ["Ada Lovelace", "Alan Turing"]
    links = {(link.get("rel"), link.get("type")): link.get("href") for link in entry.findall("a:link", NS)}
    assert links == {("alternate", "text/html"): "https://arxiv.org/abs/2411.18001",
                     ("related", "application/pdf"): "https://arxiv.org/pdf/2411.18001v2",
                     ("related", "text/html"): "https://arxiv.org/html/2411.18001v3"}
    assert entry.find("a:content", NS).get("type") == "html"


def test_a_hostile_title_comes_out_readable_and_escaped(schema: etree.RelaxNG) -> None:
    xml = render_atom(CHANNEL, [hostile()])
    entry = valid(schema, xml).find("a:entry", NS)
    assert entry.findtext("a:title", namespaces=NS) == READABLE_TITLE
    assert "<script" not in entry.findtext("a:content", namespaces=NS)
    assert "<script>" not in xml
