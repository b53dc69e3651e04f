"""Matching rules, one at a time: what a `words` term matches and what it never matches; reference substrings."""
from __future__ import annotations

import pytest

from services.scorer.matching import (
    ABSTRACT,
    AUTHOR,
    TITLE,
    Matcher,
    is_acronym,
    word_keys,
)


def found(term: str, text: str, kind: str = "words") -> bool:
    matcher = Matcher()
    term_id = matcher.term(kind, term)
    return term_id in matcher.build().find("", text)


@pytest.mark.parametrize(("term", "text"), [
    ("network", "Neural networks"), ("network", "a networked system"), ("Network", "NETWORK"),
    ("network", "a sub-network"),  # a hyphen separates words
    ("Efficiency", "efficiencies of scale"), ("Decode", "decoding"), ("Decode", "decoded tokens"),
    ("LLM", "LLM"), ("LLM", "LLMs"), ("LLM", "LLM-based agents"), ("LLM", "(LLMs)."), ("LLMs", "an LLM"),
    ("RL", "RL fine-tuning"), ("RL", "offline-RL"), ("MOE", "MoE layers"), ("MOE", "sparse MoEs"),
    ("FP8", "FP8/FP4 training"),
    ("mixture of experts", "Mixture-of-Experts"), ("mixture of experts", "mixture of\n experts"),
    ("mixture of experts", "a mixture of experts model"),
    ("KV cache", "KV caches"), ("KV cache", "kv-caching"),
    ("Schrödinger", r'Schr\"odinger bridges'), ("Schrodinger", "Schrödinger"),
    ("R&D", "R&amp;D budgets"), ("O(n)", r"an $\mathcal{O}(n)$ algorithm"),
    ("sparse attention", r"\emph{sparse} attention"),
])
def test_words_match(term: str, text: str) -> None:
    assert found(term, text)


@pytest.mark.parametrize(("term", "text"), [
    ("network", "subnetwork"), ("Network", "hypernetworks"), ("Efficient", "coefficients"),
    ("Parallel", "unparalleled"), ("Attention", "FlashAttention"),
    ("RL", "real world"), ("RL", "particularly"), ("RL", "RLHF"), ("RL", "RLAIF"),
    ("LLM", "MLLMs"), ("LLM", "LLMOps"), ("FP8", "FP80"), ("MOE", "Moebius"),
    ("mixture of experts", "mixture, of experts"), ("mixture of experts", "mixture of. experts"),
    ("KV cache", "KV. Cache"), ("network", "net work"),
])
def test_words_never_match(term: str, text: str) -> None:
    assert not found(term, text)


@pytest.mark.parametrize(("word", "acronym"), [
    ("LLM", True), ("RL", True), ("FP8", True), ("MOE", True), ("RLHF", True), ("LLMs", True), ("GPT4V", True),
    ("ABCDEF", False), ("MoE", False), ("llm", False), ("2024", False), ("Fast", False),
])
def test_acronyms_are_capitals_and_digits_up_to_five(word: str, acronym: bool) -> None:
    assert is_acronym(word) is acronym


def test_a_keyword_written_in_lower_case_is_a_word_not_an_acronym() -> None:
    assert found("rl", "RLHF") and not found("RL", "RLHF")


def test_a_keyword_without_letters_or_digits_is_refused() -> None:
    with pytest.raises(ValueError, match="'\\+\\+'"):
        word_keys("++")


def test_reference_terms_are_lower_cased_substrings() -> None:
    assert found("RL", "real world", kind="reference")
    assert found("Network", "subnetwork", kind="reference")
    assert not found("mixture of experts", "Mixture-of-Experts", kind="reference")


def test_reference_reads_the_abstract_up_to_its_first_line_break_and_words_all_of_it() -> None:
    assert not found("LLM", "first line\nLLM here", kind="reference")
    assert found("LLM", "first line\nLLM here")


def test_where_title_wins_over_abstract_and_authors_are_their_own_place() -> None:
    matcher = Matcher()
    llm, rl, sparse = (matcher.term("words", t) for t in ("LLM", "RL", "sparse"))
    lecun = matcher.term("author", "Yann LeCun")
    hits = matcher.build().find("LLM serving", "An LLM with RL", ["Yann LeCun (NYU)", "Someone Else"])
    assert hits == {llm: TITLE, rl: ABSTRACT, lecun: AUTHOR}
    assert sparse not in hits


def test_a_phrase_never_spans_title_and_abstract() -> None:
    matcher = Matcher()
    phrase = matcher.term("words", "serving systems")
    assert matcher.build().find("Fast serving", "Systems for all") == {}
    assert matcher.find("Fast serving systems", "") == {phrase: TITLE}


def test_equal_terms_share_one_id_across_profiles_and_kinds_do_not() -> None:
    matcher = Matcher()
    assert matcher.term("words", "Network") == matcher.term("words", "network")
    assert matcher.term("words", "LLM") == matcher.term("words", "LLMs")
    assert matcher.term("reference", "LLM") != matcher.term("words", "LLM")
    assert matcher.term("words", "LLM") != matcher.term("words", "llm")  # acronym vs word: other rules
    assert len(matcher) == 4


def test_an_empty_matcher_finds_nothing() -> None:
    assert Matcher().build().find("LLM", "RL", ["Yann LeCun"]) == {}
