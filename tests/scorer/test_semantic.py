"""Semantic relevance: the local embedding model (needs the `semantic` extra) and its blend into the score.

The model tests skip when the extra or the weights are absent, and fail instead under CI=true, where they
must be installed. The blend tests need no model: they give papers and profiles vectors of their own.
"""
from __future__ import annotations

import math
import os
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from services.fetcher.arxiv import parse_feed
from services.scorer.scoring import Candidate, Hit, Profile, score_profiles
from services.scorer.semantic import (
    Embedder,
    SemanticUnavailable,
    interests_vector,
    paper_text,
)
from tests.data import shared_data

TODAY = date(2024, 11, 29)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    try:
        return Embedder()
    except SemanticUnavailable as exc:
        missing = str(exc)
    if os.environ.get("CI") == "true":
        pytest.fail(f"{missing}; CI must install the semantic extra", pytrace=False)
    pytest.skip(missing)


# --- the model ----------------------------------------------------------------------------------------------

def test_the_reference_similarities_of_all_minilm_l6_v2(embedder):
    # The similarity matrix sentence-transformers documents for this model and these three sentences.
    sentences = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    vectors = embedder.embed(sentences)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    expected = [[1.0, 0.6660, 0.1046], [0.6660, 1.0, 0.1411], [0.1046, 0.1411, 1.0]]
    assert np.allclose(vectors @ vectors.T, expected, atol=1e-3)


def test_embeddings_are_normalised_and_do_not_depend_on_the_batch(embedder):
    texts = ["Sparse attention kernels for long-context LLM inference.", "A short one.",
             "Mixture-of-Experts routing " * 40]  # past 256 word pieces: cut, as the model was trained
    together = embedder.embed(texts)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    for text, row in zip(texts, together, strict=True):
        assert np.allclose(embedder.embed([text])[0], row, atol=1e-5)  # padding changes nothing
    assert embedder.embed([]).shape == (0, 384)


@pytest.fixture(scope="module")
def day_papers():
    papers = {}
    for category in ("cs.AI", "cs.CL", "cs.LG"):
        for item in parse_feed(shared_data(f"arxiv/day-2024-11-28/{category}.xml").read_bytes(), category).items:
            papers.setdefault(item.arxiv_id, item)
    return papers


def test_related_papers_of_the_real_day_are_closer_than_unrelated_ones(embedder, day_papers):
    ids = ["2411.18462",  # speculative decoding: the paper these interests describe
           "2411.18077",  # KV cache optimisation for LLM inference: related
           "2411.18468",  # French presidents' speeches
           "2411.17971"]  # cerebral blood flow prediction
    papers = [day_papers[i] for i in ids]
    vectors = embedder.embed([paper_text(p.title, p.abstract) for p in papers])
    interests = np.array(interests_vector(embedder, "speculative decoding with draft models to speed up "
                                                    "large language model inference"))
    similarity = dict(zip(ids, vectors @ interests, strict=True))
    assert similarity["2411.18462"] > similarity["2411.18077"] > max(similarity["2411.18468"],
                                                                     similarity["2411.17971"])
    assert similarity["2411.18462"] > 0.5 and similarity["2411.17971"] < 0.2


def test_liked_papers_pull_their_neighbours_up_in_a_real_selection(embedder, day_papers):
    liked = day_papers["2411.18462"]  # speculative decoding
    pool = [day_papers[i] for i in ("2411.18077", "2411.18468", "2411.17971", "2411.18424", "2411.17792")]
    vectors = embedder.embed([paper_text(p.title, p.abstract) for p in pool])
    candidates = [Candidate(p.arxiv_id, p.title, p.abstract, "new", "cs.LG", None,
                            embedding=tuple(float(x) for x in v)) for p, v in zip(pool, vectors, strict=True)]
    profile = Profile("liked", interests_vector=interests_vector(embedder, liked=[paper_text(liked.title,
                                                                                             liked.abstract)]),
                      semantic_weight=5, min_score=0, max_papers=2)
    selection = score_profiles(candidates, [profile], TODAY)["liked"]
    # The two LLM-serving papers (KV cache, 2411.18077 and 2411.18424) before speeches and blood flow.
    assert {s.candidate.arxiv_id for s in selection.selected} == {"2411.18077", "2411.18424"}
    assert all(s.hits[-1].where == "semantic" for s in selection.selected)


