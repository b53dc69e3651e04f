"""README.md in the reference bot's layout, so its users find what they know. Pure rendering."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from services.publisher.digest import Digest, Entry, cost_line, summary_label

ABSTRACT_CHARS = 300


def plain(text: str) -> str:
    """Text for Markdown: whitespace folded, raw HTML shown as text rather than run."""
    return " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def md_text(text: str) -> str:
    """Text inside a Markdown link label: brackets escaped so a title cannot end the link early."""
    return plain(text).replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def short_abstract(abstract: str) -> str:
    text = " ".join(abstract.split())
    return text[:ABSTRACT_CHARS] + "..." if len(text) > ABSTRACT_CHARS else text


def _summary_block(entry: Entry, model: str) -> list[str]:
    if entry.summary_status != "done" or not entry.summary:
        return []
    # A summary is the model's Markdown; only a <details> tag of its own could open or close blocks around it.
    body = re.sub(r"<(?=\s*/?\s*details)", "&lt;", entry.summary, flags=re.I)
    label = [f"*{summary_label(entry)}*", ""] if summary_label(entry) else []
    return ["<details>", f"<summary><strong>🤖 AI Summary (by {plain(model)})</strong> - Click to expand</summary>",
            "", body, "", *label, "</details>", ""]


def _entry(number: int, entry: Entry, model: str) -> list[str]:
    return [
        f"### {number}. [{md_text(entry.title)}]({entry.abs_url})",
        "",
        f"**Authors**: {plain(', '.join(entry.authors))}  ",
        f"**Category**: {entry.shown_category}  ",
        f"**Published**: {entry.announced.isoformat() if entry.announced else 'unknown'}  ",
        f"**Score**: {float(entry.score)}  ",
        *([f"**Why**: {plain(entry.why)}  "] if entry.why else []),
        f"**Type**: {entry.announce_type}  ",
        f"**ArXiv ID**: {entry.arxiv_id}v{entry.version}  ",
        "",
        "#### Abstract",
        plain(short_abstract(entry.abstract)),
        "",
        *_summary_block(entry, model),
        "---",
        "",
    ]


def _near_misses(digest: Digest) -> list[str]:
    if not digest.near_misses:
        return []
    lines = ["## 🔍 Near misses", "", "Just below the cut:", ""]
    for entry in digest.near_misses:
        why = f" ({plain(entry.why)})" if entry.why else ""
        lines.append(f"- [{md_text(entry.title)}]({entry.abs_url}): score {float(entry.score)}{why}")
    return lines + ["", "---", ""]


def render_readme(digest: Digest, updated: datetime) -> str:
    lines = [
        "# arXiv Papers Bot 🤖",
        "",
        "This repository automatically fetches and displays relevant papers from arXiv based on configured criteria.",
        "",
        "## 📊 Statistics",
        "",
        f"- **Last Updated**: {updated.astimezone(timezone.utc).strftime('%Y-%m-%d %H:%M:%S')} UTC",
        f"- **Total Papers Found**: {len(digest.entries)}",
        f"- **Categories Monitored**: {', '.join(digest.categories)}",
        "",
        "## 📚 Recent Papers",
        "",
    ]
    if not digest.entries:
        lines += ["No paper matched the configured keywords in this announcement.", "", "---", ""]
    for number, entry in enumerate(digest.entries, start=1):
        lines += _entry(number, entry, digest.model)
    lines += _near_misses(digest)
    lines += [
        "## 🔧 Configuration",
        "",
        "This bot is configured to look for papers containing the following keywords:",
        f"- {plain(', '.join(digest.keywords))}",
        "",
        "---",
        *([f"*{cost_line(digest)}*", ""] if cost_line(digest) else []),
        "*Generated automatically by arXiv Bot*",
        "",
    ]
    return "\n".join(lines)
