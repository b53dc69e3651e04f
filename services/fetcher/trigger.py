"""Starting a fetch: every trigger (CLI, schedule, POST /fetch, the API, run --once) comes through here.

Under one lock it imports config.json's profiles into the store and either starts a run or, when a fetch is
already running or started less than `window` seconds ago, hands back that run: ten impatient clicks make
one fetch, and two cron jobs at the same minute cannot fetch (and summarize) the same announcement twice.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from shared.config import BotConfig
from shared.messages import FetchRequested
from shared.models import FetchRun
from shared.repository import Repository
from shared.runtime import Env
from shared.stages import RunStage, RunStatus

log = logging.getLogger(__name__)


async def request_fetch(env: Env, config: BotConfig, reason: str, window_seconds: float = 0.0,
                        emit: bool = True) -> tuple[FetchRun, bool]:
    """Returns (run, started). With `emit`, the fetcher service does the fetch (via fetch.requested);
    without, the caller fetches the returned run itself."""
    now = env.clock()
    async with env.sessions() as session, session.begin():
        repo = Repository(session)
        await repo.lock("fetch")
        newest = await repo.newest_run()
        if newest is not None:
            running = (newest.stage == RunStage.REQUESTED
                       and now - newest.started_at < timedelta(seconds=env.settings.fetch_stale_seconds))
            recent = now - newest.started_at < timedelta(seconds=window_seconds)
            if running or recent:
                log.info("fetch (%s) coalesced into run %s (%s)", reason, newest.id,
                         "still running" if running else "started moments ago")
                return newest, False
        await repo.import_config_profiles(
            {name: s.model_dump(mode="json") for name, s in config.profile_settings().items()}, now)
        message = FetchRequested(reason=reason)
        run = FetchRun(id=message.message_id, started_at=now, status=RunStatus.RUNNING, stage=RunStage.REQUESTED,
                       reason=reason, config=config.snapshot())
        repo.add(run)
        if emit:
            repo.emit(message)
    log.info("run %s requested (%s)", run.id, reason)
    return run, True
