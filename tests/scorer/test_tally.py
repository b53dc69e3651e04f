"""Summing hits into per-profile points: postings, blocks of profiles, exact micro-points."""
from __future__ import annotations

import numpy as np

from services.scorer.matching import ABSTRACT, AUTHOR, TITLE, Matcher
from services.scorer.model import Profile, Term
from services.scorer.tally import (
    EXCLUDE,
    Hits,
    KEYWORD,
    QUANTUM,
    ProfileTerm,
    Tally,
    micro,
    profile_terms,
)


def test_profile_terms_carry_the_points_of_their_mode_in_profile_order():
    matcher = Matcher()
    words = profile_terms(Profile("w", keywords=[Term("LLM", 2), "RL"], exclude_keywords=["survey"],
                                  authors_boost=[Term("Ada Lovelace", 3)], authors_block=["Alan Turing"],
                                  title_weight=2, abstract_weight=0.5), matcher)
    assert [(t.text, t.role, t.title_points, t.other_points) for t in words] == [
        ("LLM", KEYWORD, micro(4), micro(1)), ("RL", KEYWORD, micro(2), micro(0.5)),
        ("Ada Lovelace", KEYWORD, micro(3), micro(3)), ("survey", EXCLUDE, 0, 0), ("Alan Turing", EXCLUDE, 0, 0)]
    reference = profile_terms(Profile("r", keywords=[Term("LLM", 2)], title_weight=9, mode="reference"), matcher)
    assert [(t.title_points, t.other_points) for t in reference] == [(micro(3), micro(2))]  # weights ignored
    assert reference[0].term_id != words[0].term_id  # substring "LLM" is another term than the acronym


def tally(hits, terms, n_terms, block_cells=1 << 22):
    table = Hits()
    return Tally(table, np.array([table.add(h) for h in hits], dtype=np.int64), terms, n_terms, block_cells)


def test_points_counts_and_exclusions_per_profile_and_paper():

    a = [ProfileTerm(0, "x", KEYWORD, 15, 10), ProfileTerm(1, "y", KEYWORD, 3, 3), ProfileTerm(2, "z", EXCLUDE, 0, 0)]
    b = [ProfileTerm(1, "y", KEYWORD, 7, 5)]
    hits = [{0: TITLE, 1: ABSTRACT}, {1: AUTHOR}, {0: ABSTRACT, 2: TITLE}, {}]
    t = tally(hits, [a, b], 3)
    score, hit, excluded = t.block(0, 2)
    assert score.tolist() == [[18, 3, 10, 0], [5, 7, 0, 0]]
    assert hit.tolist() == [[True, True, True, False], [True, True, False, False]]
    assert excluded.tolist() == [[False, False, True, False], [False, False, False, False]]
    assert t.pairs == 7  # (hit, posting) pairs: term 1 has two postings, one per profile


def test_a_hit_worth_no_points_is_still_a_hit():
    # title_weight 0: found only in the title, the keyword brings nothing, yet the paper did match it.
    terms = [[ProfileTerm(0, "x", KEYWORD, 0, 10)]]
    score, hit, _ = tally([{0: TITLE}, {0: ABSTRACT}, {}], terms, 1).block(0, 1)
    assert score.tolist() == [[0, 10, 0]] and hit.tolist() == [[True, True, False]]


def brute_force(hits, terms, papers):
    """The same sums, the obvious way: every profile, every term, every paper."""
    score = np.zeros((len(terms), papers))
    hit = np.zeros((len(terms), papers), dtype=bool)
    excluded = np.zeros((len(terms), papers), dtype=bool)
    for p, profile in enumerate(terms):
        for t in profile:
            for paper, found in enumerate(hits):
                if t.term_id in found and t.role == EXCLUDE:
                    excluded[p, paper] = True
                elif t.term_id in found:
                    score[p, paper] += t.other_points if found[t.term_id] == ABSTRACT else t.title_points
                    hit[p, paper] = True
    return score, hit, excluded


def test_any_block_size_gives_what_the_obvious_loop_gives():
    rng = np.random.default_rng(7)
    n_terms, n_profiles, n_papers = 40, 23, 31
    terms = [[ProfileTerm(int(rng.integers(n_terms)), "t", int(rng.random() < 0.2),
                          int(rng.integers(0, 9)) * 500_000, int(rng.integers(0, 9)) * 250_000)
              for _ in range(int(rng.integers(0, 6)))] for _ in range(n_profiles)]
    hits = [{int(k): int(rng.integers(0, 3)) for k in rng.integers(0, n_terms, int(rng.integers(0, 8)))}
            for _ in range(n_papers)]
    expected = brute_force(hits, terms, n_papers)
    for block_cells in (n_papers * 4, n_papers, 1 << 22):
        t = tally(hits, terms, n_terms, block_cells)
        step = t.block_size()
        parts = [t.block(lo, min(lo + step, n_profiles)) for lo in range(0, n_profiles, step)]
        for i in range(3):
            assert np.array_equal(np.concatenate([p[i] for p in parts]), expected[i])


def test_sums_are_exact_whatever_the_order_of_the_postings():
    # 0.1 + 0.2 != 0.3 in floating point, but 100000 + 200000 micro-points is exactly 300000.

    forward = [ProfileTerm(0, "a", KEYWORD, micro(0.1), micro(0.1)), ProfileTerm(1, "b", KEYWORD, micro(0.2), 0),
               ProfileTerm(2, "c", KEYWORD, micro(0.7), 0)]
    hits = [{0: TITLE, 1: TITLE, 2: TITLE}]
    one = tally(hits, [forward], 3).block(0, 1)[0][0, 0]
    other = tally(hits, [forward[::-1]], 3).block(0, 1)[0][0, 0]
    assert one == other == 1_000_000 and one / QUANTUM == 1.0


def test_no_profiles_or_no_papers_is_fine():
    assert tally([], [[]], 0).block(0, 1)[0].shape == (1, 0)
    assert tally([{}], [], 0).pairs == 0


def test_hits_keep_each_papers_terms_and_places_flat_and_give_them_back():
    table = Hits()
    assert [table.add(h) for h in ({3: TITLE, 1: ABSTRACT}, {}, {2: AUTHOR})] == [0, 1, 2]
    assert len(table) == 3 and len(table.terms) == 3  # nothing kept for a paper without hits
    assert table.of(0) == {3: TITLE, 1: ABSTRACT} and table.of(1) == {} and table.of(2) == {2: AUTHOR}


def test_rows_may_repeat_a_paper_listed_in_two_feeds():
    table = Hits()
    first, second = table.add({0: TITLE}), table.add({0: ABSTRACT})
    terms = [[ProfileTerm(0, "x", KEYWORD, 15, 10)]]
    score, _, _ = Tally(table, np.array([second, first, second]), terms, 1).block(0, 1)
    assert score.tolist() == [[10, 15, 10]]
