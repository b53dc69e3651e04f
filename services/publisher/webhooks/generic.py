"""The `json` format: a Standard Webhooks payload, `{"type", "timestamp", "data"}`, one message per notice.

Text goes out as data, exactly as stored; the serialized body escapes <, > and & as \\u003c, \\u003e and
\\u0026 (the same JSON values), so a receiver that pastes the raw body into a page runs nothing.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from services.publisher.digest import Entry
from services.publisher.webhooks.notice import DIGEST_EVENT, Notice


def paper(rank: int, entry: Entry, api_url: str) -> dict[str, Any]:
    return {
        "id": entry.arxiv_id, "version": entry.version, "rank": rank, "title": entry.title,
        "authors": entry.authors, "abstract": entry.abstract, "categories": entry.categories,
        "category": entry.shown_category, "announced": entry.announced.isoformat() if entry.announced else None,
        "announce_type": entry.announce_type, "score": entry.score, "why": entry.why, "keywords": entry.keywords,
        "links": {"abs": entry.abs_url, "pdf": entry.pdf_url, "api": f"{api_url}/papers/{quote(entry.arxiv_id)}"},
        "summary": entry.summary if entry.summary_status == "done" else None,
        "summary_status": entry.summary_status,
    }


def render(notice: Notice) -> list[dict[str, Any]]:
    data: dict[str, Any] = {
        "profile": notice.profile,
        "run": {"id": notice.run_id, "announced": notice.announced.isoformat() if notice.announced else None},
        "digest": {"key": notice.digest_key, "url": notice.digest_url, "papers": notice.total},
    }
    papers = [paper(rank, entry, notice.api_url) for rank, entry in notice.entries]
    if notice.event == DIGEST_EVENT:
        data["papers"] = papers
    else:
        data["paper"] = papers[0]
    return [{"type": notice.event, "timestamp": notice.created.isoformat().replace("+00:00", "Z"), "data": data}]


def encode(body: dict[str, Any]) -> bytes:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode("utf-8")
