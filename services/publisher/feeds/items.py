"""One paper as the feeds and the page show it: built once from a digest entry at publication, kept in
`feed_items` (its `data`), and rendered as an RSS item, an Atom entry or a JSON Feed item."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, fields
from functools import lru_cache
from datetime import datetime
from html import escape
from typing import Any

from shared.xmlchars import drop_illegal_xml_chars

from services.publisher.digest import Entry, summary_label
from services.publisher.latex_display import readable
from services.publisher.summary_html import sanitize, summary_html

_HTTP_URL = re.compile(r"https?://[^\s\"'<>\\]+")
_ABS = re.compile(r"(https?://[^/]+)/abs/(.+?)(?:v\d+)?$")


def clean(text: str) -> str:
    """A field from outside as one line of XML-safe text."""
    return " ".join(drop_illegal_xml_chars(text).split())


def html_url(abs_url: str, version: int) -> str:
    """arXiv's HTML rendering of the paper's version (https://arxiv.org/html/<id>v<n>), beside its abstract."""
    match = _ABS.fullmatch(abs_url)
    return f"{match[1]}/html/{match[2]}v{version}" if match else ""


@dataclass(frozen=True)
class FeedItem:
    arxiv_id: str
    version: int
    title: str  # readable: LaTeX turned into characters
    authors: list[str]
    categories: list[str]
    abstract: str
    abs_url: str
    pdf_url: str
    html_url: str
    score: float
    why: str
    summary_html: str | None  # sanitised HTML of the AI summary, when there is one
    announced: str | None  # ISO date
    # What the summary was made from: "Summary of the full text (HTML, 18,200 tokens)".
    summary_label: str = ""
    # From the store, not part of the item's content: first time in a feed, last change.
    published: datetime | None = field(default=None, compare=False)
    updated: datetime | None = field(default=None, compare=False)

    @property
    def guid(self) -> str:
        """The stable id every format uses: arXiv's OAI identifier without the version, a valid URI."""
        return f"oai:arXiv.org:{self.arxiv_id}"

    @classmethod
    def from_entry(cls, entry: Entry) -> FeedItem:
        summary = summary_html(entry.summary) if entry.summary_status == "done" and entry.summary else None
        return cls(arxiv_id=entry.arxiv_id, version=entry.version, title=_readable(entry.title),
                   authors=[_readable(a) for a in entry.authors if clean(a)],
                   categories=[clean(c) for c in entry.categories], abstract=_readable(entry.abstract),
                   abs_url=_link(entry.abs_url), pdf_url=_link(entry.pdf_url),
                   html_url=_link(html_url(entry.abs_url, entry.version)), score=float(entry.score),
                   why=clean(entry.why), summary_html=summary or None,
                   announced=entry.announced.isoformat() if entry.announced else None,
                   summary_label=clean(summary_label(entry)) if summary else "")

    @classmethod
    def from_data(cls, data: dict[str, Any], published: datetime | None = None,
                  updated: datetime | None = None) -> FeedItem:
        known = {f.name for f in fields(cls)} - {"published", "updated"}
        return cls(**{k: v for k, v in data.items() if k in known}, published=published, updated=updated)

    def data(self) -> dict[str, Any]:
        # Not dataclasses.asdict: its deep copy of every field was a tenth of publishing a profile's window.
        return {name: list(value) if isinstance(value, list) else value
                for name, value in ((f, getattr(self, f)) for f in _DATA_FIELDS)}

    def content_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.data(), sort_keys=True).encode()).hexdigest()

    def in_category(self, category: str) -> bool:
        return category in self.categories


@lru_cache(maxsize=4096)  # the same paper's fields, again for each profile that picks it
def _readable(text: str) -> str:
    return readable(clean(text))


_DATA_FIELDS = tuple(f.name for f in fields(FeedItem) if f.name not in ("published", "updated"))


def _link(url: str) -> str:
    """Only an http(s) URL is ever linked; anything else (a javascript: URL in a hostile feed) is dropped."""
    url = url.strip()
    return url if _HTTP_URL.fullmatch(url) else ""


def _links_html(abs_url: str, pdf_url: str, html_url: str) -> str:
    links = [(label, url) for label, url in (("Abstract", abs_url), ("PDF", pdf_url), ("HTML", html_url)) if url]
    return " · ".join(f'<a href="{escape(url)}">{label}</a>' for label, url in links)


def content_html(item: FeedItem) -> str:
    """The item's body in a feed reader: score and why, links, the AI summary, the abstract."""
    # Every field is escaped; sanitising makes it a guarantee. The paper's part is the same in every feed of
    # every profile that lists it (formats, categories, profiles), so it is sanitised once per process; the
    # score and why, which differ per profile, apart. Both are whole elements, so the joint is well formed.
    return _score_html(item.score, item.why) + _paper_html(tuple(item.authors), item.abs_url, item.pdf_url,
                                                           item.html_url, item.summary_html, item.summary_label,
                                                           item.abstract)


@lru_cache(maxsize=4096)
def _score_html(score: float, why: str) -> str:
    return sanitize(f"<p><strong>Score</strong> {score:g}"
                    + (f" · <strong>Why</strong> {escape(why)}" if why else "") + "</p>")


@lru_cache(maxsize=2048)  # a few MB: about a day's papers picked by any profile
def _paper_html(authors: tuple[str, ...], abs_url: str, pdf_url: str, html_url: str, summary: str | None,
                label: str, abstract: str) -> str:
    parts = [f"<p>{escape(', '.join(authors))}</p>" if authors else "",
             f"<p>{_links_html(abs_url, pdf_url, html_url)}</p>"]
    if summary:
        parts.append(f"<h4>AI summary</h4>{summary}")
        if label:
            parts.append(f"<p><em>{escape(label)}</em></p>")
    parts.append(f"<h4>Abstract</h4><p>{escape(abstract)}</p>")
    return sanitize("".join(parts))


@dataclass(frozen=True)
class Channel:
    """What a feed says about itself."""

    title: str
    description: str
    self_url: str  # this feed's canonical URL
    page_url: str  # the HTML page of the profile
    updated: datetime
