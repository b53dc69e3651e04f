"""The reference-compatible RSS 2.0 of one digest (what /rss and /rss/{category} serve, and `run --once` writes
as feed.xml): the day's selection only, an item per paper version. Pure rendering."""
from __future__ import annotations

from datetime import datetime, time, timezone
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

from shared.xmlchars import drop_illegal_xml_chars

from services.publisher.digest import Digest, Entry, summary_label
from services.publisher.feeds.xmltext import reuse

def x(text: str) -> str:
    # Characters XML cannot carry even escaped are dropped rather than making the whole feed unreadable.
    return escape(drop_illegal_xml_chars(text))


def _description(entry: Entry) -> str:
    parts = [f"<p><b>Score</b> {entry.score} · <b>Keywords</b> {x(', '.join(entry.keywords))}</p>",
             f"<p>{x(' '.join(entry.abstract.split()))}</p>"]
    if entry.summary_status == "done" and entry.summary:
        parts.append(f"<h4>AI summary</h4><pre>{x(entry.summary)}</pre>")
        if summary_label(entry):
            parts.append(f"<p><i>{x(summary_label(entry))}</i></p>")
    return "".join(parts)


def _item(entry: Entry) -> str:
    published = datetime.combine(entry.announced, time(0), timezone.utc) if entry.announced else None
    lines = ["    <item>",
             f"      <title>{x(' '.join(entry.title.split()))}</title>",
             f"      <link>{x(entry.abs_url)}</link>",
             f"      <description>{x(_description(entry))}</description>",
             f'      <guid isPermaLink="false">oai:arXiv.org:{x(entry.arxiv_id)}v{entry.version}</guid>']
    lines += [f"      <category>{x(c)}</category>" for c in entry.categories]
    if published:
        lines.append(f"      <pubDate>{format_datetime(published)}</pubDate>")
    lines.append(f"      <dc:creator>{x(', '.join(entry.authors))}</dc:creator>")
    lines.append("    </item>")
    return "\n".join(lines)


def render_rss(digest: Digest, updated: datetime, self_url: str, category: str | None = None,
               built: dict[int, str] | None = None) -> str:
    """`built`: the items already rendered for another feed of the same digest (the whole and each category)."""
    entries = digest.in_category(category) if category else digest.entries
    scope = category or ", ".join(digest.categories)
    head = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">',
        "  <channel>",
        f"    <title>{x(f'arXiv papers bot: {scope}')}</title>",
        f"    <link>{x(self_url)}</link>",
        f"    <description>{x(f'Papers on {scope} matching the configured keywords, ranked by score')}</description>",
        f"    <atom:link href={quoteattr(self_url)} rel=\"self\" type=\"application/rss+xml\"/>",
        "    <language>en-us</language>",
        f"    <lastBuildDate>{format_datetime(updated.astimezone(timezone.utc))}</lastBuildDate>",
        "    <generator>arxiv-bot</generator>",
    ]
    return "\n".join(head + [reuse(built, e, _item) for e in entries] + ["  </channel>", "</rss>", ""])
