"""Hypothesis strategies for feeds, shared by the property tests (tests/hostile/test_feed_properties.py) and
the fuzzing run (bench/fuzz_feed.py): arbitrary bytes, feeds of arbitrary items in arXiv's layout, and real
feeds mutated byte by byte or with XML's sharp edges spliced in. And the one invariant they all check."""
from __future__ import annotations

import dataclasses
import re
from xml.sax.saxutils import escape

from hypothesis import strategies as st

from shared.arxiv_names import ARXIV_ID, is_category
from services.fetcher.arxiv import (
    MAX_ABSTRACT_CHARS,
    MAX_CATEGORIES,
    MAX_CREATOR_CHARS,
    MAX_TITLE_CHARS,
    MAX_VERSION,
    Feed,
    FeedError,
    parse_feed,
)
from tests.feeds import Item, feed

# XML's and the parser's sharp edges: what a mutation splices into an otherwise valid feed.
SHARP = [b"<!DOCTYPE rss [<!ENTITY a 'b'>]>", b"&a;", b"&#xD800;", b"&#0;", b"&#xFFFE;", b"&#65;",
         b"&#x" + b"9" * 30 + b";",
         b"<![CDATA[", b"]]>", b"<!--", b"-->", b"<?xml version='1.0'?>", b"\x00", b"\xff\xfe", b"\xed\xa0\x80",
         b"\xef\xbf\xbe", b"\xef\xb7\x90", b"</item>", b"<item>", b"<guid>", b"</channel>", b"<", b">", b"&", b"&amp;",
         b"Abstract:", b"Announce Type:", b"arXiv:2411.00001v99999999999", b"oai:arXiv.org:", b"v0", b"(", b")",
         b"\r\n", b"\t", b"\xc0\xaf", b"<xi:include href='file:///etc/passwd'/>", "\U0010ffff".encode()]
# Any character a str can hold but a lone surrogate (no UTF-8 can carry one: the bytes of one come in through
# mutations instead), controls and XML's forbidden ones included.
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)
wide_text = st.one_of(text, st.builds(lambda s, n: s * n, text, st.integers(1, 200)))
# Mostly plausible values, so that most items get past the first check and the later ones are reached too.
VALID_IDS = ["2411.00001", "2411.00002", "0704.0001", "hep-th/9901001", "math.AG/0601001", "cond-mat/0412498"]
ids = st.one_of(st.sampled_from(VALID_IDS), st.from_regex(ARXIV_ID, fullmatch=True), st.text(max_size=20))
versions = st.one_of(st.integers(1, 1000), st.integers(1, 1000), st.integers(-5, 10**25))
categories = st.lists(st.one_of(st.sampled_from(["cs.AI", "cs.LG", "math.AG", "hep-th", "cond-mat.str-el"]),
                                st.sampled_from(["cs.AI", "q-bio.NC"]), text), max_size=8)
announce_types = st.one_of(st.sampled_from(["new", "cross", "replace", "replace-cross", "Replace"]), text)
items = st.builds(Item, id=ids, title=wide_text, abstract=wide_text, categories=categories, type=announce_types,
                  version=versions, authors=wide_text)


def escaped(item: Item) -> Item:
    """tests.feeds escapes the text fields only: the id and the announce type go in escaped here."""
    return dataclasses.replace(item, id=escape(item.id), type=escape(item.type))


@st.composite
def structured_feeds(draw: st.DrawFn) -> bytes:
    """A feed in arXiv's layout holding arbitrary items (escaped as a serializer would)."""
    drawn = draw(st.lists(items, max_size=6))
    body = feed("cs.AI", []).decode()
    head, tail = body.rsplit("  </channel>", 1)
    parts = []
    for item in drawn:
        one = feed("cs.AI", [escaped(item)]).decode()
        parts.append(one[one.index("    <item>"):one.rindex("  </channel>")])
    return (head + "".join(parts) + "  </channel>" + tail).encode()


@st.composite
def raw_text_feeds(draw: st.DrawFn) -> bytes:
    """Items whose fields go in unescaped: markup, entities and references in the middle of fields."""
    fields = draw(st.lists(st.tuples(text, text, text), min_size=1, max_size=4))
    body = feed("cs.AI", [Item(f"2411.{n:05d}", f"TITLE{n}", f"ABSTRACT{n}", authors=f"AUTHORS{n}")
                          for n in range(len(fields))]).decode()
    for n, (title, abstract, authors) in enumerate(fields):
        body = body.replace(f"TITLE{n}", title).replace(f"ABSTRACT{n}", abstract).replace(f"AUTHORS{n}", authors)
    return body.encode()


BASE = feed("cs.AI", [Item("2411.00001", "Sparse attention", "We study $x < y$ & more.",
                           categories=["cs.AI", "cs.LG"]),
                      Item("hep-th/9901001", "Strings", "Old ids.", type="replace", version=3),
                      Item("2411.00002", "Kernels", "Fast.", authors="A (X, Y), B")])


@st.composite
def mutated_feeds(draw: st.DrawFn) -> bytes:
    """A valid feed with a few bytes flipped, cut, or a sharp edge spliced in."""
    data = bytearray(BASE)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["splice", "flip", "cut", "repeat"]))
        if action == "splice":
            data[at:at] = draw(st.sampled_from(SHARP))
        elif action == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[at:at + draw(st.integers(1, 50))]
        else:
            data[at:at] = data[at:at + draw(st.integers(1, 200))] * draw(st.integers(1, 5))
    return bytes(data)


any_feed = st.one_of(st.binary(max_size=2_000), structured_feeds(), raw_text_feeds(), mutated_feeds())

_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def check_item_bounds(feed_: Feed) -> None:
    """What every item leaving the parser holds: the bounds, and only characters the store and XML can carry."""
    for item in feed_.items:
        assert re.fullmatch(ARXIV_ID, item.arxiv_id), item.arxiv_id
        assert 1 <= item.version <= MAX_VERSION
        assert 0 < len(item.title) <= MAX_TITLE_CHARS and item.title == " ".join(item.title.split())
        assert len(item.abstract) <= MAX_ABSTRACT_CHARS
        assert len(", ".join(item.authors)) <= MAX_CREATOR_CHARS + len(item.authors)
        assert 1 <= len(item.categories) <= MAX_CATEGORIES and all(is_category(c) for c in item.categories)
        assert len(set(item.categories)) == len(item.categories)
        assert re.fullmatch(r"[a-z][a-z-]{0,19}", item.announce_type)
        assert item.pdf_url == f"https://arxiv.org/pdf/{item.arxiv_id}v{item.version}"
        for value in (item.title, item.abstract, *item.authors):
            assert not _CONTROLS.search(value), repr(value)
    for reason in feed_.bad_items:
        assert len(reason) < 400 and not _CONTROLS.search(reason)


def parse_or_feed_error(data: bytes) -> Feed | None:
    """The invariant: a Feed whose every item is within bounds, or a FeedError; anything else is a bug."""
    try:
        parsed = parse_feed(data, "cs.AI")
    except FeedError as exc:
        assert str(exc).startswith("cs.AI: "), str(exc)
        return None
    check_item_bounds(parsed)
    return parsed


__all__ = ["any_feed", "check_item_bounds", "escaped", "mutated_feeds", "parse_or_feed_error", "raw_text_feeds",
           "structured_feeds"]
