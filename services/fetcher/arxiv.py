"""Parse arXiv's RSS 2.0 announcement feed, safely (the XML is read by safe_xml.py). Pure: bytes in, items out.

What the real feed looks like (see ../shared/data/README.md): the description is
`arXiv:2411.17700v1 Announce Type: new \\nAbstract: ...`, the guid carries the version and the link does not,
dc:creator is one comma-joined string, titles hold raw LaTeX, pubDate is midnight US Eastern, an empty
channel means no announcement and an unknown category answers 200 with a "Feed error for query" channel.

Every item is checked against the bounds below before it leaves this module; one that fails is skipped and
named in `Feed.bad_items`, and the rest of the feed goes on. The bounds sit far above anything arXiv serves
(measured on the real day 2024-11-28 and a 12,964-paper corpus), so they only ever catch broken or hostile
input, never a real paper.
"""
from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import BinaryIO
from collections.abc import Callable
from xml.etree.ElementTree import Element

from shared.arxiv_names import ARXIV_ID, is_category

from services.fetcher.safe_xml import FeedError, Marks, stream

log = logging.getLogger(__name__)

NS = {"arxiv": "http://arxiv.org/schemas/atom", "dc": "http://purl.org/dc/elements/1.1/"}
MAX_VERSION = 1000           # real versions stay in the tens
MAX_TITLE_CHARS = 1000       # longest real title: 218
MAX_ABSTRACT_CHARS = 10_000  # arXiv caps new abstracts at 1,920; the longest old one seen has 2,572
MAX_CREATOR_CHARS = 100_000  # longest real dc:creator: 2,516 (207 authors); 100,000 fits a 5,000-name list
MAX_CATEGORIES = 64          # most seen on one paper: 10
_ANNOUNCE_TYPE = re.compile(r"[a-z][a-z-]{0,19}")  # new, cross, replace, replace-cross, and any future word
_VERSIONED_ID = rf"(?P<id>{ARXIV_ID})(?:v(?P<v>[0-9]+))?"
_GUID = re.compile(rf"(?:oai:arXiv\.org:)?{_VERSIONED_ID}")
_LINK = re.compile(rf"https?://(?:www\.)?arxiv\.org/abs/{_VERSIONED_ID}/?")
TYPE_PATTERN = re.compile(r"Announce Type:\s*([\w-]+)")
@dataclass(frozen=True, slots=True)
class FeedItem:
    arxiv_id: str
    version: int
    title: str
    abstract: str  # as arXiv wrote it, line breaks kept (the reference scorer depends on them)
    authors: list[str]
    categories: list[str]
    announce_type: str
    announced: date | None
    abs_url: str
    pdf_url: str

    @property
    def primary_category(self) -> str:
        return self.categories[0] if self.categories else ""


@dataclass
class Feed:
    category: str
    announced: date | None
    items: list[FeedItem] = field(default_factory=list)
    bad_items: list[str] = field(default_factory=list)
    built: str | None = None  # when arXiv built the feed: RSS lastBuildDate, Atom updated
    # (arxiv id, version, announce type) of every item, in order: kept when the items themselves went to a sink.
    listings: list[tuple[str, int, str]] = field(default_factory=list)

    def add(self, item: FeedItem, keep: bool = True) -> None:
        self.listings.append((sys.intern(item.arxiv_id), item.version, sys.intern(item.announce_type)))
        if keep:
            self.items.append(item)


class UnknownCategory(FeedError):
    """arXiv's "Feed error for query" channel: the category asked for does not exist, a configuration error."""


def split_authors(creator: str) -> list[str]:
    """Split on commas outside parentheses: affiliations such as "(MIT, Cambridge)" stay with their author."""
    if "(" not in creator and "[" not in creator:  # most lists: no bracket, so every comma splits
        return [" ".join(a.split()) for a in creator.split(",") if a.strip()]
    authors, depth, current = [], 0, []
    for ch in creator:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            authors.append("".join(current))
            current = []
        else:
            current.append(ch)
    authors.append("".join(current))
    if depth > 0:  # an opening parenthesis never closed would glue every later author into one
        authors = creator.split(",")
    return [" ".join(a.split()) for a in authors if a.strip()]


@lru_cache(maxsize=64)  # a feed's items share a handful of dates
def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return parsedate_to_datetime(text.strip()).date()  # the date in arXiv's own (US Eastern) offset
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def identity(guid: str, link: str, description: str, reference: str | None = None) -> tuple[str, int]:
    """The item's arXiv id and version. `reference`: a character reference to a forbidden character found in
    the item (Marks.found_in), which makes the item unusable, named with its id when the id can be read."""
    match = _GUID.fullmatch(guid) or _LINK.fullmatch(link)
    if not match:
        if reference:  # the guid itself held it: say so rather than show the mark
            raise ValueError(f"character reference {reference} names a character XML forbids")
        raise ValueError(f"no arXiv id in guid {guid[:80]!r} or link {link[:80]!r}")
    arxiv_id, version = match["id"], match["v"]
    if version is None:  # the guid had none: the description's "arXiv:<id>vN" says it
        described = re.search(rf"arXiv:{re.escape(arxiv_id)}v([0-9]+)", description)
        version = described[1] if described else "1"
    if reference:
        raise ValueError(f"{arxiv_id}: character reference {reference} names a character XML forbids")
    if len(version) > 4 or not 1 <= int(version) <= MAX_VERSION:
        raise ValueError(f"{arxiv_id}: version {version[:24]} is outside 1..{MAX_VERSION}")
    return arxiv_id, int(version)


