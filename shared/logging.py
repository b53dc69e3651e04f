"""One log format for every process, configured once at start-up (never at import)."""
from __future__ import annotations

import logging
import sys


def configure(level: str = "INFO", service: str = "arxiv-bot") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Their INFO lines are one per request or heartbeat: noise at our scale.
    for noisy in ("httpx", "httpx2", "httpcore", "aio_pika", "aiormq", "uvicorn.access", "openai", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
