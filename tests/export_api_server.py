"""A local export API (export.arxiv.org/api/query) over real answers from ../shared/data/arxiv/atom_api."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from tests.servers import _Quiet, _Server


class FakeApi(_Server):
    """/api/query over the 100 real entries of one search: `start`/`max_results` slice them, `id_list` picks
    by id (unknown ids left out, malformed ones the real HTTP 400 body), as the export API does."""

    def __init__(self, folder: Path):
        tree = etree.parse(str(folder / "api2026_search_testing_start0_max100.xml"))
        atom = "{http://www.w3.org/2005/Atom}"
        self.entries = [(e.findtext(f"{atom}id").rsplit("/", 1)[1].split("v")[0], etree.tostring(e).decode())
                         for e in tree.getroot().iter(f"{atom}entry")]
        self.error = (folder / "api2026_idlist_abc_error_http400.xml").read_bytes()
        self.queries: list[dict[str, str]] = []
        self.agents: list[str] = []
        super().__init__(_ApiHandler)


class _ApiHandler(_Quiet):
    def do_GET(self) -> None:  # noqa: N802
        owner: FakeApi = self.server.owner  # type: ignore[attr-defined]
        query = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
        owner.queries.append(query)
        owner.agents.append(self.headers.get("User-Agent", ""))
        if "id_list" in query:
            ids = query["id_list"].split(",")
            if any(not i[:1].isdigit() for i in ids):
                return self.reply(400, owner.error, "application/atom+xml")
            chosen = [xml for key, xml in owner.entries if key in ids]
            total = len(chosen)
        else:
            start, size = int(query.get("start", 0)), int(query.get("max_results", 10))
            chosen, total = [xml for _, xml in owner.entries][start:start + size], len(owner.entries)
        body = ('<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
                f'<opensearch:totalResults>{total}</opensearch:totalResults>'
                f'<opensearch:startIndex>{query.get("start", 0)}</opensearch:startIndex>{"".join(chosen)}</feed>')
        self.reply(200, body.encode(), "application/atom+xml")
