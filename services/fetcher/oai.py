"""OAI-PMH `ListRecords` from arXiv: one page per request, parsed incrementally, then the next token.

arXiv serves its whole catalogue this way (ARXIV_OAI_BASE_URL): `metadataPrefix=arXiv` (structured authors,
no version numbers) or `arXivRaw` (authors as one string, every version with its date), optionally one `set`
(`cs`, `math`, `physics:hep-th`) and a `from`/`until` range of datestamps; pages of about 1,000 records end
with a `resumptionToken`, empty on the last page. A page is parsed with lxml's iterparse and each record is
cleared as soon as it is read, so memory holds one page's bytes and its records, however large the page
(entities are not resolved, nothing is fetched from the network, no DTD is read, no huge trees).

OAI-PMH errors are answers, not HTTP failures: `noRecordsMatch` is an empty result; `badArgument`,
`badResumptionToken` (tokens expire) and the rest become OaiError with arXiv's own words.
"""
from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode

from lxml import etree

from services.fetcher.arxiv import (MAX_ABSTRACT_CHARS, MAX_CATEGORIES, MAX_CREATOR_CHARS, MAX_TITLE_CHARS,
                                    split_authors)
from shared.arxiv_names import ARXIV_ID, is_category

log = logging.getLogger(__name__)

OAI = "{http://www.openarchives.org/OAI/2.0/}"
FORMATS = {"arXiv": "{http://arxiv.org/OAI/arXiv/}", "arXivRaw": "{http://arxiv.org/OAI/arXivRaw/}"}
ROOTS = {prefix: ns + prefix for prefix, ns in FORMATS.items()}  # <arXiv> and <arXivRaw>
MAX_NOTE_CHARS = 10_000  # comments, journal references: the longest real ones are a few hundred characters
MAX_DOI_CHARS = 255
MAX_TOKEN_CHARS = 1000  # arXiv's tokens look like "1122234|1001"; the store keeps at most 2,000
_ID_RE = re.compile(ARXIV_ID)


class OaiError(RuntimeError):
    """An OAI-PMH error answer (`code` is the protocol's: badArgument, badResumptionToken, ...), or a page
    that is not OAI-PMH at all."""

    def __init__(self, code: str, message: str):
        super().__init__(f"OAI-PMH {code}: {message}")
        self.code, self.message = code, message


@dataclass(frozen=True, slots=True)
class OaiRecord:
    arxiv_id: str
    version: int  # 1 when the format does not say (metadataPrefix=arXiv)
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    created: date | None  # the first version's date
    datestamp: date | None  # when the record last changed at arXiv
    comments: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    left_out: tuple[str, ...] = ()  # names in <categories> that are not arXiv categories

    @property
    def primary_category(self) -> str:
        return self.categories[0] if self.categories else ""


@dataclass
class OaiPage:
    records: list[OaiRecord] = field(default_factory=list)
    token: str | None = None  # None: this was the last page
    cursor: int | None = None
    complete_list_size: int | None = None
    deleted: int = 0
    bad: list[str] = field(default_factory=list)


def _day(text: str | None) -> date | None:
    if not text:
        return None
    text = text.strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).date()  # arXivRaw's version dates: "Mon, 2 Apr 2007 19:18:42 GMT"
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _raw_authors(text: str) -> list[str]:
    """arXivRaw's "A. Smith, B. Jones (MIT, Cambridge) and C. Lee": commas outside parentheses, then the last
    " and "."""
    authors = split_authors(text)
    if authors and " and " in authors[-1] and "(" not in authors[-1]:
        authors[-1:] = [a.strip() for a in authors[-1].split(" and ") if a.strip()]
    return authors


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


# Each format's elements by their qualified name: one dict lookup per element, no string slicing.
_FIELDS = {prefix: {ns + name: name for name in ("id", "created", "updated", "title", "categories", "comments",
                                                 "journal-ref", "doi", "abstract", "authors", "version")}
           for prefix, ns in FORMATS.items()}
_NAME_PARTS = {FORMATS["arXiv"] + part: index for index, part in enumerate(("forenames", "keyname", "suffix"))}


def _author(node: etree._Element) -> str:
    parts = ["", "", ""]
    for part in node:
        index = _NAME_PARTS.get(part.tag)
        if index is not None and part.text:
            parts[index] = part.text
    return " ".join(" ".join(parts).split())


def _note(text: str | None, name: str, arxiv_id: str, limit: int) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    if len(text) > limit:
        raise ValueError(f"{arxiv_id}: {name} of {len(text)} characters exceeds {limit}")
    return text or None


