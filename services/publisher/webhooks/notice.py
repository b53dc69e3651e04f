"""What one webhook message tells: a published digest, or one paper of it. Pure data, built from a Digest."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from services.publisher.digest import Digest, Entry

DIGEST_EVENT = "digest.published"
PAPER_EVENT = "paper.published"


@dataclass(frozen=True)
class Notice:
    event: str
    profile: str
    run_id: str
    announced: date | None
    digest_key: str
    digest_url: str  # the profile's README on this publisher
    api_url: str  # the API's base, for each paper's own link
    created: datetime
    entries: list[tuple[int, Entry]] = field(default_factory=list)  # (rank, entry)
    total: int = 0  # papers in the whole digest

    def title(self) -> str:
        day = self.announced.isoformat() if self.announced else "latest"
        return f"arXiv digest · {self.profile} · {day}"


def notices(digest: Digest, per: str, key: str, announced: date | None, public_url: str,
            created: datetime) -> list[tuple[str, str | None, Notice]]:
    """(dedupe key, arXiv id, notice) of each message a subscription gets for this digest: the digest as one,
    or each paper as its own (keyed by paper, so a paper selected again on a later day is not sent twice)."""
    base = public_url.rstrip("/")
    readme = f"{base}/readme" if digest.profile == "default" else f"{base}/profiles/{digest.profile}/readme"
    ranked = list(enumerate(digest.entries, start=1))

    def notice(event: str, entries: list[tuple[int, Entry]]) -> Notice:
        return Notice(event=event, profile=digest.profile, run_id=digest.run_id, announced=announced,
                      digest_key=key, digest_url=readme, api_url=f"{base}/api/v1", created=created,
                      entries=entries, total=len(ranked))

    if per == "digest":
        return [(f"digest:{key}", None, notice(DIGEST_EVENT, ranked))] if ranked else []
    return [(f"paper:{entry.arxiv_id}", entry.arxiv_id, notice(PAPER_EVENT, [(rank, entry)]))
            for rank, entry in ranked]
