"""Every /api/v1 query and path parameter with wrong types, huge values, negative limits, bad cursors, bad
dates and SQL-ish strings: a 422 problem document naming the parameter, never a 500, and the store as it
was. SQL-ish text where free text is allowed (`q`) is only text: it matches nothing and breaks nothing.
"""
from __future__ import annotations

import base64
import json

import httpx
from sqlalchemy import func
from sqlmodel import select

from shared.models import Paper
from shared.runtime import Env
from tests.publisher.api.conftest import AUTH
from tests.publisher.api.store import published_run

SQL = ["' OR '1'='1", "1; DROP TABLE papers; --", "1 UNION SELECT * FROM webhook_subscriptions", "%' --", "\\",
       "\x00"]
HUGE = ["9" * 40, "1e309", "-" + "9" * 40]


def cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


BAD_CURSORS = ["!!!", "A", "x" * 401, "%00", cursor([1, 2]), cursor({"k": "runs", "v": ["x", "y"]}),
               cursor({"k": "papers:date", "v": ["not-a-date", "2411.00001"]}),
               cursor({"k": "papers:date", "v": ["2024-11-28"]}),
               cursor({"k": "papers:date", "v": ["2024-11-28", "x" * 65]}),
               cursor({"k": "papers:score", "v": [True, "2411.00001"]}),
               cursor({"k": "papers:score", "v": ["1", "2411.00001"]}),
               base64.urlsafe_b64encode(b"\xff\xfe{not json").decode().rstrip("="), *SQL]
LIMITS = ["-1", "0", "201", "abc", "1.5", "", "NaN", *HUGE, *SQL]
DATES = ["2024-13-01", "2024-02-30", "yesterday", "99999-01-01", "0000-00-00", "-1", "2024-11-28T25:00", *SQL,
         *HUGE]

# (path, parameter, bad values); paths needing the token are asked with it, so the parameter is what fails.
CASES: list[tuple[str, str, list[str]]] = [
    ("/api/v1/papers", "limit", LIMITS),
    ("/api/v1/papers", "cursor", BAD_CURSORS),
    ("/api/v1/papers", "since", DATES),
    ("/api/v1/papers", "until", DATES),
    ("/api/v1/papers", "min_score", ["abc", "inf", "-inf", "nan", "1e309", "1e7", "-1e7", *SQL]),
    ("/api/v1/papers", "q", ["x" * 201, "' OR 1=1 -- " * 20]),
    ("/api/v1/papers", "profile", ["UPPER", "x" * 41, "../etc", "a b", "<script>", *SQL]),
    ("/api/v1/papers", "category", ["cs.AI\n", "x" * 100, "<script>", "cs..AI", "9cs", *SQL]),
    ("/api/v1/papers", "announce_type", ["withdrawn", "NEW", "", *SQL]),
    ("/api/v1/papers", "sort", ["title", "score; DROP TABLE papers", "", *SQL]),
    ("/api/v1/runs", "status", ["bogus", "", *SQL]),
    ("/api/v1/runs", "limit", LIMITS),
    ("/api/v1/runs", "cursor", [*BAD_CURSORS, cursor({"k": "runs", "v": ["2024-11-28T00:00:00", "r"]})]),
    ("/api/v1/webhooks", "limit", LIMITS),
    ("/api/v1/webhooks", "cursor", BAD_CURSORS[:5]),
]
PATHS: list[tuple[str, str]] = [  # (path with a bad path parameter, its name)
    *[(f"/api/v1/papers/{bad}", "arxiv_id") for bad in ["2411", "x" * 300, "2411.00001v99999", "%27%20OR%201=1",
                                                         "..%2F..%2Fetc%2Fpasswd", "2411.00001%00"]],
    *[(f"/api/v1/runs/{bad}", "run_id") for bad in ["x" * 300, "%27%20OR%201=1--", "a%20b", "%00"]],
    *[(f"/api/v1/profiles/{bad}", "name") for bad in ["UPPER", "x" * 41, "%27%20OR%201=1", "a%00"]],
    *[(f"/api/v1/webhooks/{bad}", "webhook_id") for bad in ["x" * 41, "%27%20OR%201=1", "a.b"]],
    *[(f"/api/v1/webhooks/{bad}/deliveries", "webhook_id") for bad in ["x" * 41, "%27--"]],
]


def problem_names(response: httpx.Response, name: str) -> str | None:
    """What is wrong with the answer, or None if it is the 422 problem document naming `name`."""
    if response.status_code != 422:
        return f"status {response.status_code}: {response.text[:200]}"
    if response.headers.get("content-type") != "application/problem+json":
        return f"content type {response.headers.get('content-type')}"
    body = response.json()
    names = [p["name"] for p in body.get("invalid_params", [])]
    if name not in names or f"'{name}'" not in body.get("detail", ""):
        return f"does not name {name!r}: {body}"
    if "Traceback" in response.text or "File \"" in response.text:
        return "leaks a traceback"
    return None


async def count_papers(env: Env) -> int:
    async with env.sessions() as session:
        return (await session.exec(select(func.count()).select_from(Paper))).one()


async def test_every_malformed_parameter_is_a_422_naming_it(api: httpx.AsyncClient, pg_env: Env) -> None:
    await published_run(pg_env)
    before = await count_papers(pg_env)
    wrong = []
    for path, name, values in CASES:
        for value in values:
            response = await api.get(path, params={name: value}, headers=AUTH)
            if (why := problem_names(response, name)) is not None:
                wrong.append(f"{path}?{name}={value[:40]!r}: {why}")
    for path, name in PATHS:
        response = await api.get(path, headers=AUTH)
        if (why := problem_names(response, name)) is not None:
            wrong.append(f"{path[:80]}: {why}")
    assert wrong == []
    assert await count_papers(pg_env) == before == 4  # nothing dropped, nothing added


async def test_sql_in_free_text_is_only_text(api: httpx.AsyncClient, pg_env: Env) -> None:
    await published_run(pg_env)
    for q in [*[s for s in SQL if s != "\x00"], "%", "_", "' OR 1=1 --", "!()&|:*", "<->", "sparse' OR 'x'='x",
              "\\%", "nul\x00inside"]:
        response = await api.get("/api/v1/papers", params={"q": q})
        assert response.status_code == 200, (q, response.text[:200])
        assert response.json()["items"] == [], q  # no paper holds these words: nothing matches everything
    # A NUL is a word break (PostgreSQL text cannot hold one): a q of NULs alone is no search at all.
    everything = await api.get("/api/v1/papers")
    assert (await api.get("/api/v1/papers", params={"q": "\x00\x00"})).json() == everything.json()
    found = await api.get("/api/v1/papers", params={"q": "sparse"})
    assert {p["id"] for p in found.json()["items"]} == {"2411.00001", "hep-th/9901001"}
    assert await count_papers(pg_env) == 4


async def test_a_valid_cursor_tampered_with_is_refused(api: httpx.AsyncClient, pg_env: Env) -> None:
    await published_run(pg_env)
    first = await api.get("/api/v1/papers", params={"limit": 1})
    token = first.json()["next"].split("cursor=")[1]
    for tampered in [token[:-2], token + "AA", token.replace(token[5], "_" if token[5] != "_" else "-", 1),
                     token.swapcase()]:
        response = await api.get("/api/v1/papers", params={"limit": 1, "cursor": tampered})
        assert response.status_code in (200, 422), tampered
        if response.status_code == 422:
            assert problem_names(response, "cursor") is None
