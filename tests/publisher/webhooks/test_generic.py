"""The `json` format: a Standard Webhooks payload carrying the profile, the run and the papers as data."""
from __future__ import annotations

import json

from services.publisher.webhooks import generic
from tests.publisher.webhooks.digests import HOSTILE, digest_notice, hostile_digest, long_digest


def test_a_digest_payload_carries_everything_a_consumer_needs() -> None:
    (notice,) = digest_notice(long_digest(30))
    (body,) = generic.render(notice)
    assert body["type"] == "digest.published" and body["timestamp"] == "2024-11-28T12:00:00Z"
    data = body["data"]
    assert data["profile"] == "default" and data["run"] == {"id": "run-1", "announced": "2024-11-28"}
    assert data["digest"] == {"key": "k" * 64, "url": "http://publisher.example:8004/readme", "papers": 30}
    first = data["papers"][0]
    assert first["id"] == "2411.18001" and first["rank"] == 1 and first["score"] == 8.5
    assert first["links"] == {"abs": "https://arxiv.org/abs/2411.18001", "pdf": "https://arxiv.org/pdf/2411.18001v2",
                              "api": "http://publisher.example:8004/api/v1/papers/2411.18001"}
    assert first["why"] == "LLM (title), inference, KV cache" and first["summary"].startswith("## Summary")
    assert len(first["authors"]) == 60 and len(data["papers"]) == 30  # nothing cut: JSON is not a chat


def test_per_paper_notices_carry_one_paper_each() -> None:
    notices = digest_notice(long_digest(3), per="paper")
    bodies = [generic.render(n)[0] for n in notices]
    assert [b["type"] for b in bodies] == ["paper.published"] * 3
    assert [b["data"]["paper"]["rank"] for b in bodies] == [1, 2, 3] and "papers" not in bodies[0]["data"]


def test_text_arrives_exactly_as_stored_and_the_raw_body_runs_nothing() -> None:
    (body,) = generic.render(digest_notice(hostile_digest(1))[0])
    raw = generic.encode(body)
    assert b"<" not in raw and b">" not in raw and b"&" not in raw
    parsed = json.loads(raw)
    assert parsed == body and parsed["data"]["papers"][0]["title"] == f"Paper 1 {HOSTILE}"
