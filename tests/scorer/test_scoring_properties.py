"""Properties every selection keeps, on generated papers and profiles (hypothesis).

Texts are drawn from a small vocabulary full of the cases the rules distinguish (acronyms and words that
contain them, inflections, phrases over hyphens, LaTeX), so that most examples have hits to lose or gain.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from services.scorer.scoring import Candidate, Profile, Selection, Term, score_profiles

TODAY = date(2024, 11, 29)
VOCABULARY = ["LLM", "LLMs", "MLLM", "RL", "RLHF", "world", "real", "network", "networks", "subnetwork",
              "Mixture-of-Experts", "mixture", "of", "experts", "MoE", "sparse", "attention", "FlashAttention",
              "survey", "surveys", "fast", "faster", "decode", "decoding", "efficiency", "efficiencies",
              r"Schr\"odinger", r"$\mathcal{O}(n)$", r"\emph{sparse}", "&amp;", ",", ".", "\n", "the", "a"]
KEYWORDS = ["LLM", "RL", "network", "mixture of experts", "MOE", "sparse", "attention", "fast", "decode",
            "efficiency", "Schrödinger", "survey", "the"]
AUTHORS = ["Yann LeCun", "José Núñez", "Ada Lovelace", "Alan Turing"]

# Unit vectors standing in for sentence embeddings (semantic relevance needs no model to be scored).
DIRECTIONS = [(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.6, 0.8, 0.0), (0.0, 0.6, -0.8), (-1.0, 0.0, 0.0)]
texts = st.lists(st.sampled_from(VOCABULARY), max_size=25).map(" ".join)
weights = st.floats(min_value=0.01, max_value=10, allow_nan=False)
terms = st.builds(Term, st.sampled_from(KEYWORDS), weights)


@st.composite
def papers(draw, max_size: int = 12) -> list[Candidate]:
    n = draw(st.integers(0, max_size))
    return [Candidate(arxiv_id=f"2411.{i:05d}", title=draw(texts), abstract=draw(texts),
                      announce_type=draw(st.sampled_from(["new", "new", "cross", "replace"])),
                      feed_category=draw(st.sampled_from(["cs.AI", "cs.LG"])),
                      announced=draw(st.sampled_from([date(2024, 11, 28), date(2024, 11, 1), None])),
                      authors=tuple(draw(st.lists(st.sampled_from(AUTHORS), max_size=2))),
                      embedding=draw(st.sampled_from([None, *DIRECTIONS])))
            for i in range(n)]


@st.composite
def profiles(draw, name: str = "p") -> Profile:
    mode = draw(st.sampled_from(["words", "words", "reference"]))
    semantic = mode == "words" and draw(st.booleans())
    return Profile(name=name, mode=mode,
                   interests_vector=draw(st.sampled_from(DIRECTIONS)) if semantic else None,
                   semantic_weight=draw(st.floats(0.1, 5, allow_nan=False)) if semantic else 0.0,
                   keywords=draw(st.lists(terms, max_size=6)),
                   exclude_keywords=draw(st.lists(st.sampled_from(KEYWORDS), max_size=2)),
                   categories=draw(st.sampled_from([(), ("cs.LG",), ("cs.LG", "cs.AI")])),
                   max_papers=draw(st.integers(0, 8)), days_back=draw(st.integers(0, 40)),
                   min_score=draw(st.floats(-1, 6, allow_nan=False)),
                   deduplicate=draw(st.booleans()),
                   announce_types=draw(st.sampled_from([("new",), ("new", "cross")])),
                   authors_boost=draw(st.lists(st.builds(Term, st.sampled_from(AUTHORS), weights), max_size=2)),
                   authors_block=draw(st.lists(st.sampled_from(AUTHORS), max_size=1)),
                   title_weight=draw(st.floats(0, 3, allow_nan=False)),
                   abstract_weight=draw(st.floats(0, 3, allow_nan=False)),
                   near_misses=draw(st.integers(0, 5)))


def run(candidates: list[Candidate], profile: Profile) -> Selection:
    return score_profiles(candidates, [profile], TODAY)[profile.name]


def chosen(selection: Selection) -> set[str]:
    return {s.candidate.arxiv_id for s in selection.selected}


def everything_scored(selection: Selection) -> dict[str, float]:
    return {s.candidate.arxiv_id: s.score for s in selection.selected + selection.near_misses}


@settings(max_examples=100, deadline=None)
@given(papers(), profiles(), st.sampled_from(KEYWORDS))
def test_adding_an_exclude_keyword_never_adds_a_paper(candidates, profile, exclude):
    more = replace(profile, exclude_keywords=(*profile.exclude_keywords, exclude))
    before, fewer = run(candidates, profile), run(candidates, more)
    dropped, added = chosen(before) - chosen(fewer), chosen(fewer) - chosen(before)
    # Exclusions apply before the cut (as the reference's do): when max_papers was what stopped the list, the
    # next paper in rank takes a slot an excluded one freed, and only then (docs/SCORING.md, "the selection").
    assert len(added) <= len(dropped)
    if len(before.selected) < profile.max_papers:
        assert not added
    # And the paper it names is gone: a title holding the keyword as a word of its own is never kept.
    assert not any(exclude in s.candidate.title.split(" ") for s in fewer.selected + fewer.near_misses)


@settings(max_examples=100, deadline=None)
@given(papers(), profiles(), st.floats(0, 5, allow_nan=False))
def test_raising_min_score_never_adds_a_paper(candidates, profile, raise_by):
    higher = replace(profile, min_score=profile.min_score + raise_by)
    assert chosen(run(candidates, higher)) <= chosen(run(candidates, profile))


@settings(max_examples=100, deadline=None)
@given(papers(), profiles(), st.data())
def test_a_paper_score_does_not_depend_on_the_other_papers(candidates, profile, data):
    # No cut, no floor, and titles made unique so that de-duplication keeps every paper in both runs.
    profile = replace(profile, max_papers=100, min_score=-1, near_misses=0)
    candidates = [replace(c, title=f"{c.title} {c.arxiv_id}") for c in candidates]
    some = data.draw(st.lists(st.sampled_from(candidates), unique=True) if candidates else st.just([]))
    alone = everything_scored(run(some, profile))
    together = everything_scored(run(candidates, profile))
    assert {i: together[i] for i in alone} == alone


@settings(max_examples=100, deadline=None)
@given(papers(), profiles("mine"), st.lists(profiles("other"), max_size=3))
def test_a_selection_does_not_depend_on_the_other_profiles(candidates, profile, others):
    others = [replace(p, name=f"other-{n}") for n, p in enumerate(others)]
    alone = run(candidates, profile)
    for position in range(len(others) + 1):
        crowd = [*others[:position], profile, *others[position:]]
        assert score_profiles(candidates, crowd, TODAY)["mine"] == alone


@settings(max_examples=100, deadline=None)
@given(papers(), profiles())
def test_every_score_is_the_sum_of_its_reasons_and_the_ranking_holds(candidates, profile):
    selection = run(candidates, profile)
    ranked = selection.selected + selection.near_misses
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)
    assert all(abs(s.score - sum(h.points for h in s.hits)) < 1e-6 for s in ranked)
    assert len(selection.selected) <= profile.max_papers and len(selection.near_misses) <= profile.near_misses
    assert all(s.score > 0 for s in selection.near_misses)
    assert len({s.candidate.arxiv_id for s in ranked}) == len(ranked) or not profile.deduplicate
    if profile.mode == "words":
        assert all(s.score >= profile.min_score - 1e-6 for s in selection.selected)
