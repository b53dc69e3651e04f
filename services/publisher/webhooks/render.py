"""Each format's renderer, and the body bytes of a rendered message."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from services.publisher.webhooks import discord, feishu, generic, slack
from services.publisher.webhooks.notice import Notice

FORMATS: dict[str, Callable[[Notice], list[dict[str, Any]]]] = {
    "json": generic.render, "slack": slack.render, "discord": discord.render, "feishu": feishu.render}


def render(format_: str, notice: Notice) -> list[dict[str, Any]]:
    return FORMATS[format_](notice)


def encode(format_: str, part: dict[str, Any]) -> bytes:
    if format_ == "json":
        return generic.encode(part)
    return json.dumps(part, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
