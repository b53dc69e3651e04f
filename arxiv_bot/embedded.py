"""The whole pipeline once, in one process, on SQLite, with no broker.

The same handlers as the four services run here; only the transport differs: the outbox is relayed into an
in-memory queue and each message goes to the handlers of the services that take its routing key, several
at a time (as a service with a prefetch would), so summaries run `max_workers` at once here too.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

from arxiv_bot.static_pages import FAVICON_NAME, PROFILES, favicon, folder_urls, page_files, profile_folder
from arxiv_bot.store_lock import exclusive_store
from shared.config import BotConfig
from shared.db import make_engine, make_sessions, migrate
from shared.messages import decode
from shared.metrics import Metrics
from shared.models import FetchRun
from shared.outbox import relay
from shared.profiles import DEFAULT_PROFILE
from shared.repository import Repository
from shared.retention import prune
from shared.runtime import Env, Handler, make_http, tune_gc
from shared.settings import Settings
from shared.stages import ProfileStage, SummaryStatus

from services.fetcher import worker as fetcher
from services.fetcher.fetch import fetch_now
from services.publisher import worker as publisher
from services.publisher.names import INDEX
from services.publisher.publish import publish_profile
from services.publisher.webhooks.configured import deliver_configured, sync_config_webhooks
from services.scorer import worker as scorer
from services.summarizer import worker as summarizer

log = logging.getLogger(__name__)
HANDLERS: dict[str, dict[str, Handler]] = {"fetcher": fetcher.HANDLERS, "scorer": scorer.HANDLERS,
                                           "summarizer": summarizer.HANDLERS, "publisher": publisher.HANDLERS}
DEFAULT_DATABASE = "sqlite:///arxiv-bot.db"
WRITERS = 2  # threads writing output files (measured: 1.6x faster than one on this 2-core machine)


@dataclass
class OnceResult:
    """What `run --once` did: the run, papers selected per profile (`default` first), files written, and the
    run's summaries by outcome (done, reused, failed, disabled) with the most frequent failure's reason."""

    run: FetchRun
    selected: dict[str, int]
    written: list[Path]
    summaries: Counter = field(default_factory=Counter)
    failure: str = ""


def handlers_for(routing_key: str) -> list[Handler]:
    return [handlers[routing_key] for handlers in HANDLERS.values() if routing_key in handlers]


class LocalBus:
    def __init__(self, concurrency: int = 8) -> None:
        self.pending: deque[tuple[str, bytes]] = deque()
        self.concurrency = concurrency
        self.failures = 0

    async def publish(self, routing_key: str, body: bytes, message_id: str) -> None:
        self.pending.append((routing_key, body))

    async def _handle(self, routing_key: str, body: bytes, env: Env) -> None:
        message = decode(routing_key, body)
        for handler in handlers_for(routing_key):
            try:
                await handler(message, env)
            except Exception:  # noqa: BLE001 - like a parked message: logged once, the rest goes on
                self.failures += 1
                log.exception("handler for %s failed on message %s", routing_key, message.message_id)

    async def drain(self, env: Env) -> None:
        running: set[asyncio.Task] = set()
        while True:
            await relay(env.sessions, self.publish)
            while self.pending and len(running) < self.concurrency:
                routing_key, body = self.pending.popleft()
                running.add(asyncio.create_task(self._handle(routing_key, body, env)))
            if not running:
                await relay(env.sessions, self.publish)
                if not self.pending:
                    return
                continue
            _, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)


def output_dir(out: Path, profile: str) -> Path:
    return out / profile_folder(profile)


def _write(files: list[tuple[Path, str]]) -> None:
    """Each file whole or not at all: written beside its place, then renamed over it, so a full disk (or a kill)
    leaves the previous version, never a truncated feed that a reader or a static host would serve."""
    for path, content in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        try:
            partial.write_text(content, encoding="utf-8")
            os.replace(partial, path)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise OSError(exc.errno, exc.strerror, str(path)) from exc  # named: which of hundreds of files


async def write_outputs(env: Env, out: Path, pages: bool = False) -> list[Path]:
    """Write every profile's current publications under `out` (and, with `pages`, its page and day pages, with
    the icon they show). Creating a file is mostly kernel time: two profiles' files are written at once, in
    threads, while the next profile's are read from the store."""
    written: list[Path] = []
    writing: set[asyncio.Future] = set()
    try:
        async with env.sessions() as session:
            repo = Repository(session)
            for profile in await repo.active_profiles():
                top = output_dir(out, profile.name)
                files = [(top / publication.name, folder_urls(publication.content, env.settings.public_url))
                         for publication in await repo.current_publications(profile.name)]
                if pages:
                    files += [(top / name, content) for name, content in await page_files(repo, profile.name)]
                written += [path for path, _ in files]
                writing.add(asyncio.ensure_future(asyncio.to_thread(_write, files)))
                if len(writing) >= WRITERS:
                    done, writing = await asyncio.wait(writing, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        task.result()
        if pages and written:
            await asyncio.to_thread(_write, [(out / FAVICON_NAME, favicon())])
            written.append(out / FAVICON_NAME)
        await asyncio.gather(*writing)
    finally:  # a failed write: the others finish (or fail) before the error is told
        await asyncio.gather(*writing, return_exceptions=True)
    return written


def _remove(paths: list[Path], top: Path, with_top: bool) -> int:
    """Unlink `paths` that exist, then every folder left empty between them and `top` (`top` too if asked)."""
    removed, inside = 0, top.resolve()
    for path in paths:
        if not path.resolve().is_relative_to(inside):
            continue  # never outside the profile's folder, whatever a name holds
        if path.is_file():
            path.unlink()
            removed += 1
    for folder in sorted({p.parent for p in paths}, key=lambda p: len(p.parts), reverse=True):
        while (folder != top or with_top) and folder.is_relative_to(top) and folder.is_dir() \
                and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    return removed


async def remove_stale_outputs(env: Env, out: Path) -> None:
    """Files under `out` that no digest stands behind any more go, or a static host would serve them for ever:
    a deleted profile's (gone from config.json, or through the API), and a category feed whose category a
    profile no longer follows. Only names our publications had, and folders they leave empty; anything else
    someone put there stays."""
    async with env.sessions() as session:
        repo = Repository(session)
        for profile in await repo.all_profiles():
            top = output_dir(out, profile.name)
            current = set(await repo.current_names(profile.name))  # names only: a digest's content is megabytes
            deleted = profile.deleted and profile.name != DEFAULT_PROFILE
            # A deleted profile's pages too, should an earlier run have written them (`--pages`).
            pages = {INDEX, *await repo.published_names(profile.name, "days/")} if deleted else set()
            stale = current | pages if deleted else set(await repo.published_names(profile.name, "feeds/")) - current
            paths = [top / name for name in sorted(stale)]
            if stale and (removed := await asyncio.to_thread(_remove, paths, top, deleted)):
                log.info("removed %d files of %s %r from %s", removed,
                         "the deleted profile" if deleted else "feeds no longer made for", profile.name, top)
    with contextlib.suppress(OSError):  # the last profile besides `default` gone: its parent folder too, if empty
        (out / PROFILES).rmdir()


async def run_once(settings: Settings, config: BotConfig, out: Path, pages: bool = False) -> OnceResult:
    """Fetch, score, summarize and publish once; write the outputs under `out` (the pages too with `pages`)."""
    url = settings.database_url or DEFAULT_DATABASE
    async with exclusive_store(url):  # another run --once on this store first
        return await _run_once(settings, config, out, url, pages)


async def _run_once(settings: Settings, config: BotConfig, out: Path, url: str, pages: bool) -> OnceResult:
    tune_gc()
    await migrate(url)
    engine = make_engine(url)
    env = Env(settings, make_sessions(engine), make_http(settings), Metrics("embedded"))
    try:
        bus = LocalBus(settings.prefetch)
        await bus.drain(env)  # anything an interrupted earlier run left in the outbox
        await sync_config_webhooks(env, config.webhooks)  # before publishing, which decides their deliveries
        run, _ = await fetch_now(env, config, "once", take_over=True)
        await bus.drain(env)
        # In one process every summary outcome is in by now; this only matters if a handler gave up early.
        async with env.sessions() as session:
            waiting = await Repository(session).run_profiles(run.id, ProfileStage.SCORED)
        for run_profile in waiting:
            await publish_profile(env, run.id, run_profile.profile, force=True)
        await bus.drain(env)
        written = await write_outputs(env, out, pages)
        await remove_stale_outputs(env, out)
        await deliver_configured(env)
        # What the services do once an hour: sent outbox rows and renderings never served again go after their
        # retention, so a store run daily does not keep every day's feeds for ever.
        await prune(env.sessions, settings, env.clock())
        async with env.sessions() as session:
            repo = Repository(session)
            run = await repo.get_run(run.id) or run
            selected = {p.profile: p.selected for p in await repo.run_profiles(run.id)}
            outcomes = (await repo.run_summaries(run.id)).values()
        counts = Counter("reused" if o.reused and o.status == SummaryStatus.DONE else str(o.status)
                         for o, _ in outcomes)
        failures = Counter(s.error for o, s in outcomes if o.status == SummaryStatus.FAILED and s and s.error)
        return OnceResult(run, dict(sorted(selected.items(), key=lambda kv: kv[0] != DEFAULT_PROFILE)), written,
                          counts, failures.most_common(1)[0][0].removeprefix(summarizer.NOT_ASKED) if failures else "")
    finally:
        await env.close()
        await engine.dispose()
