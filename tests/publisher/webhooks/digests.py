"""Digests for the webhook tests: hostile text everywhere, and long ones that no chat message can hold."""
from __future__ import annotations

from datetime import date, datetime, timezone

from services.publisher.digest import Digest
from services.publisher.webhooks.notice import Notice, notices
from tests.publisher.entries import digest, entry

HOSTILE = ("<script>alert(1)</script> & [click me](http://evil.example/x) <!channel> <!here> @everyone @here "
           "<@U123> <#C1> <at id=all></at> <at user_id=\"all\">all</at> **bold** `code` ~strike~ ||spoiler||")
# Long and unfriendly to cutting: 4-byte emoji, a ZWJ family, a flag, combining accents, CJK, entities.
LONG_SUMMARY = ("## Summary\n" + "Résumé with e\u0301 accents, 中文摘要, 👩‍👩‍👧 families and 🇫🇷 flags & <tags>. " * 60)
NOW = datetime(2024, 11, 28, 12, 0, tzinfo=timezone.utc)


def hostile_digest(papers: int = 2, profile: str = "default") -> Digest:
    entries = [entry(n, title=f"Paper {n} {HOSTILE}", abstract=f"Abstract {HOSTILE}",
                     authors=[f"Mallory <@U{n}> @everyone", "Ada Lovelace"], summary=f"Summary {HOSTILE}",
                     summary_status="done", why=f"LLM (title), {HOSTILE}") for n in range(1, papers + 1)]
    return digest(*entries, profile=profile)


def long_digest(papers: int = 30) -> Digest:
    entries = [entry(n, title=f"Paper {n}: " + "A very long title about efficient LLM inference " * 8,
                     authors=[f"Author {i}" for i in range(60)], summary=LONG_SUMMARY, summary_status="done",
                     why="LLM (title), inference, KV cache") for n in range(1, papers + 1)]
    return digest(*entries)


def digest_notice(d: Digest, per: str = "digest") -> list[Notice]:
    return [n for _, _, n in notices(d, per, "k" * 64, date(2024, 11, 28), "http://publisher.example:8004", NOW)]
