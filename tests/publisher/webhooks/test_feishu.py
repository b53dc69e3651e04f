"""Feishu cards: within the custom bot's 20 KB, split when long, signed when asked, untrusted text plain."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re

from services.publisher.webhooks import feishu
from services.publisher.webhooks.sender import Signing, prepare
from tests.publisher.webhooks.digests import NOW, digest_notice, hostile_digest, long_digest, strings


def elements_of(message: dict) -> list[dict]:
    return message["card"]["elements"]


def test_thirty_long_papers_are_split_into_cards_under_20_kb_even_signed() -> None:
    messages = feishu.render(digest_notice(long_digest(30))[0])
    assert len(messages) > 1
    titles = []
    for message in messages:
        body, _ = prepare("feishu", message, "msg_1", NOW, Signing(None, "bot-secret"))
        assert len(body) <= feishu.MAX_BODY_BYTES
        sent = json.loads(body)
        assert sent["msg_type"] == "interactive" and sent["timestamp"] == str(int(NOW.timestamp()))
        assert sent["card"]["header"]["title"]["tag"] == "plain_text"
        titles += [e["text"]["content"] for e in elements_of(message)
                   if e["tag"] == "div" and re.match(r"\d+\. Paper", e["text"]["content"])]
    assert [int(t.split(".")[0]) for t in titles] == list(range(1, 31))


def test_the_signature_is_feishus() -> None:
    (message,) = feishu.render(digest_notice(hostile_digest(1))[0])
    body, headers = prepare("feishu", message, "msg_1", NOW, Signing(None, "bot-secret"))
    sent = json.loads(body)
    key = f"{sent['timestamp']}\nbot-secret".encode()
    assert sent["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    unsigned, _ = prepare("feishu", message, "msg_1", NOW, Signing(None, None))
    assert "sign" not in json.loads(unsigned)


def test_untrusted_text_is_plain_and_no_mention_survives() -> None:
    (message,) = feishu.render(digest_notice(hostile_digest(2))[0])
    tags = {e["tag"] for e in elements_of(message)}
    assert tags <= {"div", "action", "hr"}
    for element in elements_of(message):
        if element["tag"] == "div":
            assert element["text"]["tag"] == "plain_text"
        if element["tag"] == "action":
            assert all(b["url"].startswith(("https://arxiv.org/", "http://publisher.example:8004/"))
                       for b in element["actions"])
    every = "\n".join(strings(message))
    assert "<at" not in every and "<script" not in every and "<\u200bat id=all>" in every
    assert "lark_md" not in json.dumps(message)
