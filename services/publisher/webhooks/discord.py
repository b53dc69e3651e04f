"""The `discord` format: Discord webhook messages with one embed per paper.

Limits (discord.com/developers/docs/resources/message#embed-object-embed-limits): `content` at most 2,000
characters; at most 10 embeds per message; an embed's title at most 256, description 4,096, footer 2,048;
all embeds of a message together at most 6,000. Mentions are off for the whole message
(`allowed_mentions: {"parse": []}`), and untrusted text is escaped too: Markdown characters get a
backslash (so `[x](http://evil)` is not a link) and `@everyone` / `@here` a zero-width space.
"""
from __future__ import annotations

import re
from typing import Any

from services.publisher.digest import Entry
from services.publisher.webhooks.chat import (AUTHORS_CHARS, Message, authors_line, body_text, count, pack,
                                              part_label, safe_url, score_line)
from services.publisher.webhooks.notice import Notice
from services.publisher.webhooks.textfit import fit, one_line, utf16_len

CONTENT_CHARS = 2000
MAX_EMBEDS = 10
TITLE_CHARS = 256
DESCRIPTION_CHARS = 4096
FOOTER_CHARS = 2048
MESSAGE_EMBED_CHARS = 6000
COLOR = 0xB31B1B
MARKDOWN = set("\\*_~`|<>[]()#-")
MASS_MENTION = re.compile(r"@(?=everyone|here)")


def escape(char: str) -> str:
    return "\\" + char if char in MARKDOWN else char


def text(value: str, limit: int) -> str:
    return fit(MASS_MENTION.sub("@\u200b", value), limit, escape)


def embed_chars(embed: dict[str, Any]) -> int:
    return sum(utf16_len(embed.get(key, "")) for key in ("title", "description")) \
        + utf16_len(embed.get("footer", {}).get("text", ""))


def paper_embed(rank: int, entry: Entry) -> dict[str, Any]:
    body, limit = body_text(entry)
    # Each piece is cut on its own; together they stay below the 4,096 a description may hold.
    description = "\n".join([text(authors_line(entry), AUTHORS_CHARS), text(score_line(entry), 500), "",
                             text(body, limit)])
    embed: dict[str, Any] = {"title": text(f"{rank}. {one_line(entry.title)}", TITLE_CHARS),
                             "description": description, "color": COLOR,
                             # Footers show no Markdown (a backslash would show): ids and categories need none.
                             "footer": {"text": fit(f"arXiv:{entry.arxiv_id}v{entry.version} · "
                                                    f"{entry.shown_category}", 200)}}
    url = safe_url(entry.abs_url)
    if url:
        embed["url"] = url
    return embed


def render(notice: Notice) -> list[Message]:
    embeds = [paper_embed(rank, entry) for rank, entry in notice.entries]
    groups = pack(embeds, lambda group: len(group) <= MAX_EMBEDS
                  and sum(embed_chars(e) for e in group) <= MESSAGE_EMBED_CHARS)
    link = safe_url(notice.digest_url)
    messages = []
    for index, group in enumerate(groups, start=1):
        # Built from trusted parts only (profile names are [a-z0-9-], dates, counts): nothing to escape.
        content = fit(f"{notice.title()}{part_label(index, len(groups))} · {count(notice.total)}", 400)
        if link and utf16_len(content) + len(link) + 5 <= CONTENT_CHARS:
            content += f" · <{link}>"
        messages.append({"content": content, "embeds": group, "allowed_mentions": {"parse": []}})
    return messages
