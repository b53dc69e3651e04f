"""GET /api/v1/papers and /api/v1/papers/{id} on a store filled by the real pipeline."""
from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from shared.runtime import Env
from tests.publisher.api.store import config, published_run, published_with_summaries

IDS = {"2411.00001", "2411.00002", "2411.00003", "hep-th/9901001"}


async def ids(api: httpx.AsyncClient, **params: object) -> list[str]:
    response = await api.get("/api/v1/papers", params=params)
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["items"]]


async def walk(api: httpx.AsyncClient, **params: object) -> list[str]:
    """Every id, following `next` links one paper at a time."""
    seen, url = [], "/api/v1/papers"
    response = await api.get(url, params={**params, "limit": 1})
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [p["id"] for p in body["items"]]
        if not body.get("next"):
            return seen
        assert response.headers["link"] == f'<{body["next"]}>; rel="next"'
        response = await api.get(body["next"])


async def test_pages_follow_next_links_without_repeating_or_skipping(api: httpx.AsyncClient, pg_env: Env) -> None:
    await published_run(pg_env)
    everything = await ids(api)
    assert set(everything) == IDS
    assert await walk(api) == everything
    by_score = await walk(api, sort="score")
    assert set(by_score) == {"2411.00001", "2411.00002", "2411.00003", "hep-th/9901001"}
    scores = [p["score"] for p in (await api.get("/api/v1/papers", params={"sort": "score"})).json()["items"]]
    assert scores == sorted(scores, reverse=True) and None not in scores


async def test_filters(api: httpx.AsyncClient, pg_env: Env) -> None:
    await published_run(pg_env)
    assert set(await ids(api, category="cs.LG")) == {"2411.00001", "2411.00002"}
    assert await ids(api, announce_type="cross") == ["2411.00003"]
    assert set(await ids(api, profile="default")) == IDS
    assert await ids(api, profile="nobody") == []
    top = (await api.get("/api/v1/papers", params={"sort": "score", "limit": 1})).json()["items"][0]
    assert await ids(api, min_score=top["score"]) == [top["id"]]
    assert set(await ids(api, since="2024-11-28", until="2024-11-28")) == IDS
    assert await ids(api, since="2024-11-29") == [] and await ids(api, until="2024-11-27") == []


@pytest.mark.parametrize(("q", "expected"), [
    ("sparse", {"2411.00001", "hep-th/9901001"}),
    ("quantization accuracy", {"2411.00002"}),  # every word must match, title or abstract
    ("kernels decoding", {"2411.00003"}),
    ("nothing-like-this", set()),
    ("\x00 sparse", {"2411.00001", "hep-th/9901001"}),
])
async def test_full_text_search(api: httpx.AsyncClient, pg_env: Env, q: str, expected: set[str]) -> None:
    await published_run(pg_env)
    assert set(await ids(api, q=q)) == expected


async def test_the_search_uses_the_gin_index(api: httpx.AsyncClient, pg_env: Env) -> None:
    await published_run(pg_env)
    async with pg_env.sessions() as session, session.begin():
        await session.exec(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in await session.exec(text(
            "EXPLAIN SELECT arxiv_id FROM paper_search WHERE document @@ "
            "plainto_tsquery('english'::regconfig, 'sparse')")))
    assert "ix_paper_search_document" in plan


async def test_a_paper_with_its_versions_scores_and_summary(api: httpx.AsyncClient, pg_env: Env,
                                                            monkeypatch) -> None:  # noqa: ANN001
    scored = await published_with_summaries(pg_env, monkeypatch)
    response = await api.get("/api/v1/papers/2411.00001")
    assert response.status_code == 200, response.text
    paper = response.json()
    assert paper["title"] == "Sparse attention for long context" and paper["categories"] == ["cs.AI", "cs.LG"]
    assert paper["versions"] == [{"version": 1, "announced": "2024-11-28", "announce_type": "new",
                                  "seen_at": paper["versions"][0]["seen_at"]}]
    (score,) = paper["scores"]
    assert score["profile"] == "default" and score["run_id"] == scored.run_id and score["rank"] >= 1
    assert {h["term"] for h in score["hits"]} == {"Sparse", "Fast"} and "Sparse (title)" in score["why"]
    assert paper["score"] == score["score"]
    summary = paper["summary"]
    assert summary["status"] == "done" and summary["text"].startswith("Summary:")
    assert summary["model"] == "qwen-long" and summary["prompt_tokens"] > 0 and "prompt_hash" not in summary
    assert paper["links"] == {"abs": "https://arxiv.org/abs/2411.00001", "pdf": "https://arxiv.org/pdf/2411.00001v1",
                              "api": "/api/v1/papers/2411.00001"}
    with_version = await api.get("/api/v1/papers/2411.00001v1")
    assert with_version.json()["id"] == "2411.00001"
    old_style = await api.get("/api/v1/papers/hep-th/9901001")
    assert old_style.status_code == 200 and old_style.json()["summary"] is not None


async def test_unknown_and_malformed_papers(api: httpx.AsyncClient, pg_env: Env) -> None:
    await published_run(pg_env, config())
    missing = await api.get("/api/v1/papers/2411.99999")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    bad = await api.get("/api/v1/papers/not-an-id")
    assert bad.status_code == 422 and "arxiv_id" in bad.json()["detail"]


@pytest.mark.parametrize(("params", "name"), [
    ({"limit": 500}, "limit"), ({"limit": 0}, "limit"), ({"sort": "title"}, "sort"), ({"since": "yesterday"}, "since"),
    ({"min_score": "nan"}, "min_score"), ({"category": "cs.AI;DROP"}, "category"), ({"profile": "A B"}, "profile"),
    ({"cursor": "garbage"}, "cursor"), ({"q": "x" * 201}, "q"), ({"announce_type": "old"}, "announce_type"),
])
async def test_bad_parameters_are_named(api: httpx.AsyncClient, params: dict, name: str) -> None:
    response = await api.get("/api/v1/papers", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and f"'{name}'" in problem["detail"]
    assert problem["invalid_params"][0]["name"] == name and "Traceback" not in response.text


async def test_a_cursor_of_another_sort_is_refused(api: httpx.AsyncClient, pg_env: Env) -> None:
    await published_run(pg_env)
    first = (await api.get("/api/v1/papers", params={"limit": 1})).json()
    cursor = first["next"].split("cursor=")[1]
    response = await api.get("/api/v1/papers", params={"sort": "score", "cursor": cursor})
    assert response.status_code == 422 and "cursor" in response.json()["detail"]
