"""README.md in the reference bot's layout, so its users find what they know. Pure rendering.

Every value from outside (arXiv's fields, the LLM's answer, the config) goes through services/publisher/
markdown.py: `inline` for fields, `block` for an answer. One function per block of the page, so a new
field of an entry is one more function, not an edit through the template.
"""
from __future__ import annotations

from datetime import datetime, timezone

from services.publisher.digest import Digest, Entry, cost_line, summary_label
from services.publisher.markdown import block, inline, link

ABSTRACT_CHARS = 300


def short_abstract(abstract: str) -> str:
    text = " ".join(abstract.split())
    return text[:ABSTRACT_CHARS] + "..." if len(text) > ABSTRACT_CHARS else text


def _header(digest: Digest, updated: datetime) -> list[str]:
    return [
        "# arXiv Papers Bot 🤖",
        "",
        "This repository automatically fetches and displays relevant papers from arXiv based on configured criteria.",
        "",
        "## 📊 Statistics",
        "",
        f"- **Last Updated**: {updated.astimezone(timezone.utc).strftime('%Y-%m-%d %H:%M:%S')} UTC",
        f"- **Total Papers Found**: {len(digest.entries)}",
        f"- **Categories Monitored**: {inline(', '.join(digest.categories))}",
        "",
        "## 📚 Recent Papers",
        "",
    ]


def _heading(number: int, entry: Entry) -> list[str]:
    return [f"### {number}. {link(entry.title, entry.abs_url)}", ""]


def _facts(entry: Entry) -> list[str]:
    # One paragraph of "**Label**: value" lines, each ending in two spaces (a line break), as the reference.
    return [
        f"**Authors**: {inline(', '.join(entry.authors))}  ",
        f"**Category**: {inline(entry.shown_category)}  ",
        f"**Published**: {entry.announced.isoformat() if entry.announced else 'unknown'}  ",
        f"**Score**: {float(entry.score)}  ",
        *([f"**Why**: {inline(entry.why)}  "] if entry.why else []),
        f"**Type**: {inline(entry.announce_type)}  ",
        f"**ArXiv ID**: {inline(f'{entry.arxiv_id}v{entry.version}')}  ",
        "",
    ]


def _abstract(entry: Entry) -> list[str]:
    return ["#### Abstract", inline(short_abstract(entry.abstract)), ""]


def _summary(entry: Entry, model: str) -> list[str]:
    if entry.summary_status != "done" or not entry.summary:
        return []
    # block() returns the answer with a blank line on each side: </details> always closes this block.
    label = [f"*{inline(summary_label(entry))}*", ""] if summary_label(entry) else []
    return ["<details>", f"<summary><strong>🤖 AI Summary (by {inline(model)})</strong> - Click to expand</summary>",
            block(entry.summary), *label, "</details>", ""]


def _entry(number: int, entry: Entry, model: str) -> list[str]:
    return [*_heading(number, entry), *_facts(entry), *_abstract(entry), *_summary(entry, model), "---", ""]


def _near_misses(digest: Digest) -> list[str]:
    if not digest.near_misses:
        return []
    lines = ["## 🔍 Near misses", "", "Just below the cut:", ""]
    for entry in digest.near_misses:
        why = f" ({inline(entry.why)})" if entry.why else ""
        lines.append(f"- {link(entry.title, entry.abs_url)}: score {float(entry.score)}{why}")
    return lines + ["", "---", ""]


def _configuration(digest: Digest) -> list[str]:
    return [
        "## 🔧 Configuration",
        "",
        "This bot is configured to look for papers containing the following keywords:",
        f"- {inline(', '.join(digest.keywords))}",
        "",
        "---",
        *([f"*{inline(cost_line(digest))}*", ""] if cost_line(digest) else []),
        "*Generated automatically by arXiv Bot*",
        "",
    ]


def render_readme(digest: Digest, updated: datetime) -> str:
    lines = _header(digest, updated)
    if not digest.entries and digest.near_misses:  # papers matched, none scored enough: say where they are
        lines += ["No paper scored enough to be listed in this announcement (`min_score` in config.json); the "
                  "closest are under Near misses below.", "", "---", ""]
    elif not digest.entries:
        lines += ["No paper matched the configured keywords in this announcement.", "", "---", ""]
    for number, entry in enumerate(digest.entries, start=1):
        lines += _entry(number, entry, digest.model)
    return "\n".join(lines + _near_misses(digest) + _configuration(digest))
