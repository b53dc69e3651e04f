"""`arxiv-bot run --once` delivers config.json's webhooks at the end of the run, signed, and at most once."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from standardwebhooks.webhooks import Webhook

from services.publisher.webhooks.signing import new_secret
from tests.e2e.cli import arxiv_bot, child_env
from tests.feeds import Item, feed
from tests.servers import FakeArxiv, WebhookReceiver

ITEMS = [Item("2411.00001", "Sparse attention <!channel> @everyone", categories=["cs.AI"]),
         Item("2411.00002", "Fast sparse kernels", categories=["cs.AI"])]


def write_config(folder: Path, webhooks: list[dict]) -> Path:
    path = folder / "config.json"
    path.write_text(json.dumps({"categories": ["cs.AI"], "keywords": ["Sparse"], "days_back": 3650, "min_score": 0,
                                "ai_summary": {"enabled": False}, "webhooks": webhooks}))
    return path


def run_once(folder: Path, config: Path, env: dict[str, str]):  # noqa: ANN201
    result = arxiv_bot("run", "--once", "--config", str(config), cwd=folder, env=env)
    assert result.returncode == 0, result.stderr
    return result


def test_config_webhooks_are_delivered_signed_once_and_retried_by_the_next_run(tmp_path: Path) -> None:
    secret = new_secret()
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", ITEMS)}) as arxiv, WebhookReceiver() as json_hook, \
            WebhookReceiver() as slack_hook:
        slack_hook.answers = [(503, {}, b"try later")]
        config = write_config(tmp_path, [
            {"url": json_hook.url + "/arxiv", "format": "json", "secret_env": "DIGEST_HOOK_SECRET"},
            {"url": slack_hook.url + "/services/T0/B0/x", "format": "slack", "per": "paper"},
            {"url": "http://169.254.169.254/latest/meta-data/", "format": "json"},
        ])
        env = child_env(ARXIV_RSS_BASE_URL=arxiv.base, DIGEST_HOOK_SECRET=secret,
                        WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8")
        first = run_once(tmp_path, config, env)
        assert "webhooks[2] (http://169.254.169.254/…): 169.254.169.254 is a cloud metadata address" in first.stderr
        (request,) = json_hook.requests
        payload = Webhook(secret).verify(request.body, request.headers)
        assert [p["id"] for p in payload["data"]["papers"]] == ["2411.00001", "2411.00002"]
        assert payload["data"]["papers"][0]["title"] == "Sparse attention <!channel> @everyone"
        assert [r.status for r in slack_hook.requests] == [503, 200]  # one paper refused, the other taken
        # The next run publishes the same digest: nothing new is owed, and the refused paper is retried.
        run_once(tmp_path, config, env)
    assert len(json_hook.requests) == 1
    assert [r.status for r in slack_hook.requests] == [503, 200, 200]
    assert sorted(slack_hook.successes_per_id().values()) == [1, 1]
    accepted = [r.json()["blocks"][2]["text"]["text"] for r in slack_hook.delivered()]
    assert any("&lt;!channel&gt;" in text for text in accepted)
    with sqlite3.connect(tmp_path / "arxiv-bot.db") as db:
        rows = db.execute("SELECT status, attempts FROM webhook_deliveries ORDER BY attempts").fetchall()
        secrets = db.execute("SELECT secret, secret_env FROM webhook_subscriptions").fetchall()
    assert rows == [("delivered", 1), ("delivered", 1), ("delivered", 2)]
    assert (None, "DIGEST_HOOK_SECRET") in secrets and all(s[0] is None for s in secrets)  # no secret stored


def test_a_webhook_whose_secret_is_missing_is_skipped_loudly(tmp_path: Path) -> None:
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", ITEMS)}) as arxiv, WebhookReceiver() as hook:
        config = write_config(tmp_path, [{"url": hook.url, "secret_env": "NOT_SET_ANYWHERE"}])
        env = child_env(ARXIV_RSS_BASE_URL=arxiv.base, WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8")
        result = run_once(tmp_path, config, env)
    assert hook.requests == [] and "NOT_SET_ANYWHERE is not set" in result.stderr
    assert (tmp_path / "digest/README.md").exists()  # the digest itself went out as usual
