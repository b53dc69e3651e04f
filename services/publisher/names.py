"""The names of the published artifacts and the URL paths that serve them: one table, used by the renderer
(which names and links them), the page (which links them) and the app (which routes to them). Pure."""
from __future__ import annotations

import re
from datetime import date

from shared.arxiv_names import is_category
from shared.profiles import DEFAULT_PROFILE, PROFILE_NAME

README = "README.md"
FEED = "feed.xml"  # the reference-compatible RSS of the current digest (/rss)
INDEX = "index.html"
FORMATS = ("rss", "atom", "json")
FORMAT_LABELS = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_day(text: str) -> bool:
    """A date written as a day page is named (2024-11-28), and a date that exists (not 2024-02-30)."""
    if not DAY.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def category_feed(category: str) -> str:
    return f"feeds/{category}.xml"


def feed_name(fmt: str, category: str | None = None) -> str:
    return f"feeds/{category}.{fmt}" if category else f"feed.{fmt}"


def day_page(day: str) -> str:
    return f"days/{day}.html"


def home_path(profile: str) -> str:
    return "/" if profile == DEFAULT_PROFILE else f"/profiles/{profile}"


def day_path(profile: str, day: str) -> str:
    return f"/profiles/{profile}/{day}"


def feed_path(profile: str, fmt: str, category: str | None = None) -> str:
    return f"/feeds/{profile}/{category}.{fmt}" if category else f"/feeds/{profile}.{fmt}"


def split_feed(name: str) -> tuple[str, str] | None:
    """'cs.AI.atom' -> ('cs.AI', 'atom'); None unless the format is one we serve."""
    stem, dot, fmt = name.rpartition(".")
    return (stem, fmt) if dot and fmt in FORMATS and stem else None


def _profile_artifact(profile: str, rest: list[str]) -> str | None:
    if rest == []:
        return INDEX
    if rest == ["readme"]:
        return README
    if rest == ["rss"]:
        return FEED
    if len(rest) == 2 and rest[0] == "rss" and is_category(rest[1]):
        return category_feed(rest[1])
    if len(rest) == 1 and DAY.fullmatch(rest[0]):
        return day_page(rest[0])
    return None


def resolve(path: str) -> tuple[str, str] | None:
    """The (profile, artifact name) a request path serves, or None when the path is not one of ours or is
    malformed (the app's routes then answer it with the right 400 or 404)."""
    parts = path.split("/")[1:]
    if parts[0] == "profiles" and len(parts) >= 2:
        profile, rest = parts[1], parts[2:]
    elif parts[0] == "feeds" and len(parts) in (2, 3):
        if len(parts) == 2:
            split = split_feed(parts[1])
            return (split[0], feed_name(split[1])) if split and PROFILE_NAME.fullmatch(split[0]) else None
        split = split_feed(parts[2])
        if split and PROFILE_NAME.fullmatch(parts[1]) and is_category(split[0]):
            return parts[1], feed_name(split[1], split[0])
        return None
    else:
        profile, rest = DEFAULT_PROFILE, ([] if parts == [""] else parts)
        if "" in rest or (rest and DAY.fullmatch(rest[0])):
            return None  # an empty segment is not ours; the default profile's days are under /profiles/default
    if not PROFILE_NAME.fullmatch(profile):
        return None
    name = _profile_artifact(profile, rest)
    return (profile, name) if name else None
