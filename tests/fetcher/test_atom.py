"""arXiv's Atom announcement feed, real and built, into the same FeedItems as the RSS feed."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest

from services.fetcher.arxiv import FeedError, UnknownCategory, parse_feed
from services.fetcher.atom import parse_atom
from tests.data import shared_data
from tests.feeds import Item, atom, feed

REAL = "arxiv/rss/atomfeed_cs.AI_2025-08-20_repaired_prefix.xml"


def test_the_real_cs_ai_atom_feed_parses_to_its_86_entries() -> None:
    [ai] = parse_atom(shared_data(REAL).read_bytes(), ["cs.AI"])
    assert (len(ai.items), ai.bad_items) == (86, [])
    assert [sum(i.announce_type == t for i in ai.items) for t in ("new", "cross")] == [41, 45]
    assert ai.announced == date(2025, 8, 20) and ai.built == "2025-08-20T04:00:19.866337+00:00"
    first = ai.items[0]
    assert (first.arxiv_id, first.version, first.categories) == ("2508.13167", 1, ["cs.AI", "cs.CL"])
    assert first.title.startswith("Chain-of-Agents: End-to-End Agent Foundation Models")
    assert first.abstract.startswith("Recent advances in large language models")
    assert (first.authors[0], first.authors[-1], len(first.authors)) == ("Weizhen Li", "Wangchunshu Zhou", 30)
    assert first.pdf_url == "https://arxiv.org/pdf/2508.13167v1"
    assert len({i.arxiv_id for i in ai.items}) == 86


def test_atom_and_rss_give_the_same_items_for_the_same_papers() -> None:
    items = [Item("2411.00001", "A $x^2$ title", categories=["cs.AI", "cs.LG"]),
             Item("2411.00002", "B", categories=["cs.LG", "cs.AI"], type="cross", version=3,
                  authors="Ada (MIT, Cambridge), Alan")]
    [from_atom] = parse_atom(atom("cs.AI", items), ["cs.AI"])
    from_rss = parse_feed(feed("cs.AI", items), "cs.AI")
    assert [asdict(i) for i in from_atom.items] == [asdict(i) for i in from_rss.items]
    assert from_atom.items[1].authors == ["Ada (MIT, Cambridge)", "Alan"]


def test_one_request_for_several_categories_is_split_back_per_category() -> None:
    items = [Item("2411.00001", "AI only", categories=["cs.AI"]),
             Item("2411.00002", "Both", categories=["cs.LG", "cs.AI"]),
             Item("2411.00003", "LG only", categories=["cs.LG"]),
             Item("2411.00004", "Math", categories=["math.AG"])]
    ai, lg, maths = parse_atom(atom("cs.AI+cs.LG+math", items), ["cs.AI", "cs.LG", "math"])
    assert [i.arxiv_id for i in ai.items] == ["2411.00001", "2411.00002"]
    assert [i.arxiv_id for i in lg.items] == ["2411.00002", "2411.00003"]
    assert [i.arxiv_id for i in maths.items] == ["2411.00004"]  # an archive holds its categories


def test_the_real_split_of_the_cs_ai_feed_matches_the_categories_listed() -> None:
    ai, cl = parse_atom(shared_data(REAL).read_bytes(), ["cs.AI", "cs.CL"])
    assert len(ai.items) == 86
    assert [i.arxiv_id for i in cl.items] == [i.arxiv_id for i in ai.items if "cs.CL" in i.categories]


def test_an_error_channel_names_the_category_as_a_configuration_error() -> None:
    body = atom("cs.XX", [], title="Feed error for query: http://rss.arxiv.org/atom/cs.XX")
    with pytest.raises(UnknownCategory, match=r"^configuration error: arXiv knows no category 'cs.XX'"):
        parse_atom(body, ["cs.XX"])


@pytest.mark.parametrize("body, message", [
    (feed("cs.AI", []), "not an Atom feed"),
    (b"<feed xmlns='http://www.w3.org/2005/Atom'><entry>", "malformed XML"),
    (b'<!DOCTYPE feed [<!ENTITY a "aaaa">]><feed xmlns="http://www.w3.org/2005/Atom">&a;</feed>',
     "forbidden XML construct"),
])
def test_what_is_not_a_safe_atom_feed_is_a_clear_feed_error(body: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        parse_atom(body, ["cs.AI"])


def test_a_bad_entry_costs_only_itself_and_is_named() -> None:
    body = atom("cs.AI", [Item("2411.00001", "Good"), Item("2411.00002", "Bad", version=0),
                          Item("2411.00003", "")])
    [ai] = parse_atom(body, ["cs.AI"])
    assert [i.arxiv_id for i in ai.items] == ["2411.00001"]
    assert [b.split(":")[0] for b in ai.bad_items] == ["entry 1", "entry 2"]


def test_an_entry_keeps_its_arxiv_categories_and_leaves_out_other_names() -> None:
    [parsed] = parse_atom(atom("cs.CL", [Item("2510.17389", "Fine", categories=["cs.CL", "I.2.7"])]), ["cs.CL"])
    assert [(i.arxiv_id, i.categories) for i in parsed.items] == [("2510.17389", ["cs.CL"])]
    assert parsed.bad_items == []
