"""Which candidates a profile reads, and in which order (reading.Readings): index arrays, checked by hand."""
from __future__ import annotations

from datetime import date

from services.scorer.model import Candidate, Profile
from services.scorer.reading import Readings

DAY = date(2024, 11, 28)
TODAY = date(2024, 11, 29)


def cand(arxiv_id: str, title: str, feed: str = "cs.AI", kind: str = "new", announced: date | None = DAY) -> Candidate:
    return Candidate(arxiv_id, title, "", kind, feed, announced)


def read(candidates: list[Candidate], **kw) -> list[int]:
    return Readings(candidates, TODAY).of(Profile(name="p", **kw)).tolist()


def test_categories_are_read_in_the_profiles_order_and_unknown_ones_add_nothing():
    items = [cand("1", "a", "cs.AI"), cand("2", "b", "cs.LG"), cand("3", "c", "cs.AI"), cand("4", "d", "cs.CL")]
    assert read(items, categories=("cs.LG", "cs.XX", "cs.AI")) == [1, 0, 2]
    assert read(items, categories=("cs.XX",)) == []
    assert read(items) == [0, 1, 2, 3]  # no categories: every feed, in fetch order


def test_announce_types_and_the_days_back_window():
    items = [cand("1", "a", kind="new"), cand("2", "b", kind="cross"), cand("3", "c", kind="replace"),
             cand("4", "d", announced=date(2024, 11, 1)), cand("5", "e", announced=None)]
    assert read(items, days_back=7) == [0, 4]  # an item without a date is inside every window
    assert read(items, days_back=90, announce_types=("new", "cross")) == [0, 1, 3, 4]


def test_words_mode_drops_a_later_item_with_the_same_folded_title_or_id():
    items = [cand("1", "Deep  Learning, Revisited"), cand("2", "deep learning revisited", "cs.LG"),
             cand("3", "Another"), cand("1", "Another title", "cs.LG"), cand("4", "Unrelated")]
    assert read(items, mode="words") == [0, 2, 4]
    assert read(items, mode="words", deduplicate=False) == [0, 1, 2, 3, 4]


def test_reference_mode_compares_lowercased_titles_only():
    items = [cand("1", "Deep Learning"), cand("2", "DEEP LEARNING"), cand("3", "Deep  Learning")]
    assert read(items, mode="reference") == [0, 2]  # "deep  learning" (two spaces) is another title there


class _Colliding(str):
    """A folded title whose hash is the same as every other's: what a hash collision looks like."""

    def __hash__(self) -> int:
        return 7


def test_titles_whose_hashes_collide_are_still_told_apart_by_their_text():
    items = [cand("1", "Alpha"), cand("2", "Beta"), cand("3", "alpha"), cand("4", "Gamma")]
    codes = Readings(items, TODAY)._title_keys(lambda title: _Colliding(title.lower())).tolist()
    assert codes[0] == codes[2]
    assert len({codes[0], codes[1], codes[3]}) == 3
