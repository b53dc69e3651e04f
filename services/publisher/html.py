"""The page for people (/, /profiles/{name}, /profiles/{name}/{date}): server-rendered with Jinja2,
autoescape on, no script, no external asset. Pure rendering.

The stylesheet is inline and allowed by its hash in the Content-Security-Policy (STYLE_HASH): the page needs
nothing else from anywhere, so the policy forbids everything else, scripts above all.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from services.publisher.feeds.items import FeedItem
from services.publisher.summary_html import sanitize

TEMPLATES = Path(__file__).parent / "templates"
CONTENT_TYPE = "text/html; charset=utf-8"
CSS = (TEMPLATES / "page.css").read_text(encoding="utf-8")
FAVICON = (TEMPLATES / "favicon.svg").read_bytes()  # served at /favicon.svg: the page asks nobody else
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(CSS.encode("utf-8")).digest()).decode()
CONTENT_SECURITY_POLICY = (f"default-src 'none'; style-src '{STYLE_HASH}'; img-src 'self'; base-uri 'none'; "
                           "form-action 'none'; frame-ancestors 'none'")


@dataclass(frozen=True)
class FeedLink:
    label: str  # RSS, Atom, JSON Feed
    url: str
    media_type: str


@dataclass(frozen=True)
class FeedGroup:
    label: str  # "All papers" or a category
    links: list[FeedLink]
    main: bool  # the profile's whole feed: announced in <head> for autodiscovery


@dataclass(frozen=True)
class Page:
    title: str
    home: str  # the profile's page, without a trailing slash for day links
    status: list[str]
    day: str | None  # the announcement date of the digest shown
    items: list[FeedItem]
    feeds: list[FeedGroup]
    days: list[tuple[str, str]] = field(default_factory=list)  # (date, URL path) of earlier days
    is_day: bool = False
    rendered: str = ""


@cache
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=False, lstrip_blocks=False)
    # Summaries were sanitised when the item was built; once more here costs little and makes it local.
    env.filters["sanitized"] = lambda html: Markup(sanitize(html or ""))
    return env


def render_page(page: Page, now: datetime) -> str:
    rendered = now.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    template = _environment().get_template("page.html")
    return template.render(page=Page(**{**page.__dict__, "rendered": rendered}), css=Markup(CSS))
