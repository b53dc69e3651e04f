"""Profiles through the API: validated like config.json, owned by the API once written, never naming the LLM."""
from __future__ import annotations

import httpx
import pytest

from shared.config import BotConfig
from shared.profiles import MAX_PROFILES, MAX_TERM_CHARS, MAX_TERM_CHARS_TOTAL, MAX_TERMS
from shared.repository import Repository
from shared.runtime import Env
from tests.publisher.api.conftest import AUTH
from tests.publisher.api.store import config, feeds, published_run
from tests.pipeline import scored_run
from tests.shared.test_config import long_terms


async def test_profiles_are_listed_default_first(api: httpx.AsyncClient, pg_env: Env) -> None:
    cfg = config(profiles={"ml": {"keywords": ["Quantization"]}})
    await published_run(pg_env, cfg)
    listed = (await api.get("/api/v1/profiles")).json()["items"]
    assert [p["name"] for p in listed] == ["default", "ml"]
    ml = (await api.get("/api/v1/profiles/ml")).json()
    assert ml["origin"] == "config" and ml["settings"]["keywords"] == ["Quantization"]
    assert ml["settings"]["categories"] == ["cs.AI", "cs.LG", "cs.DC"]  # inherited from the top level
    assert (await api.get("/api/v1/profiles/nobody")).status_code == 404


async def test_put_resolves_over_default_and_applies_from_the_next_run(api: httpx.AsyncClient, pg_env: Env) -> None:
    await published_run(pg_env)
    created = await api.put("/api/v1/profiles/kernels", json={"keywords": ["kernels"], "max_papers": 5},
                            headers=AUTH)
    assert created.status_code == 201, created.text
    profile = created.json()
    assert profile["origin"] == "api" and profile["version"] == 1
    assert profile["settings"]["keywords"] == ["kernels"] and profile["settings"]["max_papers"] == 5
    assert profile["settings"]["categories"] == ["cs.AI", "cs.LG", "cs.DC"]  # from the stored default
    changed = await api.put("/api/v1/profiles/kernels", json={"keywords": ["kernels", "GPU"]}, headers=AUTH)
    assert changed.status_code == 200 and changed.json()["version"] == 2
    # The next run scores it, though config.json never heard of it.
    scored = await scored_run(pg_env, config(), feeds(), profile="kernels")
    assert scored.selected == ["2411.00003"]


async def test_config_json_never_overrides_an_api_profile(api: httpx.AsyncClient, pg_env: Env) -> None:
    await api.put("/api/v1/profiles/ml", json={"keywords": ["mine"]}, headers=AUTH)
    await published_run(pg_env, config(profiles={"ml": {"keywords": ["theirs"]}}))
    assert (await api.get("/api/v1/profiles/ml")).json()["settings"]["keywords"] == ["mine"]


@pytest.mark.parametrize(("body", "key"), [
    ({"categories": ["cs.AI", "not a category"]}, "categories"),
    ({"max_papers": "thirty"}, "max_papers"),
    ({"keywords": [{"term": "x", "weight": 1e9}]}, "keywords.0.weight"),
    ({"ai_summary": {"base_url": "http://attacker.example/v1"}}, "ai_summary.base_url"),
    ({"ai_summary": {"model": "gpt-expensive"}}, "ai_summary.model"),
    ({"ai_summary": {"api_key_env": "AWS_SECRET_ACCESS_KEY"}}, "ai_summary.api_key_env"),
    ({"llm_base_url": "http://attacker.example"}, "llm_base_url"),
    ({"name": "other"}, "name"),
    ({"keywords": ["LLM", "!!!"]}, "keywords.1"),  # a words-mode term that could never match
    ({"authors": {"block": ["..."]}}, "authors.block.0"),
    ([], "body"),
])
async def test_invalid_profiles_name_the_key(api: httpx.AsyncClient, pg_env: Env, body: object, key: str) -> None:
    await published_run(pg_env)
    response = await api.put("/api/v1/profiles/ml", json=body, headers=AUTH)
    assert response.status_code == 422, response.text
    assert f"'{key}'" in response.json()["detail"]
    assert (await api.get("/api/v1/profiles/ml")).status_code == 404  # nothing was written


async def test_not_json_is_a_422(api: httpx.AsyncClient) -> None:
    response = await api.put("/api/v1/profiles/ml", content=b"{not json", headers=AUTH)
    assert response.status_code == 422 and "'body'" in response.json()["detail"]


