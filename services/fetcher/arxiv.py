"""Parse arXiv's RSS 2.0 announcement feed, safely. Pure: bytes in, items out; no I/O.

What the real feed looks like (see ../shared/data/README.md): the description is
`arXiv:2411.17700v1 Announce Type: new \\nAbstract: ...`, the guid carries the version and the link does not,
dc:creator is one comma-joined string, titles hold raw LaTeX, pubDate is midnight US Eastern, an empty
channel means no announcement and an unknown category answers 200 with a "Feed error for query" channel.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from email.utils import parsedate_to_datetime
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from shared.xmlchars import ILLEGAL_XML_CHARS

log = logging.getLogger(__name__)

NS = {"arxiv": "http://arxiv.org/schemas/atom", "dc": "http://purl.org/dc/elements/1.1/"}
_ID = re.compile(r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z.-]*/\d{7})(?:v(?P<v>\d+))?", re.I)
_TYPE = re.compile(r"Announce Type:\s*([\w-]+)")
# Characters XML 1.0 forbids; one stray control character in one abstract must not make the day unreadable.
# Character references to them (&#12;) are just as fatal to the parser, so they go too.
_XML_ILLEGAL = re.compile(ILLEGAL_XML_CHARS + r"|&#0*(?:[0-8]|1[124-9]|2\d|3[01]);"
                          r"|&#[xX]0*(?:[0-8]|[bBcCeEfF]|1[\da-fA-F]);")


class FeedError(ValueError):
    """The whole feed is unusable (not XML, forbidden constructs, not RSS, or arXiv's error channel)."""


@dataclass(frozen=True)
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


def split_authors(creator: str) -> list[str]:
    """Split on commas outside parentheses: affiliations such as "(MIT, Cambridge)" stay with their author."""
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


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return parsedate_to_datetime(text.strip()).date()  # the date in arXiv's own (US Eastern) offset
    except (TypeError, ValueError, IndexError):
        return None


def _item(node: Element, category: str) -> FeedItem:
    guid = (node.findtext("guid") or "").strip()
    link = (node.findtext("link") or "").strip()
    description = node.findtext("description") or ""
    match = _ID.search(guid.removeprefix("oai:arXiv.org:")) or _ID.search(link)
    if not match:
        raise ValueError(f"no arXiv id in guid {guid[:80]!r} or link {link[:80]!r}")
    arxiv_id = match["id"]
    version = match["v"] or (_ID.search(description) or {"v": None})["v"] or "1"
    title = " ".join((node.findtext("title") or "").split())
    if not title:
        raise ValueError(f"{arxiv_id}: empty title")
    head, sep, abstract = description.partition("Abstract:")
    if not sep:
        head, abstract = "", description
    announce_type = (node.findtext("arxiv:announce_type", namespaces=NS) or "").strip()
    if not announce_type:
        type_match = _TYPE.search(head)
        announce_type = type_match.group(1) if type_match else "new"
    categories = [c.text.strip() for c in node.findall("category") if c.text and c.text.strip()] or [category]
    return FeedItem(
        arxiv_id=arxiv_id, version=int(version), title=title, abstract=abstract.strip(" \n\t"),
        authors=split_authors(node.findtext("dc:creator", namespaces=NS) or ""),
        categories=list(dict.fromkeys(categories)), announce_type=announce_type.lower(),
        announced=_date(node.findtext("pubDate")),
        abs_url=f"https://arxiv.org/abs/{arxiv_id}", pdf_url=f"https://arxiv.org/pdf/{arxiv_id}v{version}")


def parse_feed(data: bytes, category: str) -> Feed:
    # Decode leniently ourselves: bad UTF-8 in one abstract costs a replacement character, not the whole day.
    text = _XML_ILLEGAL.sub("", data.decode("utf-8", errors="replace"))
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # a str cannot also declare an encoding
    try:
        root = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedError(f"{category}: forbidden XML construct ({type(exc).__name__})") from None
    except ParseError as exc:
        raise FeedError(f"{category}: malformed XML ({exc})") from None
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise FeedError(f"{category}: not an RSS 2.0 feed (root element <{root.tag}>)")
    title = channel.findtext("title") or ""
    if title.startswith("Feed error"):
        raise FeedError(f"{category}: arXiv answered {title.strip()!r}")
    feed = Feed(category=category, announced=_date(channel.findtext("pubDate")))
    for position, node in enumerate(channel.findall("item")):
        try:
            feed.items.append(_item(node, category))
        except ValueError as exc:
            log.warning("%s: skipping item %d: %s", category, position, exc)
            feed.bad_items.append(f"item {position}: {exc}")
    return feed
