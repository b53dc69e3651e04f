"""Scorer invariants tests/scorer/test_scoring_properties.py does not cover, on hostile text: any characters
in titles, abstracts, authors and keywords (controls, combining marks, right-to-left, LaTeX and markup junk,
very long words) never raise and give finite scores; a paper's score depends neither on the order of the
papers nor on the run being repeated; a keyword added never lowers a paper's score."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.scorer.scoring import Candidate, Profile, Term, score_profiles
from tests.scorer.test_scoring_properties import KEYWORDS, VOCABULARY

TODAY = date(2024, 11, 29)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
JUNK = ["\\", "{", "}", "$", "$$", "\\frac{", "\\emph{", "&amp;", "<b>", "</i>", "\u202e", "\u0301", "\u200b",
        "\x00", "\x1b[31m", "ﬁ", "İ", "ß", "\U0001d400", "-", "--", "'", '"', "é", "\t", "\n\n", "a" * 300]
hostile_text = st.lists(st.one_of(st.sampled_from(VOCABULARY), st.sampled_from(JUNK),
                                  st.text(st.characters(exclude_categories=("Cs",)), max_size=12)),
                        max_size=30).map(" ".join)
keyword = st.one_of(st.sampled_from(KEYWORDS), st.text(st.characters(exclude_categories=("Cs",)), min_size=1,
                                                       max_size=20)).filter(lambda t: t.strip())


@st.composite
def candidates(draw: st.DrawFn) -> list[Candidate]:
    return [Candidate(arxiv_id=f"2411.{n:05d}", title=draw(hostile_text) + f" {n}", abstract=draw(hostile_text),
                      announce_type="new", feed_category="cs.AI", announced=TODAY,
                      authors=tuple(draw(st.lists(hostile_text, max_size=3))))
            for n in range(draw(st.integers(0, 10)))]


def profile_or_none(mode: str, keywords: list[str], exclude: list[str]) -> Profile | None:
    """A profile, or None where the profile itself is refused (a keyword with no word in it, say): that is
    the config's error, named when the profile is built, never the scorer's crash."""
    try:
        return Profile(name="p", mode=mode, keywords=[Term(k) for k in keywords], exclude_keywords=exclude,
                       max_papers=100, min_score=-1, near_misses=0, deduplicate=False, days_back=3650)
    except ValueError as exc:
        assert "profile 'p'" in str(exc) or "term" in str(exc)
        return None


def scores(cands: list[Candidate], profile: Profile) -> dict[str, float]:
    selection = score_profiles(cands, [profile], TODAY)["p"]
    return {s.candidate.arxiv_id: s.score for s in selection.selected + selection.near_misses}


@FAST
@given(candidates(), st.sampled_from(["words", "reference"]), st.lists(keyword, max_size=6),
       st.lists(keyword, max_size=2))
def test_hostile_text_never_raises_and_scores_are_finite_and_repeatable(cands, mode, keywords, exclude) -> None:
    profile = profile_or_none(mode, keywords, exclude)
    if profile is None:
        return
    first = scores(cands, profile)
    assert all(abs(s) < 1e9 for s in first.values())
    assert scores(cands, profile) == first


@FAST
@given(candidates(), st.sampled_from(["words", "reference"]), st.lists(keyword, max_size=6), st.randoms())
def test_a_papers_score_does_not_depend_on_the_order_of_the_papers(cands, mode, keywords, rng) -> None:
    profile = profile_or_none(mode, keywords, [])
    if profile is None:
        return
    shuffled = list(cands)
    rng.shuffle(shuffled)
    assert scores(shuffled, profile) == scores(cands, profile)


@FAST
@given(candidates(), st.sampled_from(["words", "reference"]), st.lists(keyword, max_size=5), keyword)
def test_a_keyword_added_never_lowers_a_score(cands, mode, keywords, added) -> None:
    profile = profile_or_none(mode, keywords, [])
    more = profile_or_none(mode, [*keywords, added], [])
    if profile is None or more is None:
        return
    before, after = scores(cands, profile), scores(cands, more)
    if profile.keywords:  # (a profile without keywords takes every paper; with one, only those it finds)
        assert set(before) <= set(after)  # nothing scored before drops out (no floor, no cut here)
    before = {i: s for i, s in before.items() if i in after}
    assert all(after[i] >= before[i] - 1e-9 for i in before), (before, after)
    assert replace(more, keywords=profile.keywords) == profile