def announcement(description: str, stated_type: str | None) -> tuple[str, str]:
    """(abstract, announce type) from arXiv's `arXiv:<id>vN Announce Type: new Abstract: ...` text; the type
    an element states (arxiv:announce_type) comes first, then the text's, else `new`."""
    head, sep, abstract = description.partition("Abstract:")
    if not sep:
        head, abstract = "", description
    announce_type = (stated_type or "").strip()
    if not announce_type:
        match = TYPE_PATTERN.search(head)
        announce_type = match.group(1) if match else "new"
    return abstract.strip(" \n\t"), announce_type.lower()


def arxiv_categories(arxiv_id: str, listed: list[str]) -> list[str]:
    """The listed names that are arXiv categories. Another name (an ACM or MSC class such as "I.2.7", which
    some mirrors mix in; anything hostile) is left out with a warning, not the paper: the names go into URL
    paths and file names, the paper itself is fine (the OAI-PMH harvest does the same, oai.py)."""
    kept, left_out = [], []
    for name in listed:
        (kept if is_category(name) else left_out).append(name)
    if left_out:
        log.warning("%s: left out what is not an arXiv category name: %s", arxiv_id,
                    ", ".join(repr(name[:40]) for name in left_out))
    return kept


def check_item(arxiv_id: str, title: str, abstract: str, creator: str, categories: list[str],
           announce_type: str) -> None:
    if not title:
        raise ValueError(f"{arxiv_id}: empty title")
    for name, value, limit in (("title", title, MAX_TITLE_CHARS), ("abstract", abstract, MAX_ABSTRACT_CHARS),
                               ("author list", creator, MAX_CREATOR_CHARS)):
        if len(value) > limit:
            raise ValueError(f"{arxiv_id}: {name} of {len(value)} characters exceeds {limit}")
    if len(categories) > MAX_CATEGORIES:
        raise ValueError(f"{arxiv_id}: {len(categories)} categories exceed {MAX_CATEGORIES}")
    if not _ANNOUNCE_TYPE.fullmatch(announce_type):
        raise ValueError(f"{arxiv_id}: announce type {announce_type[:40]!r} is not a word of at most 20 letters")


_ANNOUNCE_TAG = "{%s}announce_type" % NS["arxiv"]
_CREATOR_TAG = "{%s}creator" % NS["dc"]


def _children(node: Element) -> tuple[dict[str, str], list[str]]:
    """The item's fields by tag (the first of each, as findtext takes it) and its categories, in one walk over
    its children instead of an ElementPath search per field."""
    fields: dict[str, str] = {}
    categories: list[str] = []
    for child in node:
        if child.tag == "category":
            if child.text and (term := child.text.strip()):
                categories.append(term)
        elif child.tag not in fields:
            fields[child.tag] = child.text or ""
    return fields, categories


def _item(node: Element, category: str, marks: Marks) -> FeedItem:
    fields, categories = _children(node)
    description = fields.get("description", "")
    arxiv_id, version = identity(fields.get("guid", "").strip(), fields.get("link", "").strip(), description,
                                 marks.found_in(node))
    title = " ".join(fields.get("title", "").split())
    abstract, announce_type = announcement(description, fields.get(_ANNOUNCE_TAG))
    listed = list(dict.fromkeys(categories))
    creator = fields.get(_CREATOR_TAG, "")
    check_item(arxiv_id, title, abstract, creator, listed, announce_type)
    listed = arxiv_categories(arxiv_id, listed)
    return FeedItem(
        arxiv_id=arxiv_id, version=version, title=title, abstract=abstract, authors=split_authors(creator),
        categories=listed or [category], announce_type=announce_type, announced=_date(fields.get("pubDate")),
        abs_url=f"https://arxiv.org/abs/{arxiv_id}", pdf_url=f"https://arxiv.org/pdf/{arxiv_id}v{version}")


SINK_BATCH = 500  # items a sink gets at a time: what a streamed parse holds of a feed of thousands


def unknown_category(category: str, title: str) -> UnknownCategory:
    return UnknownCategory(f"configuration error: arXiv knows no category {category!r} (it answered "
                           f"{title.strip()[:200]!r}); check the categories in config.json")


def parse_feed(data: bytes | BinaryIO, category: str, sink: Callable[[list[FeedItem]], None] | None = None) -> Feed:
    """The feed's items, read as the document streams by: each <item> of <rss><channel> is turned into a
    FeedItem and cleared, so the parse holds one item's elements at a time, not the feed's tree. With a `sink`,
    the items are handed to it a batch at a time instead of kept (`feed.listings` still lists them)."""
    events, marks = stream(data, category)
    feed = Feed(category=category, announced=None)
    batch: list[FeedItem] = []
    path: list[str] = []
    position = 0
    root: Element | None = None
    for event, node in events:
        if event == "start":
            root = node if root is None else root
            path.append(node.tag)
            continue
        if path == ["rss", "channel", "item"]:
            try:
                item = _item(node, category, marks)
            except ValueError as exc:
                log.warning("%s: skipping item %d: %s", category, position, exc)
                feed.bad_items.append(f"item {position}: {exc}")
            else:
                feed.add(item, keep=sink is None)
                if sink is not None:
                    batch.append(item)
                    if len(batch) == SINK_BATCH:
                        sink(batch)
                        batch = []
            position += 1
            node.clear()
        path.pop()
    if sink is not None and batch:
        sink(batch)
    channel = root.find("channel") if root is not None else None
    if root is None or root.tag != "rss" or channel is None:
        raise FeedError(f"{category}: not an RSS 2.0 feed (root element <{root.tag if root is not None else ''}>)")
    title = marks.strip(channel.findtext("title") or "")
    if title.startswith("Feed error"):
        raise unknown_category(category, title)
    feed.announced = _date(marks.strip(channel.findtext("pubDate") or ""))
    feed.built = marks.strip(channel.findtext("lastBuildDate") or "").strip()[:64] or None
    return feed
