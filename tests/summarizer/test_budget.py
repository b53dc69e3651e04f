"""Fitting a paper into the token budget: what goes first, the paper's order, the marks, the count."""
from __future__ import annotations

import pytest

from services.summarizer import tokens
from services.summarizer.budget import CUT_MARK, fit, share
from services.summarizer.document import Role, Section

SENTENCE = "Quokkas hop across the island with remarkable efficiency in every season. "
HEADER = "Title: Hopping\nAuthors: A. Lovelace\n\nAbstract:\nWe study hopping."


def paper() -> list[Section]:
    return [Section("1 Introduction", "INTRO " + SENTENCE * 60, Role.INTRO),
            Section("2 Related Work", "RELATED " + SENTENCE * 60, Role.OTHER),
            Section("3 Method", "METHOD " + SENTENCE * 60, Role.METHOD),
            Section("4 Results", "RESULTS " + SENTENCE * 60, Role.RESULTS),
            Section("5 Conclusion", "CONCLUSION " + SENTENCE * 20, Role.CONCLUSION),
            Section("References", "REFERENCES [1] Kangaroo. 2020.", Role.DROP)]


def test_water_filling_gives_short_parts_whole_and_long_ones_equal_shares() -> None:
    assert share([10, 100, 1000], 300) == [10, 100, 190]
    assert share([50, 50], 60) == [30, 30]
    assert share([5, 5], 100) == [5, 5]
    assert share([10, 20], -5) == [0, 0]


def test_everything_fits_in_a_large_budget_in_the_papers_order_without_references() -> None:
    fitted = fit(HEADER, paper(), 100_000, "Full text:")
    assert not fitted.cut and fitted.tokens == tokens.count(fitted.text)
    order = [fitted.text.index(word) for word in ("Abstract:", "Full text:", "INTRO", "RELATED", "METHOD",
                                                  "RESULTS", "CONCLUSION")]
    assert order == sorted(order) and "REFERENCES" not in fitted.text


def test_a_tight_budget_keeps_introduction_and_conclusion_first() -> None:
    fitted = fit(HEADER, paper(), 1_200, "Full text:")
    assert fitted.cut and fitted.tokens <= 1_200
    assert "INTRO" in fitted.text and "CONCLUSION" in fitted.text and "We study hopping." in fitted.text
    assert "METHOD " not in fitted.text and "RESULTS " not in fitted.text and "RELATED " not in fitted.text
    assert "[… left out to fit the token budget: 2 Related Work; 3 Method; 4 Results]" in fitted.text


def test_a_middle_budget_adds_method_and_results_before_the_rest() -> None:
    fitted = fit(HEADER, paper(), 2_200, "Full text:")
    assert fitted.cut and fitted.tokens <= 2_200
    assert all(word in fitted.text for word in ("INTRO", "CONCLUSION", "METHOD", "RESULTS"))
    assert "RELATED " not in fitted.text and CUT_MARK in fitted.text  # method and results shared the rest


@pytest.mark.parametrize("budget", [1_000, 2_000, 4_000, 8_000])
def test_the_count_never_passes_the_budget(budget: int) -> None:
    fitted = fit(HEADER, paper(), budget, "Full text:")
    assert fitted.tokens == tokens.count(fitted.text) <= budget


def test_an_abstract_alone_is_sent_whole_and_not_cut() -> None:
    fitted = fit(HEADER, [], 1_000)
    assert fitted.text == HEADER and not fitted.cut


def test_a_header_longer_than_the_budget_is_cut_visibly() -> None:
    fitted = fit(HEADER + SENTENCE * 200, [], 1_000)
    assert fitted.cut and fitted.tokens <= 1_000 and fitted.text.endswith(CUT_MARK)
