"""`arxiv-bot`: run the pipeline once, serve one service, run a fetch job, or migrate the store."""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from arxiv_bot.errors import CONFIG, environment_error, explain
from shared.config import ConfigError, load_config
from shared.logging import configure
from shared.settings import SERVICE_PORTS, Settings

log = logging.getLogger("arxiv_bot")
# The store `run --once` reads (arxiv_bot/embedded.py's default; importing it would load every service).
BACKFILL_DATABASE = "sqlite:///arxiv-bot.db"


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if getattr(args, "config", None):
        settings.arxiv_bot_config = args.config
    return settings


def cmd_run(args: argparse.Namespace) -> int:
    from arxiv_bot.embedded import run_once

    settings = _settings(args)
    config = load_config(settings.arxiv_bot_config, missing_ok=args.config is None)
    out = _output_folder(Path(args.out))
    result = asyncio.run(run_once(settings, config, out, args.pages))
    run = result.run
    feeds = ", ".join(f"{f['category']} {f['status']}" for f in run.feeds)
    picks = ", ".join(f"{count} selected" if name == "default" else f"{count} for {name}"
                      for name, count in result.selected.items())
    print(f"run {run.id}: {run.status} ({feeds}); {run.items} papers, {run.new} new, {picks or '0 selected'}"
          f"{_summaries(result.summaries, result.failure)}")
    for path in result.written:
        print(f"wrote {path}")
    if run.status == "error":
        print("every feed failed; the previous digest (if any) was kept", file=sys.stderr)
        return 1
    return 0


def _summaries(counts: dict[str, int], failure: str) -> str:
    """`; summaries: 12 done, 3 reused, 2 failed (HTTP 401 from the model: bad key)`, or nothing."""
    parts = [f"{counts[status]} {status}" + (f" ({failure})" if status == "failed" and failure else "")
             for status in ("done", "reused", "failed", "disabled") if counts.get(status)]
    return "; summaries: " + ", ".join(parts) if parts else ""


