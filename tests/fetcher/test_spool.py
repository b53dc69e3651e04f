"""The fetch's spool: a day's items wait on disk, and come back merged one per paper as memory would merge them."""
from __future__ import annotations

from datetime import date

from services.fetcher.arxiv import SINK_BATCH, FeedItem, parse_feed
from services.fetcher.spool import Spool
from tests.feeds import Item, feed


def item(arxiv_id: str, version: int = 1, categories: tuple[str, ...] = ("cs.AI",), title: str = "T",
         announce_type: str = "new") -> FeedItem:
    return FeedItem(arxiv_id=arxiv_id, version=version, title=title, abstract="A", authors=["Ada"],
                    categories=list(categories), announce_type=announce_type, announced=date(2024, 11, 28),
                    abs_url=f"https://arxiv.org/abs/{arxiv_id}", pdf_url=f"https://arxiv.org/pdf/{arxiv_id}v{version}")


def committed(*batches: list[FeedItem]) -> list[FeedItem]:
    with Spool() as spool:
        for batch in batches:
            spool.add(batch)
            spool.commit()
        return list(spool.papers())


def test_items_come_back_equal_once_per_paper() -> None:
    first = [item("2411.00001"), item("2411.00002", categories=("cs.LG", "cs.AI"))]
    second = [item("2411.00002", categories=("cs.LG", "cs.AI"), announce_type="cross"), item("2411.00003")]
    assert committed(first, second) == [*first, second[1]]


def test_the_newest_version_wins_and_its_categories_come_first() -> None:
    papers = committed([item("2411.00001", 1, ("cs.AI", "cs.LG"), title="old")],
                       [item("2411.00001", 2, ("cs.CL",), title="new")])
    assert [(p.version, p.title, p.categories) for p in papers] == [(2, "new", ["cs.CL", "cs.AI", "cs.LG"])]


def test_of_one_version_the_first_sighting_is_kept_and_later_categories_are_added() -> None:
    papers = committed([item("2411.00001", 3, ("cs.AI",), title="first")],
                       [item("2411.00001", 3, ("cs.LG", "cs.AI"), title="second")],
                       [item("2411.00001", 2, ("cs.CV",), title="older")])
    assert [(p.title, p.categories) for p in papers] == [("first", ["cs.AI", "cs.LG", "cs.CV"])]


def test_a_discarded_feed_leaves_nothing_behind() -> None:
    with Spool() as spool:
        spool.add([item("2411.00001")])
        spool.commit()
        spool.add([item("2411.00001", 2, title="stale"), item("2411.00009")])  # a stale feed, found out after
        spool.discard()
        spool.commit()  # nothing pending any more
        papers = list(spool.papers())
        assert len(spool) == 1
        spool.add([item("2411.00002", title="next feed")])  # where the discarded batch was
        spool.commit()
        after = [(p.arxiv_id, p.title) for p in spool.papers()]
    assert [(p.arxiv_id, p.version, p.title) for p in papers] == [("2411.00001", 1, "T")]
    assert after == [("2411.00001", "T"), ("2411.00002", "next feed")]


def test_a_streamed_parse_hands_its_items_over_in_batches_and_keeps_only_listings() -> None:
    items = [Item(f"2411.{n:05d}", f"Paper {n}", type="cross" if n % 3 else "new") for n in range(SINK_BATCH + 7)]
    batches: list[list[FeedItem]] = []
    streamed = parse_feed(feed("cs.AI", items), "cs.AI", batches.append)
    whole = parse_feed(feed("cs.AI", items), "cs.AI")
    assert streamed.items == [] and [len(b) for b in batches] == [SINK_BATCH, 7]
    assert [i for b in batches for i in b] == whole.items
    assert streamed.listings == whole.listings == [(i.arxiv_id, i.version, i.announce_type) for i in whole.items]
