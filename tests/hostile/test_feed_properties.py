"""Properties of the feed parser on generated input (hypothesis): whatever the bytes, FeedError or items
within bounds; an item within bounds comes out as it went in; one bad item never costs its neighbours.
bench/fuzz_feed.py runs the same strategies for minutes instead of a few hundred examples."""
from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.feeds import Item, feed
from tests.hostile.feed_strategies import (
    VALID_IDS,
    escaped,
    items,
    mutated_feeds,
    parse_or_feed_error,
    raw_text_feeds,
    structured_feeds,
)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(autouse=True)
def quiet() -> Iterator[None]:
    """A warning per skipped item otherwise: thousands of lines."""
    logger = logging.getLogger("services.fetcher.arxiv")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@FAST
@given(st.binary(max_size=4_000))
def test_arbitrary_bytes_give_a_feed_error_or_items_within_bounds(data: bytes) -> None:
    parse_or_feed_error(data)


@FAST
@given(st.one_of(structured_feeds(), raw_text_feeds(), mutated_feeds()))
def test_arbitrary_feeds_give_a_feed_error_or_items_within_bounds(data: bytes) -> None:
    parse_or_feed_error(data)


@FAST
@given(structured_feeds())
def test_escaped_items_never_make_the_feed_unreadable(data: bytes) -> None:
    # Whatever an item holds, escaped as a serializer escapes it, the feed parses: at worst the item is skipped.
    assert parse_or_feed_error(data) is not None


plain = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FFF, exclude_categories=("Cs", "Zl", "Zp")),
                min_size=1, max_size=200).filter(lambda t: t.strip())


@FAST
@given(st.sampled_from(VALID_IDS), st.integers(1, 1000), plain, plain, st.sampled_from(["new", "cross", "replace"]))
def test_an_item_within_bounds_comes_out_as_it_went_in(arxiv_id: str, version: int, title: str, abstract: str,
                                                        kind: str) -> None:
    item = Item(arxiv_id, title, abstract, categories=["cs.LG", "cs.AI"], type=kind, version=version)
    parsed = parse_or_feed_error(feed("cs.AI", [item]))
    assert parsed is not None and parsed.bad_items == []
    (out,) = parsed.items
    assert (out.arxiv_id, out.version, out.announce_type, out.categories) == (arxiv_id, version, kind,
                                                                              ["cs.LG", "cs.AI"])
    assert out.title == " ".join(title.split())
    assert out.abstract == abstract.strip(" \n\t")


@FAST
@given(items)
def test_one_bad_item_never_costs_its_neighbours(middle: Item) -> None:
    before, after = Item("2411.99901", "Before"), Item("2411.99902", "After")
    parsed = parse_or_feed_error(feed("cs.AI", [before, escaped(middle), after]))
    assert parsed is not None
    kept = [i.arxiv_id for i in parsed.items]
    assert kept[0] == "2411.99901" and kept[-1] == "2411.99902"
    assert len(parsed.items) + len(parsed.bad_items) == 3
