"""Run the installed `arxiv-bot` command as a user would: a separate process, configured by env and flags."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def command() -> list[str]:
    installed = Path(sys.executable).parent / "arxiv-bot"
    return [str(installed)] if installed.exists() else [shutil.which("arxiv-bot") or "arxiv-bot"]


def child_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_URL", "LLM_", "ARXIV_", "AMQP_", "FETCH_"))}
    env.pop("DASHSCOPE_API_KEY", None)
    # Nothing a test starts may reach arxiv.org: full texts default to a closed local port (refused at once).
    env["ARXIV_BASE_URL"] = "http://127.0.0.1:9"
    # Nor the export API: the fetcher's enrichment after each run is off (tests/fetcher/test_enrich_after_fetch.py
    # tests it), and pointed at a closed port should a test turn it on.
    env["ARXIV_API_BASE_URL"] = "http://127.0.0.1:9/api/query"
    env["ENRICH_AFTER_FETCH"] = "false"
    # The local stand-ins need no pause between requests, and no service may fetch by its own schedule mid-test.
    env["ARXIV_MIN_DELAY_SECONDS"] = "0"
    env["FETCH_SCHEDULE"] = ""
    env.update(overrides)
    return env


def arxiv_bot(*args: str, cwd: Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*command(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
