"""The publisher's handlers: publish a profile's digest when its summaries are in, or at the deadline."""
from __future__ import annotations

from datetime import timedelta

from shared.messages import Message, PaperSummarized, RunScored
from shared.repository import Repository
from shared.runtime import Env, Handler
from shared.stages import ProfileStage

from services.publisher.publish import publish_profile
from services.publisher.webhooks.delivery import deliver_due


async def on_run_scored(message: Message, env: Env) -> None:
    assert isinstance(message, RunScored)
    if not message.to_summarize:
        await publish_profile(env, message.run_id, message.profile, force=True)
        return
    # Summaries are coming; if they do not come in time, the sweep publishes without them.
    deadline = env.clock() + timedelta(seconds=env.settings.publish_deadline_seconds)
    async with env.sessions() as session, session.begin():
        await Repository(session).set_deadline(message.run_id, message.profile, deadline)
    await publish_profile(env, message.run_id, message.profile)  # they may all be in already


async def on_paper_summarized(message: Message, env: Env) -> None:
    assert isinstance(message, PaperSummarized)
    async with env.sessions() as session:
        waiting = await Repository(session).run_profiles(message.run_id, ProfileStage.SCORED)
    for run_profile in waiting:
        if message.arxiv_id in run_profile.to_summarize:
            await publish_profile(env, message.run_id, run_profile.profile)


async def publish_overdue(env: Env) -> None:
    async with env.sessions() as session:
        overdue = await Repository(session).overdue_profiles(env.clock())
    for run_id, profile in overdue:
        await publish_profile(env, run_id, profile, force=True)


async def sweep(env: Env) -> None:
    """The publisher's periodic work: overdue digests, then the webhook deliveries that are due."""
    try:
        await publish_overdue(env)
    finally:
        await deliver_due(env)


HANDLERS: dict[str, Handler] = {RunScored.routing_key: on_run_scored,
                                PaperSummarized.routing_key: on_paper_summarized}
PERIODIC = sweep
