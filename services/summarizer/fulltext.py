"""A paper's text for its summary: arXiv's HTML rendering, else its PDF, else only the abstract.

Every download is bounded in size (`fulltext_max_*_bytes`, refused as soon as the body passes it) and in
time (`fulltext_timeout_seconds`), and at most `fulltext_concurrency` run at once in the process. Parsing
runs in a worker thread, so a large page never stalls the event loop. Nothing here raises: whatever goes
wrong, the paper is summarized from its abstract and the reason is kept for the digest's label.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from shared.models import Paper
from shared.runtime import Env

from services.fetcher.download import DownloadError, download
from services.summarizer.document import Section, UnreadableText
from services.summarizer.html_text import extract_html
from services.summarizer.pdf_text import extract_pdf

log = logging.getLogger(__name__)
MISSING = "no full text available"


@dataclass(frozen=True)
class FullText:
    source: str  # html | pdf | abstract
    sections: list[Section] = field(default_factory=list)
    detail: str | None = None  # for the abstract: why, in a reader's words
    pdf: bytes | None = None  # the file itself, for providers that read PDFs (DashScope's file mode)
    more_pages: bool = False  # the PDF had more pages than were read


def _download_reason(error: Exception) -> str:
    message = str(error)
    if isinstance(error, TimeoutError):
        return "arXiv did not answer in time"
    if "HTTP 404" in message or "HTTP 410" in message:
        return MISSING
    if "limit" in message:
        return "the full text is larger than the download limit"
    return "arXiv could not be reached"


async def _get(env: Env, url: str, max_bytes: int) -> bytes:
    slots = env.resources.setdefault("fulltext-slots", asyncio.Semaphore(env.settings.fulltext_concurrency))
    # The outer timeout is the one that ends a slow full text ("arXiv did not answer in time"); the download's
    # own deadlines only back it up.
    limit = env.settings.fulltext_timeout_seconds
    async with slots, asyncio.timeout(limit):
        return await download(env.http, url, max_bytes=max_bytes, retries=env.settings.http_retries,
                              deadline=env.settings.http_deadline_seconds, total_deadline=limit + 1)


async def _html(env: Env, paper: Paper) -> FullText:
    url = f"{env.settings.arxiv_base_url.rstrip('/')}/html/{paper.arxiv_id}v{paper.version}"
    data = await _get(env, url, env.settings.fulltext_max_html_bytes)
    sections = await asyncio.to_thread(extract_html, data, env.settings.fulltext_max_chars)
    return FullText("html", sections)


async def _pdf(env: Env, paper: Paper) -> FullText:
    url = f"{env.settings.arxiv_base_url.rstrip('/')}/pdf/{paper.arxiv_id}v{paper.version}"
    data = await _get(env, url, env.settings.fulltext_max_pdf_bytes)
    sections, more = await asyncio.to_thread(extract_pdf, data, env.settings.fulltext_max_pages,
                                             env.settings.fulltext_max_chars)
    return FullText("pdf", sections, pdf=data, more_pages=more)


async def full_text(env: Env, paper: Paper, pdf_first: bool = False) -> FullText:
    """The fullest text there is. `pdf_first` for providers that want the file itself."""
    reasons: dict[str, str] = {}
    for kind, reader in [("pdf", _pdf), ("html", _html)] if pdf_first else [("html", _html), ("pdf", _pdf)]:
        try:
            return await reader(env, paper)
        except UnreadableText as exc:
            reasons[kind] = exc.reason
            log.info("%s of %sv%d unusable: %s", kind, paper.arxiv_id, paper.version, exc)
        except (DownloadError, TimeoutError) as exc:
            reasons[kind] = _download_reason(exc)
            log.info("%s of %sv%d not downloaded: %s", kind, paper.arxiv_id, paper.version, exc or "timed out")
        except Exception:  # noqa: BLE001 - a parser's bug on one hostile file must not cost the paper its summary
            reasons[kind] = "the full text could not be read"
            log.exception("%s of %sv%d: unexpected error while reading it", kind, paper.arxiv_id, paper.version)
    # The PDF's reason says most ("encrypted" rather than the HTML's "missing"), unless it is missing too.
    detail = next((reasons[k] for k in ("pdf", "html") if reasons[k] != MISSING), MISSING)
    if detail != MISSING:
        log.warning("full text of %sv%d unusable (%s): summarizing its abstract", paper.arxiv_id, paper.version,
                    "; ".join(f"{k}: {r}" for k, r in reasons.items()))
    return FullText("abstract", detail=detail)
