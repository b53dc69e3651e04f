"""Fetch runs, each profile's view of a run, and the scores behind its selection."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import defer
from sqlmodel import col, select

from shared.config import BotConfig
from shared.models import FetchRun, Paper, RunItem, RunProfile, Score
from shared.repository.base import Queries
from shared.stages import ProfileStage


# A run's config snapshot is written once, when the run is requested, and holds every profile: with a thousand
# profiles it is a megabyte of JSON, which each handler of each profile would otherwise decode again. So a run
# row is read without it, and the parsed config of the last few runs is kept here (read-only for callers).
_CONFIGS: OrderedDict[str, BotConfig] = OrderedDict()
_CONFIGS_KEPT = 4


def select_runs():  # noqa: ANN201 - a Select of FetchRun
    """Runs without their config snapshot (reading `config` raises): `RunQueries.run_config` gives that."""
    return select(FetchRun).options(defer(FetchRun.config, raiseload=True))  # type: ignore[arg-type]


class RunQueries(Queries):
    async def last_items_of(self, category: str, before: str) -> list[RunItem]:
        """The items the newest earlier run (not `before`) took from `category`'s feed, in their order: what a
        stale feed, which arXiv has not moved since, still shows."""
        newest = (select(RunItem.run_id).join(FetchRun, col(FetchRun.id) == col(RunItem.run_id))
                  .where(col(RunItem.feed_category) == category, col(RunItem.run_id) != before)
                  .order_by(col(FetchRun.started_at).desc()).limit(1))
        run_id = (await self.session.exec(newest)).first()
        if run_id is None:
            return []
        rows = await self.session.exec(select(RunItem).where(col(RunItem.run_id) == run_id,
                                                             col(RunItem.feed_category) == category)
                                       .order_by(col(RunItem.position)))
        return list(rows)

    async def get_run(self, run_id: str) -> FetchRun | None:
        rows = await self.session.exec(select_runs().where(col(FetchRun.id) == run_id))
        return rows.first()

    async def run_config(self, run_id: str) -> BotConfig:
        """The config the run was requested with, parsed once per process."""
        if run_id in _CONFIGS:
            _CONFIGS.move_to_end(run_id)
            return _CONFIGS[run_id]
        snapshot = (await self.session.exec(select(FetchRun.config).where(col(FetchRun.id) == run_id))).one()
        config = _CONFIGS[run_id] = BotConfig.from_snapshot(snapshot)
        while len(_CONFIGS) > _CONFIGS_KEPT:
            _CONFIGS.popitem(last=False)
        return config

    async def newest_run(self) -> FetchRun | None:
        rows = await self.session.exec(select_runs().order_by(col(FetchRun.started_at).desc()).limit(1))
        return rows.first()

    async def latest_runs(self, limit: int = 20) -> list[FetchRun]:
        rows = await self.session.exec(select_runs().order_by(col(FetchRun.started_at).desc()).limit(limit))
        return list(rows)

    async def advance(self, run_id: str, from_stages: Sequence[str], to_stage: str, **values: object) -> bool:
        """Move a run forward only from an expected stage: a redelivered message finds nothing to move."""
        result = await self.session.exec(
            update(FetchRun).where(col(FetchRun.id) == run_id, col(FetchRun.stage).in_(from_stages))
            .values(stage=to_stage, **values))
        return result.rowcount == 1

    # --- (run, profile) ------------------------------------------------------------------------------
    async def run_profiles(self, run_id: str, stage: str | None = None) -> list[RunProfile]:
        query = select(RunProfile).where(col(RunProfile.run_id) == run_id)
        if stage is not None:
            query = query.where(col(RunProfile.stage) == stage)
        return list(await self.session.exec(query.order_by(col(RunProfile.profile))))

    async def get_run_profile(self, run_id: str, profile: str) -> RunProfile | None:
        return await self.session.get(RunProfile, (run_id, profile))

    async def advance_profile(self, run_id: str, profile: str, from_stage: str, to_stage: str,
                              **values: object) -> bool:
        """Claim the step: only one of two concurrent publishers of the same digest gets rowcount 1."""
        result = await self.session.exec(
            update(RunProfile).where(col(RunProfile.run_id) == run_id, col(RunProfile.profile) == profile,
                                     col(RunProfile.stage) == from_stage)
            .values(stage=to_stage, **values))
        return result.rowcount == 1

    async def set_deadline(self, run_id: str, profile: str, deadline: datetime) -> None:
        await self.session.exec(update(RunProfile).where(
            col(RunProfile.run_id) == run_id, col(RunProfile.profile) == profile,
            col(RunProfile.stage) == ProfileStage.SCORED, col(RunProfile.publish_deadline).is_(None))
            .values(publish_deadline=deadline))

    async def overdue_profiles(self, now: datetime) -> list[tuple[str, str]]:
        rows = await self.session.exec(select(RunProfile.run_id, RunProfile.profile).where(
            col(RunProfile.stage) == ProfileStage.SCORED, col(RunProfile.publish_deadline) <= now))
        return [(run_id, profile) for run_id, profile in rows]

    async def selection(self, run_id: str, profile: str, near_misses: bool = False) -> list[tuple[Score, Paper]]:
        rows = await self.session.exec(
            select(Score, Paper).join(Paper, col(Paper.arxiv_id) == col(Score.arxiv_id))
            .where(col(Score.run_id) == run_id, col(Score.profile) == profile, col(Score.near_miss) == near_misses)
            .order_by(col(Score.rank)))
        return list(rows)
