"""The scorer's values: checked when built, with messages that name the profile and the value."""
from __future__ import annotations

from datetime import date

import pytest

from services.scorer.model import Candidate, Hit, Profile, Scored, Term


def test_plain_strings_become_terms_and_lists_become_tuples():
    profile = Profile("p", keywords=["LLM", Term("KV cache", 2)], exclude_keywords=["survey"],
                      authors_boost=["Yann LeCun"], categories=["cs.AI"])
    assert profile.keywords == (Term("LLM"), Term("KV cache", 2.0))
    assert profile.authors_boost == (Term("Yann LeCun"),)
    assert profile.exclude_keywords == ("survey",) and profile.categories == ("cs.AI",)
    hash(profile)  # frozen and hashable: it can key a cache


@pytest.mark.parametrize(("kw", "message"), [
    ({"mode": "semantic"}, "unknown scoring mode 'semantic'"),
    ({"max_papers": -1}, "max_papers must be a whole number"),
    ({"days_back": 1.5}, "days_back must be a whole number"),
    ({"near_misses": True}, "near_misses must be a whole number"),
    ({"title_weight": -1}, "title_weight must be a number from 0"),
    ({"abstract_weight": float("nan")}, "abstract_weight must be a number from 0"),
    ({"min_score": float("inf")}, "min_score must be a number"),
    ({"keywords": ["C++", "++"]}, "keyword '\\+\\+' has no letters or digits"),
    ({"exclude_keywords": ["--"]}, "keyword '--' has no letters or digits"),
])
def test_a_profile_that_cannot_be_scored_is_refused_by_name(kw, message):
    with pytest.raises(ValueError, match=message) as caught:
        Profile("physics", **kw)
    assert "'physics'" in str(caught.value)


def test_a_reference_profile_accepts_any_substring_as_the_reference_does():
    assert Profile("r", keywords=["++"], mode="reference").keywords == (Term("++"),)


@pytest.mark.parametrize("weight", [0, -1, float("nan"), float("inf"), 101, "2", True])
def test_term_weight_must_be_positive_and_bounded(weight):
    with pytest.raises(ValueError, match="weight must be a number above 0"):
        Term("LLM", weight)


def test_a_blank_term_is_refused():
    with pytest.raises(ValueError, match="non-empty"):
        Term("  ")


def scored(*hits: Hit) -> Scored:
    paper = Candidate("1", "t", "a", "new", "cs.AI", date(2024, 11, 28))
    return Scored(paper, sum(h.points for h in hits), hits)


def test_why_lists_the_biggest_reasons_first_and_marks_the_place():
    s = scored(Hit("inference", "abstract", 1.0), Hit("LLM", "title", 1.5), Hit("KV cache", "abstract", 1.0),
               Hit("Yann LeCun", "author", 2.0))
    assert s.why() == "Yann LeCun (author), LLM (title), inference, KV cache"
    assert s.keywords == ["inference", "LLM", "KV cache"] and s.title_keywords == ["LLM"]


def test_why_stops_after_eight_reasons():
    s = scored(*(Hit(f"k{n}", "abstract", 1.0) for n in range(10)))
    assert s.why() == "k0, k1, k2, k3, k4, k5, k6, k7, …"
    assert s.why(limit=2) == "k0, k1, …"
    assert scored().why() == ""
