"""The `slack` format: Slack incoming-webhook messages built of Block Kit blocks.

Limits (api.slack.com/reference/block-kit): at most 50 blocks per message, a section's text at most 3,000
characters, a header's at most 150; the top-level `text` (the notification fallback) is kept under the
4,000 characters Slack recommends, and a whole message under the 40,000 beyond which Slack truncates.
Untrusted text is escaped for mrkdwn (&, <, >), so `<!channel>`, `<@U123>` and `<http://x|y>` show as
typed, and every text object is `verbatim`, so Slack does not turn bare names and URLs into mentions or
links either.
"""
from __future__ import annotations

from typing import Any

from services.publisher.digest import Entry
from services.publisher.webhooks.chat import (AUTHORS_CHARS, Message, authors_line, body_text, count, pack,
                                              part_label, safe_url, score_line)
from services.publisher.webhooks.notice import Notice
from services.publisher.webhooks.textfit import fit, one_line, utf16_len

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
FALLBACK_CHARS = 4000
TITLE_CHARS = 500
HEAD_BLOCKS = 2  # header and context, in every message
MESSAGE_CHARS = 40_000


def escape(char: str) -> str:
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;"}.get(char, char)


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text)}


def paper_blocks(rank: int, entry: Entry) -> list[dict[str, Any]]:
    title = fit(one_line(entry.title), TITLE_CHARS, escape)
    url = safe_url(entry.abs_url)
    heading = f"*{rank}. <{url}|{title}>*" if url else f"*{rank}. {title}*"
    # Each line is escaped and cut on its own; together they stay far below a section's 3,000.
    meta = [fit(authors_line(entry), AUTHORS_CHARS, escape), fit(score_line(entry), TITLE_CHARS, escape),
            fit(f"arXiv:{entry.arxiv_id}v{entry.version} · {entry.shown_category}", 200, escape)]
    text, limit = body_text(entry)
    return [section("\n".join([heading, *meta])), section(fit(text, min(limit, SECTION_CHARS), escape)),
            {"type": "divider"}]


def chars(blocks: list[dict[str, Any]]) -> int:
    return sum(utf16_len(block["text"]["text"]) for block in blocks if "text" in block)


def render(notice: Notice) -> list[Message]:
    papers = [paper_blocks(rank, entry) for rank, entry in notice.entries]
    # The header, context and fallback text of a message take well under 1,000 of its 40,000 characters.
    groups = pack(papers, lambda group: HEAD_BLOCKS + sum(len(blocks) for blocks in group) <= MAX_BLOCKS
                  and sum(chars(blocks) for blocks in group) <= MESSAGE_CHARS - 1000)
    link = safe_url(notice.digest_url)
    summary = count(notice.total) + (f" · <{link}|full digest>" if link else "")
    messages = []
    for index, group in enumerate(groups, start=1):
        label = part_label(index, len(groups))
        header = {"type": "header",
                  "text": {"type": "plain_text", "text": fit(notice.title() + label, HEADER_CHARS), "emoji": False}}
        context = {"type": "context", "elements": [mrkdwn(summary)]}
        messages.append({"text": fit(f"{notice.title()}{label}: {count(len(group))}", FALLBACK_CHARS, escape),
                         "blocks": [header, context, *[block for blocks in group for block in blocks]],
                         "unfurl_links": False, "unfurl_media": False})
    return messages
