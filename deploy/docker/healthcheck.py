"""The image's HEALTHCHECK: GET /healthz of the service this container serves.

The same image also runs one-shot commands (migrate, fetch, run --once); they serve nothing, so they are healthy
while they run. The service and its port come from the container's command line, as `arxiv-bot` parses it.
"""
from __future__ import annotations

import sys
import urllib.request
from pathlib import Path


def target(argv: list[str]) -> str | None:
    """The /healthz URL for `... serve SERVICE [--port N]`, or None for a command that serves nothing."""
    if "serve" not in argv[:-1]:
        return None
    service = argv[argv.index("serve") + 1]
    port = None
    for i, arg in enumerate(argv):
        if arg == "--port" and i + 1 < len(argv):
            port = int(argv[i + 1])
        elif arg.startswith("--port="):
            port = int(arg.split("=", 1)[1])
    if port is None:
        from shared.settings import Settings  # PORT, else the service's default port

        port = Settings().port_for(service)
    return f"http://127.0.0.1:{port}/healthz"


def check(argv: list[str], timeout: float = 4.0) -> int:
    url = target(argv)
    if url is None:
        return 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - a fixed local URL
            return 0 if response.status == 200 else 1
    except OSError as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    cmdline = Path("/proc/1/cmdline").read_bytes().split(b"\0")
    sys.exit(check([part.decode() for part in cmdline if part]))
