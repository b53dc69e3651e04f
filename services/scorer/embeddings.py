"""The semantic extra in the scorer: papers' embeddings computed once per version and stored, profiles'
interest vectors computed once per process and interests.

Only when some profile asks for it (a `semantic_weight` and `interests` or `liked` papers) is anything
embedded, and then only the candidates such a profile can read. Embedding is CPU work of a few tenths of a
second per paper, so it runs in a thread, before the scoring transaction, and is committed in batches: a
handler cut short by its timeout or a crash keeps what it computed, and the retry carries on from there.
Without the extra installed, those profiles are scored by their keywords alone (said once in the log).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from shared.profiles import ProfileSettings
from shared.repository import Repository
from shared.runtime import Env

from services.scorer.semantic import Embedder, SemanticUnavailable, interests_vector, paper_text

log = logging.getLogger(__name__)
MODEL = "all-MiniLM-L6-v2"
BATCH = 64  # papers embedded, then committed, at a time


def wants_semantics(profile: ProfileSettings) -> bool:
    return (profile.semantic_weight > 0 and profile.scoring_mode == "words"
            and bool(profile.interests.strip() or profile.liked))


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(blob: bytes) -> tuple[float, ...]:
    return tuple(np.frombuffer(blob, dtype="<f4").tolist())


@dataclass
class Semantics:
    """What one scoring of a run needs: embeddings by (arxiv_id, version), interest vectors by profile."""

    papers: dict[tuple[str, int], tuple[float, ...]] = field(default_factory=dict)
    profiles: dict[str, tuple[float, ...]] = field(default_factory=dict)


class _Model:
    """The model, loaded on first use in this process (loading reads 90 MB of weights)."""

    def __init__(self) -> None:
        self._embedder: Embedder | None = None
        self._failure: str | None = None
        self._vectors: dict[tuple, tuple[float, ...] | None] = {}

    def embedder(self) -> Embedder | None:
        if self._embedder is None and self._failure is None:
            try:
                self._embedder = Embedder()
            except SemanticUnavailable as exc:
                self._failure = str(exc)
                log.warning("semantic relevance is off, profiles with interests score by keywords only: %s", exc)
        return self._embedder

    async def interests(self, profile: ProfileSettings, liked: Sequence[str]) -> tuple[float, ...] | None:
        key = (profile.interests, tuple(liked))
        if key not in self._vectors:
            embedder = self.embedder()
            if embedder is None:
                return None
            self._vectors[key] = await asyncio.to_thread(interests_vector, embedder, profile.interests, liked)
        return self._vectors[key]


_MODEL = _Model()


def _readable_by(profiles: Sequence[ProfileSettings], category: str, announce_type: str) -> bool:
    return any((not p.categories or category in p.categories) and announce_type in p.announce_types
               for p in profiles)


async def prepare(env: Env, run_id: str, settings: Iterable[ProfileSettings]) -> Semantics:
    """Embed (and store) what this run's semantic profiles will read; their vectors. Empty when none asks."""
    profiles = [p for p in settings if wants_semantics(p)]
    semantics = Semantics()
    if not profiles or _MODEL.embedder() is None:
        return semantics
    async with env.sessions() as session:
        repo = Repository(session)
        papers = await repo.run_paper_rows(run_id)  # arxiv_id -> (version, title, abstract, ...)
        wanted = {(arxiv_id, papers[arxiv_id][0]): paper_text(papers[arxiv_id][1], papers[arxiv_id][2])
                  for arxiv_id, category, announce_type in await repo.run_item_rows(run_id)
                  if _readable_by(profiles, category, announce_type)}
        stored = await repo.embeddings(wanted, MODEL)
        liked_ids = list(dict.fromkeys(i for p in profiles for i in p.liked))
        liked = {i: paper_text(p.title, p.abstract) for i, p in (await repo.papers_by_id(liked_ids)).items()}
    semantics.papers = {key: from_bytes(blob) for key, blob in stored.items()}
    missing = [key for key in wanted if key not in stored]
    if missing:
        log.info("run %s: embedding %d papers (%d stored already)", run_id, len(missing), len(stored))
    for start in range(0, len(missing), BATCH):
        keys = missing[start:start + BATCH]
        vectors = await asyncio.to_thread(_MODEL.embedder().embed, [wanted[k] for k in keys])  # type: ignore[union-attr]
        now = env.clock()
        async with env.sessions() as session, session.begin():
            await Repository(session).add_embeddings(
                [dict(arxiv_id=k[0], version=k[1], model=MODEL, vector=to_bytes(v), created_at=now)
                 for k, v in zip(keys, vectors, strict=True)])
        semantics.papers.update({k: tuple(v.tolist()) for k, v in zip(keys, vectors, strict=True)})
    for profile in profiles:
        unknown = [i for i in profile.liked if i not in liked]
        if unknown:
            log.info("profile %r likes papers not in the store yet, left out of its interests: %s",
                     profile.name, ", ".join(unknown[:10]))
        vector = await _MODEL.interests(profile, [liked[i] for i in profile.liked if i in liked])
        if vector is not None:
            semantics.profiles[profile.name] = vector
    return semantics
