"""A local OAI-PMH server (arXiv's ListRecords) over the real records of ../shared/data/arxiv/corpus.jsonl.gz.

A real HTTP server on 127.0.0.1, run in a thread like tests/servers.py's: pages of `page_size` records in
(datestamp, id) order (a paper's datestamp: `load_corpus`) with resumption tokens (the last page's token is
empty, as arXiv's), `from`, `until` and `set` honoured, `metadataPrefix` arXiv or arXivRaw, OAI-PMH errors as
arXiv words them (badArgument, badResumptionToken, noRecordsMatch, cannotDisseminateFormat). Every
`busy_every`-th request gets a 503 with `Retry-After: retry_after` (flow control). `times` holds each
request's arrival (time.time(), comparable across processes) and `log` what it asked and got, so a test can
check the delays a client kept.
"""
from __future__ import annotations

import gzip
import json
import threading
import time
from dataclasses import dataclass
from datetime import date
from html import escape
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.servers import _Quiet, _Server

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n<responseDate>2026-11-29T00:00:00Z</responseDate>\n')


# arXiv's OAI-PMH records were all stamped anew on this day (the real 2016 pages show papers of 1999 with it):
# no datestamp is older.
RESTAMPED = "2007-05-23"


def load_corpus(path: Path) -> list[dict]:
    """The corpus's papers, each with its `datestamp` and a `version` (unknown in the corpus for most: 1)."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        papers = [json.loads(line) for line in lines]
    for paper in papers:
        paper["version"] = paper["version"] or 1
        paper["datestamp"] = max(paper["published"], RESTAMPED)
    return papers


def _arxiv(paper: dict) -> str:
    authors = "".join(_author(name) for name in paper["authors"])
    updated = f"<updated>{paper['published']}</updated>" if paper["version"] > 1 else ""
    return (f'<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>{paper["id"]}</id><created>{paper["published"]}'
            f'</created>{updated}<authors>{authors}</authors><title>{escape(paper["title"], False)}</title>'
            f'<categories>{escape(" ".join(paper["categories"]), False)}</categories>'
            f'<abstract>{escape(paper["abstract"], False)}</abstract></arXiv>')


def _author(name: str) -> str:
    forenames, _, keyname = name.rpartition(" ")
    fore = f"<forenames>{escape(forenames, False)}</forenames>" if forenames else ""
    return f"<author><keyname>{escape(keyname, False)}</keyname>{fore}</author>"


def _raw(paper: dict) -> str:
    day = date.fromisoformat(paper["published"]).strftime("%a, %d %b %Y 12:00:00 GMT")
    versions = "".join(f'<version version="v{n}"><date>{day}</date><size>1kb</size></version>'
                       for n in range(1, paper["version"] + 1))
    return (f'<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>{paper["id"]}</id>{versions}'
            f'<title>{escape(paper["title"], False)}</title><authors>{escape(", ".join(paper["authors"]), False)}'
            f'</authors><categories>{escape(" ".join(paper["categories"]), False)}</categories>'
            f'<abstract>{escape(paper["abstract"], False)}</abstract></arXivRaw>')


def _record(paper: dict, prefix: str) -> str:
    # Some corpus papers (from third-party crawls) have no categories, or ACM/MSC classes among them: served as
    # they are, so the client meets them.
    spec = "".join(f"<setSpec>{c.split('.')[0]}</setSpec>" for c in paper["categories"][:1])
    return (f'<record><header><identifier>oai:arXiv.org:{paper["id"]}</identifier><datestamp>{paper["datestamp"]}'
            f'</datestamp>{spec}</header><metadata>'
            f'{_arxiv(paper) if prefix == "arXiv" else _raw(paper)}</metadata></record>\n')


def _in_set(paper: dict, spec: str) -> bool:
    archive = spec.split(":")[-1]
    return any(c == archive or c.startswith(archive + ".") for c in paper["categories"])


@dataclass
class _Query:
    prefix: str
    ids: list[int]  # positions in the server's sorted papers


class OaiServer(_Server):
    def __init__(self, papers: list[dict], page_size: int = 1000, busy_every: int = 0, retry_after: int = 1):
        self.papers = sorted(papers, key=lambda p: (p["datestamp"], p["id"]))
        self.page_size, self.busy_every, self.retry_after = page_size, busy_every, retry_after
        self.rendered: dict[str, list[str]] = {}
        self.queries: dict[str, _Query] = {}
        self.times: list[float] = []
        self.log: list[tuple[dict[str, str], int]] = []  # (query, status)
        self.lock = threading.Lock()
        super().__init__(_OaiHandler)
        self.httpd.daemon_threads = True

    @property
    def base(self) -> str:
        return self.url + "/oai"

    def records(self, prefix: str) -> list[str]:
        with self.lock:
            if prefix not in self.rendered:
                self.rendered[prefix] = [_record(p, prefix) for p in self.papers]
            return self.rendered[prefix]

    def statuses(self) -> list[int]:
        return [status for _, status in self.log]


class _OaiHandler(_Quiet):
    server: ThreadingHTTPServer

    def error(self, query: dict[str, str], code: str, text: str) -> None:
        body = (f'{HEAD}<request verb="ListRecords">http://127.0.0.1/oai</request>\n<error code="{code}">'
                f'{escape(text)}</error>\n</OAI-PMH>\n').encode()
        self.answer(query, 200, body)

    def answer(self, query: dict[str, str], status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        owner: OaiServer = self.server.owner  # type: ignore[attr-defined]
        with owner.lock:
            owner.log.append((query, status))
        self.reply(status, body, "text/xml; charset=utf-8", headers)

    def do_GET(self) -> None:  # noqa: N802
        owner: OaiServer = self.server.owner  # type: ignore[attr-defined]
        with owner.lock:
            owner.times.append(time.time())
            count = len(owner.times)
        query = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
        if owner.busy_every and count % owner.busy_every == 0:
            return self.answer(query, 503, b"<html><body>Retry after a moment</body></html>",
                               {"Retry-After": str(owner.retry_after)})
        if query.get("verb") != "ListRecords":
            return self.error(query, "badVerb", "Illegal verb")
        if "resumptionToken" in query:
            name, _, offset = query["resumptionToken"].partition("|")
            with owner.lock:
                found = owner.queries.get(name)
            if found is None or not offset.isdigit():
                return self.error(query, "badResumptionToken", f"Bad resumption token {query['resumptionToken']}")
            return self.page(query, name, found, int(offset))
        prefix = query.get("metadataPrefix", "")
        if prefix not in ("arXiv", "arXivRaw"):
            return self.error(query, "cannotDisseminateFormat" if prefix else "badArgument",
                              f"metadataPrefix {prefix!r} is not supported")
        try:
            low = date.fromisoformat(query["from"]).isoformat() if "from" in query else ""
            high = date.fromisoformat(query["until"]).isoformat() if "until" in query else "9999"
        except ValueError:
            return self.error(query, "badArgument", "Illegal date format in from or until")
        ids = [i for i, p in enumerate(owner.papers) if low <= p["datestamp"] <= high
               and ("set" not in query or _in_set(p, query["set"]))]
        if not ids:
            return self.error(query, "noRecordsMatch", "No records match")
        name = str(len(owner.queries) + 1_000_000)
        with owner.lock:
            owner.queries[name] = _Query(prefix, ids)
        self.page(query, name, owner.queries[name], 0)

    def page(self, query: dict[str, str], name: str, found: _Query, offset: int) -> None:
        owner: OaiServer = self.server.owner  # type: ignore[attr-defined]
        rendered = owner.records(found.prefix)
        chosen = found.ids[offset:offset + owner.page_size]
        end = offset + len(chosen)
        token = f"{name}|{end}" if end < len(found.ids) else ""
        body = "".join([HEAD, '<request verb="ListRecords">http://127.0.0.1/oai</request>\n<ListRecords>\n',
                        *(rendered[i] for i in chosen),
                        f'<resumptionToken cursor="{offset}" completeListSize="{len(found.ids)}">{token}'
                        '</resumptionToken>\n</ListRecords>\n</OAI-PMH>\n'])
        self.answer(query, 200, body.encode())
