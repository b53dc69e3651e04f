"""Small arXiv-layout RSS feeds built in tests, so each test states exactly the items it needs."""
from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">
  <channel>
    <title>{category} updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/{category}</link>
    <description>{category} updates on the arXiv.org e-print archive.</description>
    <pubDate>{pub}</pubDate>
"""
ITEM = """    <item>
      <title>{title}</title>
      <link>https://arxiv.org/abs/{id}</link>
      <description>arXiv:{id}v{version} Announce Type: {type}{space}
Abstract: {abstract}</description>
      <guid isPermaLink="false">oai:arXiv.org:{id}v{version}</guid>
{categories}      <pubDate>{pub}</pubDate>
      <arxiv:announce_type>{type}</arxiv:announce_type>
      <dc:creator>{authors}</dc:creator>
    </item>
"""
PUB = "Thu, 28 Nov 2024 00:00:00 -0500"


@dataclass
class Item:
    id: str
    title: str
    abstract: str = "We study things."
    categories: list[str] = field(default_factory=lambda: ["cs.LG"])
    type: str = "new"
    version: int = 1
    authors: str = "Ada Lovelace, Alan Turing"


def feed(category: str, items: list[Item], pub: str = PUB, built: str | None = None) -> bytes:
    body = HEAD.format(category=category, pub=pub)
    if built:
        body += f"    <lastBuildDate>{built}</lastBuildDate>\n"
    for item in items:
        categories = "".join(f"      <category>{escape(c)}</category>\n" for c in item.categories)
        # arXiv's real description has a space before its line break.
        body += ITEM.format(space=" ", id=item.id, version=item.version, type=item.type, title=escape(item.title),
                            abstract=escape(item.abstract), categories=categories, pub=pub,
                            authors=escape(item.authors))
    return (body + "  </channel>\n</rss>\n").encode()


EMPTY = feed("cs.AI", [])
ERROR = b"""<?xml version='1.0' encoding='UTF-8'?>
<rss version="2.0"><channel><title>Feed error for query: http://rss.arxiv.org/rss/astroph</title>
<description>Valid archives are: cs, math, physics</description></channel></rss>"""


ATOM_HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" \
xmlns="http://www.w3.org/2005/Atom" xml:lang="en-us">
  <id>http://rss.arxiv.org/atom/{query}</id>
  <title>{title}</title>
  <updated>{updated}</updated>
"""
ATOM_ENTRY = """  <entry>
    <id>oai:arXiv.org:{id}v{version}</id>
    <title>{title}</title>
    <updated>{updated}</updated>
    <link href="https://arxiv.org/abs/{id}" rel="alternate" type="text/html"/>
    <summary>arXiv:{id}v{version} Announce Type: {type}
Abstract: {abstract}</summary>
{categories}    <published>2024-11-28T00:00:00-05:00</published>
    <arxiv:announce_type>{type}</arxiv:announce_type>
    <dc:creator>{authors}</dc:creator>
  </entry>
"""
UPDATED = "2024-11-28T05:00:19.866337+00:00"


def atom(query: str, items: list[Item], updated: str = UPDATED, title: str | None = None) -> bytes:
    """arXiv's Atom announcement feed for `query` (categories joined with +), in its real layout."""
    body = ATOM_HEAD.format(query=query, title=escape(title or f"{query} updates on arXiv.org"), updated=updated)
    for item in items:
        categories = "".join(f'    <category term="{escape(c)}"/>\n' for c in item.categories)
        body += ATOM_ENTRY.format(id=item.id, version=item.version, type=item.type, title=escape(item.title),
                                  abstract=escape(item.abstract), categories=categories, updated=updated,
                                  authors=escape(item.authors))
    return (body + "</feed>\n").encode()