def _output_folder(out: Path) -> Path:
    """`--out`, made and checked before anything is fetched: a run is not spent to fail at its last step."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ConfigError(f"--out {out}: is a file, not a folder") from None
    except OSError as exc:
        raise ConfigError(f"--out {out}: cannot be made: {exc.strerror or exc}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise ConfigError(f"--out {out}: is not writable")
    return out


def _require_database(settings: Settings) -> None:
    if not settings.database_url:
        raise ConfigError("DATABASE_URL is not set: the services share a PostgreSQL store "
                          "(for one process on SQLite, use `arxiv-bot run --once`)")


def cmd_serve(args: argparse.Namespace) -> int:
    import importlib

    import uvicorn

    from shared.service import require_tables

    settings = _settings(args)
    _require_database(settings)
    port = args.port or settings.port_for(args.service)
    # log_config=None: uvicorn's own lines go through our handler, so LOG_FORMAT=json covers them too.
    options = dict(host=settings.host, port=port, log_level=settings.log_level.lower(), access_log=False,
                   log_config=None)
    if args.service == "publisher":
        asyncio.run(require_tables(settings.database_url or ""))
        # An import string, not an app: with several workers each process builds its own from the environment
        # (its own memory cache, runtime and connections); the port and host come from here.
        uvicorn.run("services.publisher.app:create", factory=True, workers=settings.publisher_workers, **options)
        return 0
    app = importlib.import_module(f"services.{args.service}.app").build(settings)  # its settings checked first
    asyncio.run(require_tables(settings.database_url or ""))
    uvicorn.run(app, **options)
    return 0


async def _fetch(settings: Settings) -> str:
    from services.fetcher.fetch import fetch_now
    from shared.service import ServiceRuntime

    config = load_config(settings.arxiv_bot_config, missing_ok=True)
    runtime = ServiceRuntime("fetcher", settings, {}, consume=False)
    await runtime.start()
    try:
        run, started = await fetch_now(runtime.env, config, "cli")
        await runtime.relay()
    finally:
        await runtime.stop()
    if not started:
        return f"run {run.id} is already fetching (started {run.started_at:%H:%M:%S} UTC): nothing new started"
    status = f"stale: arXiv has not announced since {run.announced}" if run.status == "stale" else run.status
    return f"run {run.id}: {status}; {run.items} papers, {run.new} new, {run.changed} changed"


def cmd_fetch(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _require_database(settings)
    print(asyncio.run(_fetch(settings)))
    return 0


async def _backfill(settings: Settings, args: argparse.Namespace) -> str:
    from arxiv_bot.progress import Progress
    from services.fetcher.backfill import backfill
    from services.fetcher.oai import Harvest
    from shared.db import make_engine, make_sessions, migrate
    from shared.metrics import Metrics
    from shared.runtime import Env, make_http, tune_gc

    url = settings.database_url or BACKFILL_DATABASE
    await migrate(url)
    harvest = Harvest(args.prefix, args.set, args.from_date, args.until)
    engine = make_engine(url)
    env = Env(settings, make_sessions(engine), make_http(settings), Metrics("backfill"))
    tune_gc()  # start-up is over: the collector no longer walks it while pages are parsed (15 % of a harvest)
    progress = Progress(sys.stderr, sys.stderr.isatty())
    try:
        tally = await backfill(env, harvest, restart=args.restart, on_page=progress)
    finally:
        progress.close()
        await env.close()
        await engine.dispose()
    return tally.summary()


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def cmd_backfill(args: argparse.Namespace) -> int:
    from services.fetcher.download import DownloadError
    from services.fetcher.oai import OaiError

    if args.until and args.until < args.from_date:
        print(f"error: --until {args.until} is before --from {args.from_date}", file=sys.stderr)
        return 2
    try:
        print(asyncio.run(_backfill(_settings(args), args)))
    except (OaiError, DownloadError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("what was stored stays; run the same command again to resume", file=sys.stderr)
        return 1
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from shared.db import migrate

    settings = _settings(args)
    _require_database(settings)
    asyncio.run(migrate(settings.database_url or ""))
    print("database is at the latest revision")
    return 0


async def _dlq(settings: Settings, args: argparse.Namespace) -> str:
    from datetime import datetime, timezone

    from arxiv_bot.dlq import ParkingLot, render_list, render_one

    async with ParkingLot(settings, args.service) as lot:
        if args.action == "list":
            return render_list(lot.messages(), datetime.now(timezone.utc))
        if args.action == "show":
            shown = [p for p in lot.messages() if p.message_id in args.ids]
            if not shown:
                raise LookupError(f"not parked by {args.service}: {', '.join(args.ids)}")
            return "\n\n".join(render_one(p) for p in shown)
        if not args.ids and not args.all:
            raise LookupError(f"say which messages to {args.action}: their ids, or --all")
        count = await (lot.replay if args.action == "replay" else lot.drop)(args.ids, args.all)
        done = "replayed to " + args.service if args.action == "replay" else "dropped"
        return f"{count} message(s) {done}"


def cmd_dlq(args: argparse.Namespace) -> int:
    try:
        print(asyncio.run(_dlq(_settings(args), args)))
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="arxiv-bot", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="the whole pipeline in one process (SQLite, no broker)")
    run.add_argument("--once", action="store_true", required=True, help="run once and exit (schedule it with cron)")
    run.add_argument("--config", help="config.json (default: ./config.json, else the reference defaults)")
    run.add_argument("--out", default="digest", help="where README.md and the feeds go (default: digest)")
    run.add_argument("--pages", action="store_true",
                     help="also write the HTML page (index.html) and the day pages (days/), linked within the folder, "
                          "for a static host such as GitHub Pages")
    run.set_defaults(func=cmd_run)
    serve = sub.add_parser("serve", help="run one service against RabbitMQ and PostgreSQL")
    serve.add_argument("service", choices=sorted(SERVICE_PORTS))
    serve.add_argument("--port", type=int)
    serve.add_argument("--config", help="config.json the fetcher reads")
    serve.set_defaults(func=cmd_serve)
    fetch = sub.add_parser("fetch", help="fetch once into PostgreSQL and publish to RabbitMQ, then exit")
    fetch.add_argument("--config")
    fetch.set_defaults(func=cmd_fetch)
    dlq = sub.add_parser("dlq", help="list, show, replay or drop the messages a service parked")
    dlq.add_argument("action", choices=["list", "show", "replay", "drop"])
    dlq.add_argument("service", choices=sorted(SERVICE_PORTS))
    dlq.add_argument("ids", nargs="*", help="message ids (show, replay, drop)")
    dlq.add_argument("--all", action="store_true", help="every parked message (replay, drop)")
    dlq.set_defaults(func=cmd_dlq)
    backfill = sub.add_parser("backfill", help="store arXiv's past from OAI-PMH (resumable; no digests)")
    backfill.add_argument("--from", dest="from_date", type=_day, required=True, metavar="DATE",
                          help="first datestamp, YYYY-MM-DD")
    backfill.add_argument("--until", type=_day, metavar="DATE", help="last datestamp, YYYY-MM-DD")
    backfill.add_argument("--set", help="an OAI-PMH set: cs, math, physics:hep-th, ... (default: everything)")
    backfill.add_argument("--prefix", choices=["arXiv", "arXivRaw"], default="arXiv",
                          help="metadata format (arXivRaw carries version numbers; default arXiv)")
    backfill.add_argument("--restart", action="store_true", help="forget a stored token and harvest from the start")
    backfill.set_defaults(func=cmd_backfill)
    migrate = sub.add_parser("migrate", help="apply database migrations (DATABASE_URL)")
    migrate.set_defaults(func=cmd_migrate)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"error: {environment_error(exc)}", file=sys.stderr)
        return CONFIG
    configure(settings.log_level, service=getattr(args, "service", None) or f"arxiv-bot {args.command}",
              fmt=settings.log_format)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        told = explain(exc)
        if told is None:
            raise  # a bug: its traceback is what to report
        print(f"error: {told[0]}", file=sys.stderr)
        return told[1]


if __name__ == "__main__":
    sys.exit(main())
