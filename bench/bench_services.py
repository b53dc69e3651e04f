"""Benchmark: the four services as real processes, from `arxiv-bot fetch` to the published README.

    .venv/bin/python bench/bench_services.py FEED_DIR [--repeat N] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

FEED_DIR holds `<category>.xml` files (the real day: ../shared/data/arxiv/day-2024-11-28; a 12,507-item day:
`python3 ../shared/tools/make_feeds.py corpus /tmp/corpus.jsonl DIR 12964 cs.CV cs.AI cs.LG cs.CL cs.IT math.IT
quant-ph cs.RO cs.DS cs.CC cs.CR cs.NI` after gunzipping the corpus). Each repeat gets a fresh PostgreSQL
database and broker prefix, so every paper is new; summaries are disabled, so what is measured is our own code.
Prints the median seconds from the fetch command's start to the README's publication (as the publisher stamped
it: the fetch job may still be computing search documents then), feed items per second,
each process's peak resident memory (VmHWM), the fetch job's included, and the CPU seconds each process spent
from the fetch's start to the publication (medians; on a machine shared with other work, wall time depends on
that work and CPU time much less).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.db import migrate  # noqa: E402
from tests.e2e.cli import child_env, command  # noqa: E402
from tests.e2e.deployment import Deployment, sql  # noqa: E402
from tests.servers import FakeArxiv  # noqa: E402


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process: what its work cost, however busy the machine was."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def feed_items(folder: Path) -> int:
    return sum(path.read_text(encoding="utf-8").count("<item>") for path in folder.glob("*.xml"))


async def fresh_database(admin_url: str) -> str:
    name = f"arxiv_bot_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    await migrate(url)
    return url


async def drop_database(admin_url: str, url: str) -> None:
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    await admin.close()


def one_run(feeds: Path, admin_url: str, amqp_url: str, timeout: float, profile: Path | None = None,
            sweep: float = 15.0) -> dict:
    import subprocess

    categories = sorted(p.stem for p in feeds.glob("*.xml"))
    database = asyncio.run(fresh_database(admin_url))
    with tempfile.TemporaryDirectory() as tmp, FakeArxiv(feeds) as arxiv:
        config = Path(tmp) / "config.json"
        config.write_text(json.dumps({"categories": categories, "days_back": 3650, "ai_summary": {"enabled": False}}))
        env = child_env(DATABASE_URL=database, AMQP_URL=amqp_url, AMQP_PREFIX=f"bench_{uuid.uuid4().hex[:8]}",
                        ARXIV_RSS_BASE_URL=arxiv.base, ARXIV_BOT_CONFIG=str(config), SWEEP_INTERVAL_SECONDS=str(sweep),
                        LOG_LEVEL="WARNING")
        services = Deployment(env, Path(tmp))
        services.start()
        try:
            cpu_before = {name: cpu_seconds(proc.pid) for name, proc in services.procs.items()}
            started, started_wall = time.perf_counter(), time.time()
            # With --py-spy, the fetch job runs under py-spy (idle time included: waits show where they are).
            spy = ["py-spy", "record", "--idle", "-r", "100", "-f", "raw", "-o", str(profile), "--"] if profile else []
            fetch = subprocess.Popen([*spy, *command(), "fetch"], cwd=tmp, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
            fetch_peak, fetch_cpu = 0.0, 0.0
            while True:
                fetch_peak = max(fetch_peak, peak_rss_mb(fetch.pid))
                pid, status, usage = os.wait4(fetch.pid, os.WNOHANG)
                if pid:
                    # Not `usage.ru_maxrss`: exec adds the high-water mark of the memory image it replaces to the
                    # child's, so it reported this bench process's own size (~106 MB on the big day, whose feeds
                    # it serves) whenever the job itself stayed below that. VmHWM belongs to the job's own image.
                    fetch.returncode = os.waitstatus_to_exitcode(status)
                    fetch_cpu = usage.ru_utime + usage.ru_stime
                    break
                time.sleep(0.005)
            if fetch.returncode != 0:
                raise RuntimeError(f"arxiv-bot fetch failed: {fetch.stderr.read()[-2000:]}")  # type: ignore[union-attr]
            fetched = time.perf_counter() - started
            deadline = time.monotonic() + timeout
            while sql(database, "SELECT count(*) FROM run_profiles WHERE stage = 'published'") != 1:
                if time.monotonic() > deadline:
                    raise RuntimeError("the README was not published in time:\n" + services.logs())
                time.sleep(0.02)
            # The README's publication as the publisher stamped it: it may come before the fetch job exits (the
            # job goes on computing search documents after relaying its run), which the polling above cannot see.
            # (the newest artifact's stamp: taken after rendering, just before the publication's commit).
            stamp = sql(database, "SELECT extract(epoch FROM max(created_at)) FROM publications")
            elapsed = float(stamp) - started_wall  # type: ignore[arg-type]
            peaks = {name: round(peak_rss_mb(proc.pid), 1) for name, proc in services.procs.items()}
            cpu = {name: round(cpu_seconds(proc.pid) - cpu_before[name], 2) for name, proc in services.procs.items()}
        finally:
            services.stop()
            asyncio.run(drop_database(admin_url, database))
    return {"seconds": elapsed, "fetch_job_seconds": fetched,
            "peak_rss_mb": {**peaks, "fetch job": round(fetch_peak, 1)},
            "cpu_seconds": {**cpu, "fetch job": round(fetch_cpu, 2)}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("feeds", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--amqp", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--py-spy", type=Path, help="write a py-spy profile (raw) of the fetch job here")
    # Every process relays its outbox and runs its periodic work this often; 15 s is the deployments' default.
    # (Runs before 2026-12-07 used 0.2 s, which made each of the five processes sweep five times a second.)
    parser.add_argument("--sweep", type=float, default=15.0, help="SWEEP_INTERVAL_SECONDS of every process")
    args = parser.parse_args()
    items = feed_items(args.feeds)
    runs = [one_run(args.feeds, args.pg, args.amqp, args.timeout, args.py_spy, args.sweep) for _ in range(args.repeat)]
    median = statistics.median(r["seconds"] for r in runs)
    peaks = {name: max(r["peak_rss_mb"][name] for r in runs) for name in runs[0]["peak_rss_mb"]}
    cpu = {name: statistics.median(r["cpu_seconds"][name] for r in runs) for name in runs[0]["cpu_seconds"]}
    print(json.dumps({"feeds": str(args.feeds), "feed_items": items, "repeats": args.repeat,
                      "median_seconds": round(median, 3), "items_per_second": round(items / median, 1),
                      "seconds": [round(r["seconds"], 3) for r in runs],
                      "fetch_job_seconds": [round(r["fetch_job_seconds"], 3) for r in runs], "peak_rss_mb": peaks,
                      "median_cpu_seconds": cpu, "total_cpu_seconds": round(sum(cpu.values()), 2),
                      "load_average": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
