"""One log format for every process, configured once at start-up (never at import).

`text` (the default) is for people at a terminal; `json` is one object a line for a log pipeline. Both carry
what the code knows about the work at hand: the runtime sets `log_context(message_id=..., routing_key=...,
run_id=...)` around each message it handles, and a handler can add more (`paper_id`) for a block of its own.
"""
from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any

FORMATS = ("text", "json")
# Fields a caller may also pass as `extra=` on one log call; they land in the JSON object like context fields.
CONTEXT_KEYS = ("run_id", "paper_id", "message_id", "routing_key")

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar("arxiv_bot_log_context", default=_EMPTY)


@contextlib.contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add fields to every log record written inside the block (in this task and the tasks it starts)."""
    merged = {**_context.get(), **{k: v for k, v in fields.items() if v is not None}}
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> dict[str, Any]:
    return dict(_context.get())


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_context.get())
        for key in CONTEXT_KEYS:
            if key in record.__dict__:
                entry[key] = record.__dict__[key]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: a context value that is not JSON (a date, an id object) must not lose the line.
        return json.dumps(entry, ensure_ascii=False, default=str)


def _retried_elsewhere(record: logging.LogRecord) -> bool:
    """aiormq logs an ERROR for every connection attempt the broker refuses; whoever tries again says so as a
    warning (a service's startup wait, aio_pika's reconnect), so in a broker's restart each attempt was two
    lines, one of them an error."""
    return not str(record.msg).startswith("error when creating transport")


def configure(level: str = "INFO", service: str = "arxiv-bot", fmt: str = "text") -> None:
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Their INFO lines are one per request or heartbeat: noise at our scale.
    for noisy in ("httpx", "httpx2", "httpcore", "aio_pika", "aiormq", "uvicorn.access", "openai", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    transport = logging.getLogger("aiormq.connection")
    if _retried_elsewhere not in transport.filters:
        transport.addFilter(_retried_elsewhere)
