"""The semantic extra in the scorer's handler: embeddings computed once per paper version and stored, and
profiles with interests ranking by meaning, on a real store (needs the extra; fails under CI without it)."""
from __future__ import annotations

import logging
import os

import numpy as np
import pytest
from sqlmodel import col, select

from shared.config import BotConfig
from shared.models import PaperEmbedding, Score
from shared.runtime import Env
from services.scorer.embeddings import MODEL, from_bytes, to_bytes
from services.scorer.semantic import Embedder, SemanticUnavailable
from services.scorer.worker import on_run_fetched
from tests.feeds import Item, feed
from tests.pipeline import announced, fetched_run as fetched

SPECULATIVE = Item("2411.18462", "Speculative decoding with small draft models",
                   "We accelerate large language model inference by letting a small draft model propose tokens "
                   "that the large model verifies in parallel.")
BLOOD = Item("2411.00002", "Blood flow in small arteries",
             "We measure how blood flows through arteries of mice under pressure.")
SPEECHES = Item("2411.00003", "Presidential speeches over two centuries",
                "A corpus study of rhetoric in inaugural addresses.")
INTERESTS = "speculative decoding with draft models to speed up large language model inference"


@pytest.fixture(scope="module", autouse=True)
def _model() -> None:
    try:
        Embedder()
    except SemanticUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{exc}; CI must install the semantic extra", pytrace=False)
        pytest.skip(str(exc))


def semantic_config(**extra: object) -> BotConfig:
    values = dict(categories=["cs.AI"], keywords=[], days_back=3650, min_score=1.5, interests=INTERESTS,
                  semantic_weight=5.0)
    values.update(extra)
    return BotConfig(**values)


async def stored_embeddings(env: Env) -> list[PaperEmbedding]:
    async with env.sessions() as session:
        return list(await session.exec(select(PaperEmbedding).order_by(col(PaperEmbedding.arxiv_id))))


def test_vectors_survive_the_round_trip_through_bytes() -> None:
    vector = np.random.default_rng(1).normal(size=384).astype(np.float32)
    assert len(to_bytes(vector)) == 384 * 4
    assert np.allclose(from_bytes(to_bytes(vector)), vector)


async def test_a_profile_with_interests_ranks_by_meaning_and_stores_each_embedding_once(
        store_env: Env, caplog: pytest.LogCaptureFixture) -> None:
    cfg = semantic_config()
    run = await fetched(store_env, cfg, {"cs.AI": feed("cs.AI", [BLOOD, SPECULATIVE, SPEECHES])})
    with caplog.at_level(logging.INFO, logger="services.scorer.embeddings"):
        await on_run_fetched(announced(run), store_env)
    async with store_env.sessions() as session:
        scores = list(await session.exec(select(Score).where(Score.run_id == run.id).order_by(col(Score.rank))))
    # No keyword at all: the paper on the interests' very topic is the only one above min_score.
    assert [s.arxiv_id for s in scores if not s.near_miss] == ["2411.18462"]
    assert scores[0].hits[0]["term"] == "interests" and scores[0].hits[0]["where"] == "semantic"
    assert 2.0 < scores[0].score < 5.0
    rows = await stored_embeddings(store_env)
    assert [(r.arxiv_id, r.version, r.model) for r in rows] == [
        ("2411.00002", 1, MODEL), ("2411.00003", 1, MODEL), ("2411.18462", 1, MODEL)]
    assert all(abs(np.linalg.norm(from_bytes(r.vector)) - 1) < 1e-4 for r in rows)
    assert "embedding 3 papers" in caplog.text

    # The same papers in the next run: read from the store, not computed again.
    caplog.clear()
    again = await fetched(store_env, cfg, {"cs.AI": feed("cs.AI", [BLOOD, SPECULATIVE, SPEECHES])})
    with caplog.at_level(logging.INFO, logger="services.scorer.embeddings"):
        await on_run_fetched(announced(again), store_env)
    assert "embedding" not in caplog.text
    assert [r.created_at for r in await stored_embeddings(store_env)] == [r.created_at for r in rows]
    async with store_env.sessions() as session:
        top = (await session.exec(select(Score).where(Score.run_id == again.id, Score.rank == 1))).one()
    assert (top.arxiv_id, top.score) == ("2411.18462", scores[0].score)


async def test_only_papers_a_semantic_profile_reads_are_embedded(store_env: Env) -> None:
    other = Item("2411.00009", "Speculative decoding again", "Draft models for fast inference.")
    cfg = semantic_config(profiles={"plain": {"categories": ["cs.CL"], "keywords": ["decoding"],
                                              "semantic_weight": 0}})
    run = await fetched(store_env, cfg, {"cs.AI": feed("cs.AI", [SPECULATIVE]),
                                         "cs.CL": feed("cs.CL", [other])})
    await on_run_fetched(announced(run), store_env)
    # `default` (semantic) reads cs.AI; `plain` reads cs.CL by its keywords: its paper is not embedded.
    assert {r.arxiv_id for r in await stored_embeddings(store_env)} == {"2411.18462"}
    async with store_env.sessions() as session:
        picked = set(await session.exec(select(Score.profile).where(Score.run_id == run.id)))
    assert picked == {"default", "plain"}


async def test_without_a_semantic_profile_nothing_is_embedded(store_env: Env) -> None:
    cfg = BotConfig(categories=["cs.AI"], keywords=["decoding"], days_back=3650, min_score=0)
    run = await fetched(store_env, cfg, {"cs.AI": feed("cs.AI", [SPECULATIVE, BLOOD])})
    await on_run_fetched(announced(run), store_env)
    assert await stored_embeddings(store_env) == []


async def test_liked_papers_in_the_store_shape_the_interests(store_env: Env) -> None:
    # First day: the liked paper arrives; second day: a paper like it and one unlike it.
    cfg = semantic_config(interests="", liked=["2411.18462"])
    first = await fetched(store_env, cfg, {"cs.AI": feed("cs.AI", [SPECULATIVE])})
    await on_run_fetched(announced(first), store_env)
    alike = Item("2411.00010", "Faster LLM inference by drafting tokens with a small model",
                 "A small draft model proposes tokens which a large language model verifies, speeding decoding.")
    second = await fetched(store_env, cfg, {"cs.AI": feed("cs.AI", [BLOOD, alike])})
    await on_run_fetched(announced(second), store_env)
    async with store_env.sessions() as session:
        picked = list(await session.exec(select(Score.arxiv_id).where(Score.run_id == second.id,
                                                                       Score.near_miss == False)))  # noqa: E712
    assert picked == ["2411.00010"]
