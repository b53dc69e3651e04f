"""The `feishu` format: a Feishu (Lark) custom-bot interactive card per message.

Limit: a custom bot's request body is at most 20 KB (open.feishu.cn, "custom bot usage guide"); a digest
that does not fit is split across several cards, measured in UTF-8 bytes of the body as sent (with room for
the signature fields). Untrusted text only ever goes into `plain_text` elements, which Feishu shows as typed
(no Markdown, no links); a zero-width space after each `<` also keeps `<at id=all></at>` from ever being
read as a mention. Links are buttons built from URLs that passed chat.safe_url.
"""
from __future__ import annotations

import json
from typing import Any

from services.publisher.digest import Entry
from services.publisher.webhooks.chat import (AUTHORS_CHARS, Message, authors_line, body_text, pack, part_label,
                                              safe_url, score_line)
from services.publisher.webhooks.notice import Notice
from services.publisher.webhooks.textfit import fit, one_line, utf8_len

MAX_BODY_BYTES = 20 * 1024
SIGNATURE_ROOM = 200  # "timestamp" and "sign", added at send time
HEADER_CHARS = 100


def escape(char: str) -> str:
    return "<\u200b" if char == "<" else char


def plain(value: str, limit: int) -> dict[str, Any]:
    return {"tag": "div", "text": {"tag": "plain_text", "content": fit(value, limit, escape)}}


def button(label: str, url: str) -> dict[str, Any]:
    return {"tag": "button", "text": {"tag": "plain_text", "content": label}, "type": "default", "url": url}


def paper_elements(rank: int, entry: Entry) -> list[dict[str, Any]]:
    body, limit = body_text(entry)
    elements = [plain(f"{rank}. {one_line(entry.title)}", 500),
                plain(f"{fit(authors_line(entry), AUTHORS_CHARS)}\n{score_line(entry)}", 1000),
                plain(body, limit)]
    links = [button(label, url) for label, url in (("arXiv", safe_url(entry.abs_url)),
                                                   ("PDF", safe_url(entry.pdf_url))) if url]
    if links:
        elements.append({"tag": "action", "actions": links})
    return elements + [{"tag": "hr"}]


def card(title: str, elements: list[dict[str, Any]]) -> Message:
    return {"msg_type": "interactive",
            "card": {"config": {"wide_screen_mode": True},
                     "header": {"title": {"tag": "plain_text", "content": fit(title, HEADER_CHARS, escape)},
                                "template": "blue"},
                     "elements": elements}}


def size(message: Message) -> int:
    return utf8_len(json.dumps(message, ensure_ascii=False, separators=(",", ":")))


def render(notice: Notice) -> list[Message]:
    papers = [paper_elements(rank, entry) for rank, entry in notice.entries]
    title = notice.title() + " (99/99)"  # the longest label a part can get, so measuring here is safe
    link = safe_url(notice.digest_url)
    footer = [{"tag": "action", "actions": [button("Full digest", link)]}] if link else []
    groups = pack(papers, lambda group: size(card(title, [e for p in group for e in p] + footer))
                  <= MAX_BODY_BYTES - SIGNATURE_ROOM)
    return [card(f"{notice.title()}{part_label(index, len(groups))}",
                 [e for paper in group for e in paper] + footer)
            for index, group in enumerate(groups, start=1)]
