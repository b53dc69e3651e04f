"""Parse arXiv's RSS 2.0 announcement feed, safely. Pure: bytes in, items out; no I/O.

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

import codecs
import logging
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from email.utils import parsedate_to_datetime
from functools import lru_cache
from itertools import chain
from typing import AnyStr, BinaryIO
from collections.abc import Callable, Iterator
from xml.etree.ElementTree import Element, ParseError, XMLPullParser, fromstring
from xml.parsers import expat

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from shared.arxiv_names import ARXIV_ID, is_category
from shared.xmlchars import CHAR_REF, ILLEGAL_XML_CHARS, refers_to_illegal_char

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
# Characters XML 1.0 forbids; one stray control character in one abstract must not make the day unreadable.
_XML_ILLEGAL = re.compile(ILLEGAL_XML_CHARS)
# A character reference to a forbidden character is fatal to the parser; inside CDATA or a comment it is text.
_REFERENCES = re.compile(r"<!\[CDATA\[.*?(?:\]\]>|\Z)|<!--.*?(?:-->|\Z)|" + CHAR_REF.pattern, re.DOTALL)
_SENTINELS = [chr(c) for c in range(0xFDD0, 0xFDF0)]  # noncharacters: legal XML, never in real text


class FeedError(ValueError):
    """The whole feed is unusable (not XML, forbidden constructs, not RSS, or arXiv's error channel)."""


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


class Marks:
    """Replaces each character reference XML forbids with a mark the parser accepts, so that the item holding
    it, and only that item, can be found and skipped after parsing."""

    def __init__(self, text: str):
        self.references: list[str] = []
        self.sentinel = next((s for s in _SENTINELS if s not in text), "")
        self.pattern = re.compile(f"{self.sentinel}(\\d+){self.sentinel}")

    def replace(self, match: re.Match[str]) -> str:
        if match["hex"] is None and match["dec"] is None or not refers_to_illegal_char(match):
            return match[0]  # CDATA, a comment, or a reference to an allowed character
        if not self.sentinel:
            raise FeedError("every mark for forbidden character references already occurs in the feed")
        self.references.append(match[0][:24])
        return f"{self.sentinel}{len(self.references) - 1}{self.sentinel}"

    def strip(self, text: str) -> str:
        return self.pattern.sub("", text) if self.references else text

    def found_in(self, node: Element) -> str | None:
        if not self.references:
            return None
        for element in node.iter():
            for text in (element.text, *([element.tail] if element is not node else []), *element.attrib.values()):
                if text and (match := self.pattern.search(text)):
                    return self.references[int(match[1])]
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


def _doctype(name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool) -> None:
    raise DTDForbidden(name, sysid, pubid)


def _entity(name: str, is_parameter: bool, value: str | None, base: str | None, sysid: str | None,
            pubid: str | None, notation: str | None) -> None:
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation)


def _unparsed_entity(name: str, base: str | None, sysid: str | None, pubid: str | None,
                     notation: str | None) -> None:
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation)


