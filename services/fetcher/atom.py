"""Parse arXiv's Atom announcement feed (rss.arxiv.org/atom/<cats>), safely, into the RSS parser's FeedItem.

The Atom feed carries what the RSS feed does, in Atom's elements: the entry id is the versioned
`oai:arXiv.org:<id>vN`, the summary is the RSS description (`arXiv:<id>vN Announce Type: new \\nAbstract: ...`),
categories are `<category term=...>`, `published` is midnight US Eastern, `updated` at the top says when
arXiv built the feed. One request can ask for several categories joined with `+`; the answer lists each paper
once, and `parse_atom` hands back one Feed per category asked for, each with the papers listing it, in feed
order: the same items the per-category RSS feeds give, for one request instead of several.
"""
from __future__ import annotations

import logging
from datetime import date, datetime
from xml.etree.ElementTree import Element

from services.fetcher.arxiv import (
    NS, Feed, FeedItem, announcement, arxiv_categories, check_item, identity, split_authors, unknown_category)
from services.fetcher.safe_xml import FeedError, Marks, load

log = logging.getLogger(__name__)
ATOM = "{http://www.w3.org/2005/Atom}"
A = {"a": ATOM[1:-1], **NS}


def _date(text: str | None) -> date | None:
    try:
        return datetime.fromisoformat((text or "").strip()).date() if text else None
    except ValueError:
        return None


def _link(node: Element) -> str:
    for link in node.findall("a:link", A):
        if link.get("rel", "alternate") == "alternate":
            return (link.get("href") or "").strip()
    return ""


def _entry(node: Element, marks: Marks, fallback: str) -> FeedItem:
    guid = (node.findtext("a:id", namespaces=A) or "").strip()
    summary = node.findtext("a:summary", namespaces=A) or ""
    arxiv_id, version = identity(guid, _link(node), summary, marks.found_in(node))
    title = " ".join((node.findtext("a:title", namespaces=A) or "").split())
    abstract, announce_type = announcement(summary, node.findtext("arxiv:announce_type", namespaces=A))
    listed = list(dict.fromkeys(term for c in node.findall("a:category", A)
                                if (term := (c.get("term") or "").strip())))
    creator = node.findtext("dc:creator", namespaces=A) or ""
    check_item(arxiv_id, title, abstract, creator, listed, announce_type)
    listed = arxiv_categories(arxiv_id, listed)
    return FeedItem(
        arxiv_id=arxiv_id, version=version, title=title, abstract=abstract, authors=split_authors(creator),
        categories=listed or [fallback], announce_type=announce_type,
        announced=_date(node.findtext("a:published", namespaces=A)),
        abs_url=f"https://arxiv.org/abs/{arxiv_id}", pdf_url=f"https://arxiv.org/pdf/{arxiv_id}v{version}")


def _lists(item: FeedItem, category: str) -> bool:
    """Whether a paper belongs to the feed of `category` (an archive such as `math` holds math.AG)."""
    return any(c == category or c.startswith(category + ".") for c in item.categories)


def parse_atom(data: bytes, categories: list[str]) -> list[Feed]:
    """One Feed per category asked for; FeedError when the whole answer is unusable."""
    name = "+".join(categories)
    root, marks = load(data, name)
    if root.tag != ATOM + "feed":
        raise FeedError(f"{name}: not an Atom feed (root element <{root.tag}>)")
    title = marks.strip(root.findtext("a:title", namespaces=A) or "")
    if title.startswith("Feed error"):
        raise unknown_category(name, title)
    built = marks.strip(root.findtext("a:updated", namespaces=A) or "").strip()[:64] or None
    feeds = [Feed(category=c, announced=None, built=built) for c in categories]
    for position, node in enumerate(root.findall("a:entry", A)):
        try:
            item = _entry(node, marks, categories[0])
        except ValueError as exc:
            log.warning("%s: skipping entry %d: %s", name, position, exc)
            feeds[0].bad_items.append(f"entry {position}: {exc}")
            continue
        homes = [f for f in feeds if _lists(item, f.category)] or feeds[:1]
        for feed in homes:
            feed.add(item)
    for feed in feeds:
        feed.announced = max((i.announced for i in feed.items if i.announced), default=None)
    return feeds
