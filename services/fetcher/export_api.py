"""arXiv's export API (ARXIV_API_BASE_URL): papers by id (`id_list`) and searches with paging, as Atom.

Its entries carry what the feeds do not: the authors' comments (`arxiv:comment`), the journal reference
(`arxiv:journal_ref`) and the DOI (`arxiv:doi`); the fetcher stores them beside the paper. What the real API
does (../shared/data/arxiv/atom_api): an id that does not exist is silently left out, a malformed one is an
HTTP 400 whose body is a feed with one entry titled "Error" (its summary says why), and an empty result is a
feed without entries. Politeness (one connection, 3 s between requests, a User-Agent with a contact) is the
client's: services/fetcher/polite.py.
"""
from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

import httpx
from lxml import etree

from services.fetcher.download import DownloadError, download
from shared.arxiv_names import ARXIV_ID
from shared.settings import Settings

log = logging.getLogger(__name__)
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
SEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
ID_LIST_CHUNK = 100  # ids per lookup request: a URL far below any server's limit
MAX_API_BYTES = 16 * 1024 * 1024  # 2,000 entries (the API's largest page) are about 5 MB
_ENTRY_ID = re.compile(rf"https?://(?:www\.)?arxiv\.org/abs/(?P<id>{ARXIV_ID})(?:v(?P<v>[0-9]{{1,4}}))?")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class ApiError(RuntimeError):
    """The API refused the query (its "Error" entry says why) or answered something that is not its feed."""


@dataclass(frozen=True)
class ApiEntry:
    arxiv_id: str
    version: int
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]  # the primary category first
    published: date | None
    updated: date | None
    comments: str | None = None
    journal_ref: str | None = None
    doi: str | None = None

    @property
    def primary_category(self) -> str:
        return self.categories[0] if self.categories else ""


@dataclass
class ApiPage:
    entries: list[ApiEntry] = field(default_factory=list)
    total: int = 0
    start: int = 0
    bad: list[str] = field(default_factory=list)


def _text(node: etree._Element, path: str) -> str | None:
    found = node.findtext(path)
    return " ".join(found.split()) or None if found is not None else None


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _entry(node: etree._Element) -> ApiEntry:
    raw_id = (node.findtext(f"{ATOM}id") or "").strip()
    match = _ENTRY_ID.fullmatch(raw_id)
    if not match:
        raise ValueError(f"no arXiv id in entry id {raw_id[:80]!r}")
    primary = node.find(f"{ARXIV}primary_category")
    listed = [c.get("term", "") for c in node.iter(f"{ATOM}category") if c.get("term")]
    first = primary.get("term") if primary is not None and primary.get("term") else None
    categories = list(dict.fromkeys([first, *listed] if first else listed))
    return ApiEntry(
        arxiv_id=match["id"], version=int(match["v"] or 1), title=_text(node, f"{ATOM}title") or "",
        abstract=(node.findtext(f"{ATOM}summary") or "").strip(),
        authors=[" ".join(a.split()) for a in (n.findtext(f"{ATOM}name") or "" for n in node.iter(f"{ATOM}author"))
                 if a.strip()],
        categories=categories, published=_day(node.findtext(f"{ATOM}published")),
        updated=_day(node.findtext(f"{ATOM}updated")), comments=_text(node, f"{ARXIV}comment"),
        journal_ref=_text(node, f"{ARXIV}journal_ref"), doi=_text(node, f"{ARXIV}doi"))


def _int(text: str | None) -> int:
    return int(text) if text and text.strip().isdigit() else 0


def parse_response(body: bytes) -> ApiPage:
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ApiError(f"the export API answered something that is not XML ({exc})") from None
    if root is None or root.tag != f"{ATOM}feed":
        raise ApiError(f"the export API answered something that is not an Atom feed (<{getattr(root, 'tag', '')}>)")
    page = ApiPage(total=_int(root.findtext(f"{SEARCH}totalResults")),
                   start=_int(root.findtext(f"{SEARCH}startIndex")))
    for node in root.iter(f"{ATOM}entry"):
        entry_id = node.findtext(f"{ATOM}id") or ""
        if "/api/errors" in entry_id or (node.findtext(f"{ATOM}title") or "").strip() == "Error":
            reason = _text(node, f"{ATOM}summary") or entry_id.rpartition("#")[2] or "no reason given"
            raise ApiError(f"the export API refused the query: {reason}")
        try:
            page.entries.append(_entry(node))
        except ValueError as exc:
            log.warning("export API entry skipped: %s", exc)
            page.bad.append(str(exc))
    return page


async def query(client: httpx.AsyncClient, settings: Settings, params: dict[str, str | int]) -> ApiPage:
    url = f"{settings.arxiv_api_base_url}?{urlencode(params)}"
    try:
        body = await download(client, url, max_bytes=MAX_API_BYTES, retries=settings.http_retries,
                              deadline=settings.http_deadline_seconds,
                              total_deadline=settings.http_total_deadline_seconds)
    except DownloadError as exc:
        if exc.status == 400 and exc.body:
            parse_response(exc.body)  # raises ApiError with the API's own words
        raise
    return parse_response(body)


async def lookup(client: httpx.AsyncClient, settings: Settings, ids: Iterable[str]) -> list[ApiEntry]:
    """The papers with these ids (with or without a version), in chunks; ids arXiv does not know are absent."""
    wanted = list(dict.fromkeys(ids))
    found: list[ApiEntry] = []
    for start in range(0, len(wanted), ID_LIST_CHUNK):
        chunk = wanted[start:start + ID_LIST_CHUNK]
        page = await query(client, settings, {"id_list": ",".join(chunk), "start": 0, "max_results": len(chunk)})
        found.extend(page.entries)
    return found


async def search(client: httpx.AsyncClient, settings: Settings, search_query: str, *, start: int = 0,
                 page_size: int = 100, limit: int = 1000) -> AsyncIterator[ApiEntry]:
    """Entries of a search (`cat:cs.AI AND ti:llm`), page after page from `start`, at most `limit` of them."""
    given = 0
    while given < limit:
        size = min(page_size, limit - given)
        page = await query(client, settings, {"search_query": search_query, "start": start, "max_results": size})
        for entry in page.entries:
            yield entry
        given += len(page.entries)
        start += size
        if not page.entries or start >= page.total:
            return