def _record(metadata: etree._Element, prefix: str, stamp: date | None) -> OaiRecord:
    names = _FIELDS[prefix]
    fields: dict[str, str] = {}
    authors: list[str] = []
    versions: list[tuple[int, date | None]] = []
    for node in metadata:
        name = names.get(node.tag)
        if name == "authors" and len(node):  # arXiv: <author><keyname/><forenames/><suffix/></author>...
            authors = [a for a in map(_author, node) if a]
        elif name == "version":  # arXivRaw: <version version="v2"><date>...</date>...</version>
            number = (node.get("version") or "").lstrip("v")
            if number.isdigit() and len(number) <= 4:
                versions.append((int(number), _day(node[0].text if len(node) else None)))
        elif name is not None:
            fields[name] = node.text or ""
    arxiv_id = fields.get("id", "").strip()
    if not _ID_RE.fullmatch(arxiv_id):
        raise ValueError(f"no arXiv id in the record ({arxiv_id[:80]!r})")
    if not authors and fields.get("authors"):
        if len(fields["authors"]) > MAX_CREATOR_CHARS:
            raise ValueError(f"{arxiv_id}: author list of {len(fields['authors'])} characters exceeds "
                             f"{MAX_CREATOR_CHARS}")
        authors = _raw_authors(fields["authors"])
    title = " ".join(fields.get("title", "").split())
    abstract = fields.get("abstract", "").strip()
    if not title:
        raise ValueError(f"{arxiv_id}: empty title")
    for name, size, limit in (("title", len(title), MAX_TITLE_CHARS), ("abstract", len(abstract), MAX_ABSTRACT_CHARS),
                              ("author list", sum(map(len, authors)), MAX_CREATOR_CHARS)):
        if size > limit:
            raise ValueError(f"{arxiv_id}: {name} of {size} characters exceeds {limit}")
    named = list(dict.fromkeys(fields.get("categories", "").split()))
    # A name that is not an arXiv category (an ACM or MSC class some mirrors mix in) is left out, not the paper.
    categories = [name for name in named if is_category(name)]
    if len(categories) > MAX_CATEGORIES:
        raise ValueError(f"{arxiv_id}: {len(categories)} categories exceed {MAX_CATEGORIES}")
    version, created = 1, _day(fields.get("created"))
    if versions:
        version = max(v for v, _ in versions)
        created = min(versions)[1] or created
    return OaiRecord(arxiv_id, version, title, abstract, authors, categories, created, stamp,
                     _note(fields.get("comments"), "comments", arxiv_id, MAX_NOTE_CHARS),
                     _note(fields.get("journal-ref"), "journal reference", arxiv_id, MAX_NOTE_CHARS),
                     _note(fields.get("doi"), "doi", arxiv_id, MAX_DOI_CHARS),
                     tuple(name[:40] for name in named if name not in categories)[:8] if len(named) > len(categories)
                     else ())


def _error(node: etree._Element) -> OaiError:
    return OaiError(node.get("code") or "error", " ".join((node.text or "").split()) or "(no message)")


def parse_page(source: bytes | io.BufferedIOBase, metadata_prefix: str = "arXiv") -> OaiPage:
    """One ListRecords page. A record that breaks a bound is skipped and named in `bad`; deleted records are
    counted; an OAI-PMH error other than noRecordsMatch raises OaiError."""
    if metadata_prefix not in FORMATS:
        raise ValueError(f"metadataPrefix {metadata_prefix!r} is not one of {sorted(FORMATS)}")
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    page = OaiPage()
    events = etree.iterparse(stream, events=("end",), tag=(f"{OAI}record", f"{OAI}resumptionToken", f"{OAI}error"),
                             resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        for _, node in events:
            if node.tag == f"{OAI}record":
                _take(page, node, metadata_prefix)
            elif node.tag == f"{OAI}resumptionToken":
                page.token = (node.text or "").strip() or None
                if page.token and len(page.token) > MAX_TOKEN_CHARS:
                    raise OaiError("badResumptionToken", f"a resumption token of {len(page.token)} characters "
                                                         f"(at most {MAX_TOKEN_CHARS} are kept)")
                page.cursor, page.complete_list_size = _int(node.get("cursor")), _int(node.get("completeListSize"))
            else:
                error = _error(node)
                if error.code != "noRecordsMatch":
                    raise error
            # Forget what was read: the record and everything before it.
            node.clear(keep_tail=False)
            parent = node.getparent()
            if parent is not None:
                while node.getprevious() is not None:
                    del parent[0]
        root = events.root
    except etree.XMLSyntaxError as exc:
        raise OaiError("malformedXML", f"the page is not well-formed XML ({exc})") from None
    if root is None or root.tag != f"{OAI}OAI-PMH":
        tag = "nothing" if root is None else f"<{root.tag}>"
        raise OaiError("notOaiPmh", f"the answer is not an OAI-PMH document (root element {tag})")
    return page


_HEADER, _METADATA, _IDENTIFIER, _DATESTAMP = (f"{OAI}{n}" for n in ("header", "metadata", "identifier",
                                                                        "datestamp"))


def _take(page: OaiPage, node: etree._Element, prefix: str) -> None:
    header = body = None
    for part in node:
        if part.tag == _HEADER:
            header = part
        elif part.tag == _METADATA and len(part):
            body = part[0]
    if header is not None and header.get("status") == "deleted":
        page.deleted += 1
        return
    identifier, stamp = "?", None
    for part in header if header is not None else ():
        if part.tag == _IDENTIFIER:
            identifier = part.text or "?"
        elif part.tag == _DATESTAMP:
            stamp = _day(part.text)
    try:
        if body is None or body.tag != ROOTS[prefix]:
            raise ValueError(f"{identifier[:80]}: no {prefix} metadata")
        page.records.append(_record(body, prefix, stamp))
    except ValueError as exc:
        log.warning("OAI-PMH record skipped: %s", exc)
        page.bad.append(str(exc)[:300])


@dataclass(frozen=True)
class Harvest:
    """What to harvest; its `key` names the harvest in the store (a resumed run finds its token by it)."""

    metadata_prefix: str = "arXiv"
    set_spec: str | None = None
    from_date: date | None = None
    until_date: date | None = None

    @property
    def key(self) -> str:
        return "|".join([self.metadata_prefix, self.set_spec or "", str(self.from_date or ""),
                         str(self.until_date or "")])

    def first_url(self, base: str) -> str:
        query = {"verb": "ListRecords", "metadataPrefix": self.metadata_prefix}
        if self.set_spec:
            query["set"] = self.set_spec
        if self.from_date:
            query["from"] = self.from_date.isoformat()
        if self.until_date:
            query["until"] = self.until_date.isoformat()
        return f"{base}?{urlencode(query)}"


def next_url(base: str, token: str) -> str:
    return f"{base}?{urlencode({'verb': 'ListRecords', 'resumptionToken': token})}"
