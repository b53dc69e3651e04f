"""The publisher's handlers: publish when every summary has an outcome, or when the deadline passes."""
from __future__ import annotations

from datetime import timedelta

from shared.messages import Message, RunScored, RunSummarized
from shared.repository import Repository
from shared.runtime import Env, Handler

from services.publisher.publish import publish_run


async def on_run_scored(message: Message, env: Env) -> None:
    assert isinstance(message, RunScored)
    if not message.to_summarize:
        await publish_run(env, message.run_id)
        return
    # Summaries are coming; if they do not come in time, the sweep publishes without them.
    deadline = env.clock() + timedelta(seconds=env.settings.publish_deadline_seconds)
    async with env.sessions() as session, session.begin():
        await Repository(session).set_deadline(message.run_id, deadline)


async def on_run_summarized(message: Message, env: Env) -> None:
    assert isinstance(message, RunSummarized)
    await publish_run(env, message.run_id)


async def publish_overdue(env: Env) -> None:
    async with env.sessions() as session:
        overdue = await Repository(session).overdue_runs(env.clock())
    for run_id in overdue:
        await publish_run(env, run_id)


HANDLERS: dict[str, Handler] = {RunScored.routing_key: on_run_scored, RunSummarized.routing_key: on_run_summarized}
PERIODIC = publish_overdue