def _external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> None:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def refuse_constructs(text: str) -> None:
    """Raise defusedxml's error for a DTD, an entity declaration or an external reference, as its parser does.

    A first pass of expat alone, with no element handlers, runs in C: then the tree is built by the C
    ElementTree parser, several times faster than defusedxml's pure-Python one (which calls Python for every
    element). A malformed document is left to that parser, which words the error as before."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _doctype
    parser.EntityDeclHandler = _entity
    parser.UnparsedEntityDeclHandler = _unparsed_entity
    parser.ExternalEntityRefHandler = _external
    try:
        parser.Parse(text, True)
    except expat.ExpatError:
        pass


SINK_BATCH = 500  # items a sink gets at a time: what a streamed parse holds of a feed of thousands
CHUNK = 1 << 16  # bytes decoded (or characters) fed to the streaming parser at a time: the parser makes
# every element of a piece before the first is read, so a megabyte at a time held ~500 items' elements at once
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# What only the whole-document path (`_prepare`) handles: a character reference, a DTD, and the characters XML
# forbids (in UTF-8; dropping them could join what surrounds them, such as "<!DOC\x01TYPE").
# (UTF-8 decoding never yields a surrogate.) Seeking one byte is a memchr, some ten times faster over megabytes
# than a substring, a character class or an alternation: a marker is sought only where a rare byte of it is.
_WHOLE_ONLY = {b"&#": b"#", b"<!DOCTYPE": b"!", b"\xef\xbf\xbe": b"\xef", b"\xef\xbf\xbf": b"\xef"}
_CONTROLS = tuple(bytes([c]) for c in range(32) if c not in b"\t\n\r")
_OVERLAP = max(len(marker) for marker in _WHOLE_ONLY) - 1  # bytes of one block a marker can begin in


def _prepare(data: bytes, category: str) -> tuple[str, Marks]:
    """The document as text the parser accepts, refused if it holds a DTD, an entity or an external reference,
    and the marks standing for character references XML forbids."""
    # Decode leniently ourselves: bad UTF-8 in one abstract costs a replacement character, not the whole day.
    text = _XML_ILLEGAL.sub("", data.decode("utf-8", errors="replace"))
    text = _DECLARATION.sub("", text)  # a str cannot also declare an encoding
    marks = Marks(text)
    if "&#" in text:  # the only thing the pass below changes is a character reference
        text = _REFERENCES.sub(marks.replace, text)
    try:
        if "<!DOCTYPE" in text:  # XML spells it so, and without one there is nothing to declare an entity
            refuse_constructs(text)
    except DefusedXmlException as exc:
        raise FeedError(f"{category}: forbidden XML construct ({type(exc).__name__})") from None
    return text, marks


def load(data: bytes, category: str) -> tuple[Element, Marks]:
    """The document's root, parsed safely (no DTD, no entities, nothing external), and the marks standing for
    character references XML forbids."""
    text, marks = _prepare(data, category)
    try:
        return fromstring(text), marks
    except ParseError as exc:
        raise FeedError(f"{category}: malformed XML ({exc})") from None


def _slices(data: AnyStr) -> Iterator[AnyStr]:
    return (data[start:start + CHUNK] for start in range(0, len(data), CHUNK))


def _blocks(body: bytes | BinaryIO) -> Iterator[bytes]:
    if isinstance(body, bytes):
        return _slices(body)
    body.seek(0)
    return iter(lambda: body.read(CHUNK), b"")


def _needs_whole(data: bytes) -> bool:
    return (any(rare in data and marker in data for marker, rare in _WHOLE_ONLY.items())
            or any(control in data for control in _CONTROLS))


def _whole_only(body: bytes | BinaryIO) -> bool:
    """Whether the body holds anything only `_prepare` handles; in a file, read a block at a time (a marker
    across two blocks included)."""
    if isinstance(body, bytes):
        return _needs_whole(body)
    tail = b""
    for block in _blocks(body):
        if _needs_whole(tail + block):
            return True
        tail = block[-_OVERLAP:]
    return False


def _pieces(body: bytes | BinaryIO, category: str) -> tuple[Iterator[str], Marks]:
    """The text `_prepare` makes, a piece at a time. A feed with nothing to replace or refuse (every real one)
    is decoded a block at a time (from memory, or from the file it was downloaded to): the whole document as
    a str would take up to four bytes a character, several times the body, for one accented name."""
    if _whole_only(body):
        if not isinstance(body, bytes):
            body.seek(0)
            body = body.read()
        text, marks = _prepare(body, category)
        return _slices(text), marks

    def decoded() -> Iterator[str]:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        head: str | None = ""
        for block in chain(_blocks(body), [b""]):
            piece = decoder.decode(block, final=not block)
            if head is not None:  # the declaration, dropped as `_prepare` drops it, once it is whole
                head += piece
                if not head.lstrip() or (head.lstrip().startswith("<?") and "?>" not in head):
                    continue
                piece, head = _DECLARATION.sub("", head), None
            yield piece
        if head:
            yield _DECLARATION.sub("", head)

    return decoded(), Marks("")


def stream(data: bytes | BinaryIO, category: str) -> tuple[Iterator[tuple[str, Element]], Marks]:
    """Like `load`, as ("start" | "end", element) events while the document is parsed, so that a caller can
    clear each item once read: a feed of thousands of items is never a whole tree in memory."""
    pieces, marks = _pieces(data, category)

    def events() -> Iterator[tuple[str, Element]]:
        parser = XMLPullParser(events=("start", "end"))
        try:
            for piece in pieces:
                parser.feed(piece)
                yield from parser.read_events()
            parser.close()
            yield from parser.read_events()
        except ParseError as exc:
            raise FeedError(f"{category}: malformed XML ({exc})") from None

    return events(), marks


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