async def test_delete_marks_deleted_and_default_stays(api: httpx.AsyncClient, pg_env: Env) -> None:
    await published_run(pg_env)
    await api.put("/api/v1/profiles/ml", json={"keywords": ["LLM"]}, headers=AUTH)
    assert (await api.delete("/api/v1/profiles/ml", headers=AUTH)).status_code == 204
    assert (await api.get("/api/v1/profiles/ml")).status_code == 404
    assert (await api.delete("/api/v1/profiles/ml", headers=AUTH)).status_code == 404
    assert (await api.delete("/api/v1/profiles/default", headers=AUTH)).status_code == 409
    async with pg_env.sessions() as session:
        stored = await Repository(session).get_profile("ml")
    assert stored is not None and stored.deleted and stored.origin == "api"
    # A deleted API profile is not brought back by config.json either, nor scored.
    await published_run(pg_env, BotConfig.model_validate({**config().snapshot(), "profiles": {"ml": {}}}))
    assert (await api.get("/api/v1/profiles/ml")).status_code == 404
    revived = await api.put("/api/v1/profiles/ml", json={}, headers=AUTH)
    assert revived.status_code == 201


async def test_writes_need_the_token(api: httpx.AsyncClient) -> None:
    assert (await api.put("/api/v1/profiles/ml", json={})).status_code == 401
    assert (await api.delete("/api/v1/profiles/ml")).status_code == 401


async def test_a_new_profile_past_the_most_a_deployment_takes_is_a_409(api: httpx.AsyncClient, pg_env: Env) -> None:
    await published_run(pg_env)  # `default`, from config.json
    async with pg_env.sessions() as session, session.begin():
        repo = Repository(session)
        settings = (await repo.get_profile("default")).settings
        for number in range(MAX_PROFILES):
            await repo.write_profile(f"p{number}", {**settings, "name": f"p{number}"}, "api", pg_env.clock())
    refused = await api.put("/api/v1/profiles/one-more", json={}, headers=AUTH)
    assert refused.status_code == 409
    assert refused.json()["detail"] == ("there are 1,000 profiles besides 'default' already, the most a deployment "
                                        "takes: delete one first")
    assert (await api.get("/api/v1/profiles/one-more")).status_code == 404
    assert (await api.put("/api/v1/profiles/p7", json={"keywords": ["x"]}, headers=AUTH)).status_code == 200
    assert (await api.delete("/api/v1/profiles/p7", headers=AUTH)).status_code == 204
    assert (await api.put("/api/v1/profiles/one-more", json={}, headers=AUTH)).status_code == 201


async def test_a_profile_whose_terms_would_pass_what_one_run_matches_is_a_409(api: httpx.AsyncClient,
                                                                              pg_env: Env) -> None:
    await published_run(pg_env)
    # Stored profiles (an API request body is at most 64 KB, so they are written here) fill the budget but for
    # 2,000-odd characters: 19 of 100,000 and one of 97,000, and `default`'s own.
    per_profile = 2 * MAX_TERMS * MAX_TERM_CHARS
    async with pg_env.sessions() as session, session.begin():
        repo = Repository(session)
        settings = (await repo.get_profile("default")).settings
        for n in range(MAX_TERM_CHARS_TOTAL // per_profile):
            short = 30 if n == 0 else 0
            await repo.write_profile(f"big-{n}", {**settings, "name": f"big-{n}", "keywords": long_terms(f"k{n}"),
                                                  "exclude_keywords": long_terms(f"e{n}", MAX_TERMS - short)},
                                     "api", pg_env.clock())
    body = {"keywords": long_terms("new", 300)}  # 30,000 characters
    refused = await api.put("/api/v1/profiles/one-more", json=body, headers=AUTH)
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("all profiles' distinct keywords, exclusions and authors together "
                                               f"would pass {MAX_TERM_CHARS_TOTAL:,} characters")
    assert (await api.get("/api/v1/profiles/one-more")).status_code == 404
    # What fits still comes in; a big profile changed keeps its own room (its old terms are not counted twice).
    assert (await api.put("/api/v1/profiles/small", json={"keywords": ["graph"]}, headers=AUTH)).status_code == 201
    again = {"keywords": long_terms("k1", 300), "max_papers": 5}  # fewer terms than before: room enough
    assert (await api.put("/api/v1/profiles/big-1", json=again, headers=AUTH)).status_code == 200
