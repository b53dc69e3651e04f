"""Benchmark: the publisher serving the main feed of a 30-paper day, under wrk (Debian's `wrk`).

    apt-get install -y wrk
    .venv/bin/python bench/bench_serve.py [--workers 2] [--duration 10] [--soak 60]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and RabbitMQ on 127.0.0.1:5672, as the tests do,
and the real day in ../shared/data/arxiv/day-2024-11-28. It creates a database of its own, publishes that
day through the real fetcher, scorer, summarizer (a local fake LLM, so every paper the reference summarizes
has a summary) and publisher, starts `arxiv-bot serve publisher` with PUBLISHER_WORKERS=--workers, and runs:

1. `wrk -t2 -c32 -d<duration>s --latency <url>/feeds/default.rss`  (the full feed, 200s)
2. the same with `-H 'If-None-Match: <its etag>'`                (the 304 path)
3. with --soak N: the full feed for N seconds, the server's memory (RSS of all its processes) sampled before
   and after, to show it steady.

Prints one JSON object. The database and the broker's queues are removed afterwards.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import delete_topology  # noqa: E402
from tests.e2e.test_embedded import reference_config  # noqa: E402
from tests.publisher.served import serve_publisher  # noqa: E402

PG_ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
DAY = ROOT.parent / "shared" / "data" / "arxiv" / "day-2024-11-28"


async def publish_real_day(url: str, workdir: Path) -> None:
    """The real day through the real handlers, with every summary the reference asks for (from a fake LLM)."""
    from shared.config import load_config
    from shared.db import make_engine, make_sessions, migrate
    from shared.metrics import Metrics
    from shared.runtime import Env, make_http
    from tests.conftest import settings_for
    from tests.pipeline import emitted, scored_run, summarize_run
    from tests.servers import FakeLLM
    from services.publisher.worker import on_paper_summarized, on_run_scored

    await migrate(url)
    config = load_config(str(reference_config(workdir)), missing_ok=False)
    os.environ["DASHSCOPE_API_KEY"] = "test-key"
    feeds = {p.stem: p.read_bytes() for p in DAY.glob("*.xml")}
    engine = make_engine(url)
    settings = settings_for(url)
    env = Env(settings, make_sessions(engine), make_http(settings), Metrics("bench"))
    try:
        with FakeLLM() as llm:
            config.ai_summary.base_url = llm.url + "/v1"
            scored = await scored_run(env, config, feeds)
            await on_run_scored(scored, env)
            await summarize_run(env, scored.run_id)
            for message in await emitted(env, "paper.summarized", scored.run_id):
                await on_paper_summarized(message, env)
    finally:
        await env.http.aclose()
        await engine.dispose()


def wrk(url: str, duration: int, *headers: str) -> dict:
    args = ["wrk", "-t2", "-c32", f"-d{duration}s", "--latency"]
    for header in headers:
        args += ["-H", header]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out, re.M))
    return {"command": " ".join(args + [url]),
            "requests_per_second": float(re.search(r"Requests/sec:\s+(\S+)", out)[1]),
            "p50": latency.get("50"), "p99": latency.get("99"),
            "non_2xx_3xx": int(re.search(r"Non-2xx or 3xx responses: (\d+)", out)[1]) if "Non-2xx" in out else 0,
            "transfer_per_second": re.search(r"Transfer/sec:\s+(\S+)", out)[1]}


def rss_mb(port: int) -> float:
    """Resident memory of every process listening on or forked for the server (the uvicorn parent and its
    workers), from /proc."""
    pids = subprocess.run(["pgrep", "-f", f"serve publisher --port {port}"], capture_output=True, text=True).stdout
    roots = [int(p) for p in pids.split()]
    children = subprocess.run(["pgrep", "-P", ",".join(map(str, roots))], capture_output=True,
                              text=True).stdout.split() if roots else []
    total = 0
    for pid in roots + [int(c) for c in children]:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            total += int(re.search(r"VmRSS:\s+(\d+)", status.read_text())[1])
    return round(total / 1024, 1)


async def database(name: str, create: bool) -> None:
    import asyncpg

    admin = await asyncpg.connect(PG_ADMIN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"' if create
                            else f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--soak", type=int, default=0)
    args = parser.parse_args()
    name, prefix = f"arxiv_bot_bench_{uuid.uuid4().hex[:8]}", f"bench_{uuid.uuid4().hex[:8]}"
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(database(name, create=True))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(publish_real_day(url, Path(tmp)))
            with serve_publisher(url, AMQP, prefix, Path(tmp), workers=args.workers) as base:
                feed = base + "/feeds/default.rss"
                first = httpx.get(feed, headers={"Accept-Encoding": "identity"})  # what wrk asks for
                etag = first.headers["etag"]
                result = {"workers": args.workers, "feed_bytes": len(first.content),
                          "items": first.text.count("<item>"), "full": wrk(feed, args.duration),
                          "not_modified": wrk(feed, args.duration, f"If-None-Match: {etag}")}
                if args.soak:
                    port = int(base.rsplit(":", 1)[1])
                    before = rss_mb(port)
                    result["soak"] = {**wrk(feed, args.soak), "rss_mb_before": before, "rss_mb_after": rss_mb(port)}
    finally:
        asyncio.run(database(name, create=False))
        asyncio.run(delete_topology(AMQP, prefix))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