def test_interests_need_some_text(embedder):
    assert interests_vector(embedder, "  ", liked=[""]) is None
    vector = interests_vector(embedder, "graph neural networks", liked=["message passing on molecules"])
    assert math.isclose(math.fsum(v * v for v in vector), 1.0, rel_tol=1e-5)


def test_a_missing_model_is_a_clear_error(tmp_path: Path):
    with pytest.raises(SemanticUnavailable, match="install|cannot read"):
        Embedder(tmp_path)


# --- the blend into the score (no model needed) -------------------------------------------------------------

def unit(*parts: float) -> tuple[float, ...]:
    norm = math.sqrt(sum(p * p for p in parts))
    return tuple(p / norm for p in parts)


def paper(arxiv_id: str, title: str, embedding: tuple[float, ...] | None) -> Candidate:
    return Candidate(arxiv_id, title, "", "new", "cs.AI", None, embedding=embedding)


PAPERS = [paper("same", "Graphs", unit(1, 0, 0)), paper("near", "Trees", unit(1, 1, 0)),
          paper("orthogonal", "Cats", unit(0, 1, 0)), paper("opposite", "Dogs", unit(-1, 0, 0)),
          paper("none", "Birds", None), paper("llm", "LLM serving", unit(0, 0, 1))]


def test_semantic_points_are_weight_times_cosine_and_shown_as_a_reason():
    profile = Profile("sem", interests_vector=unit(1, 0, 0), semantic_weight=2, min_score=0.5)
    selection = score_profiles(PAPERS, [profile], TODAY)["sem"]
    assert [(s.candidate.arxiv_id, s.score) for s in selection.selected] == [("same", 2.0), ("near", 1.414214)]
    assert selection.selected[0].hits == (Hit("interests", "semantic", 2.0),)
    assert selection.selected[0].why() == "interests (semantic)"
    assert selection.near_misses == []  # the rest scored nothing: a negative similarity counts as none


def test_semantic_points_add_to_keyword_points():
    profile = Profile("both", keywords=["LLM"], interests_vector=unit(1, 0, 0), semantic_weight=1, min_score=0)
    scores = {s.candidate.arxiv_id: s.score for s in score_profiles(PAPERS, [profile], TODAY)["both"].selected}
    assert scores == {"llm": 1.5, "same": 1.0, "near": 0.707107}


def test_a_profile_without_semantic_weight_ignores_embeddings():
    plain = score_profiles(PAPERS, [Profile("p", keywords=["LLM"], min_score=0)], TODAY)["p"].selected
    assert [(s.candidate.arxiv_id, s.score) for s in plain] == [("llm", 1.5)]


def test_semantic_scores_do_not_depend_on_other_profiles():
    mine = Profile("mine", interests_vector=unit(1, 1, 0), semantic_weight=3, min_score=0)
    other = Profile("other", interests_vector=unit(0, 1, 1), semantic_weight=1, min_score=0)
    assert score_profiles(PAPERS, [mine], TODAY)["mine"] == score_profiles(PAPERS, [other, mine], TODAY)["mine"]


@pytest.mark.parametrize(("kw", "message"), [
    ({"semantic_weight": 1}, "needs an interests_vector"),
    ({"semantic_weight": 1, "interests_vector": (1.0,), "mode": "reference"}, "needs mode 'words'"),
    ({"semantic_weight": -1, "interests_vector": (1.0,)}, "semantic_weight must be a number"),
    ({"interests_vector": (1.0, float("nan"))}, "finite"),
])
def test_semantic_settings_are_checked(kw, message):
    with pytest.raises(ValueError, match=message):
        Profile("p", **kw)


def test_an_embedding_of_another_size_is_a_clear_error():
    profile = Profile("p", interests_vector=(1.0, 0.0), semantic_weight=1)
    with pytest.raises(ValueError, match="embedding of 3 numbers"):
        score_profiles(PAPERS, [profile], TODAY)
