"""Standard Webhooks signatures, checked by the reference package; Feishu's signature, checked by its recipe."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.publisher.webhooks.signing import SecretError, feishu_sign, new_secret, secret_key, standard_headers


def test_signed_headers_verify_with_the_standardwebhooks_package() -> None:
    secret = new_secret()
    body = '{"type":"digest.published","data":{"title":"ü \\u003cb\\u003e"}}'.encode()
    headers = standard_headers(secret, "msg_1", int(time.time()), body)
    assert Webhook(secret).verify(body, headers) == {"type": "digest.published", "data": {"title": "ü <b>"}}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)


def test_the_signature_covers_the_id_and_the_timestamp() -> None:
    secret, body, now = new_secret(), b"{}", int(time.time())
    headers = standard_headers(secret, "msg_1", now, body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, {**headers, "webhook-id": "msg_2"})
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, {**headers, "webhook-timestamp": str(now - 1)})


def test_unsigned_headers_carry_id_and_timestamp_only() -> None:
    assert standard_headers(None, "msg_1", 1700000000, b"{}") == {"webhook-id": "msg_1",
                                                                 "webhook-timestamp": "1700000000"}


@pytest.mark.parametrize("secret", ["hunter2", "whsec_!!!", "whsec_" + base64.b64encode(b"short").decode(),
                                    "whsec_" + base64.b64encode(b"x" * 65).decode()])
def test_unusable_secrets_are_refused(secret: str) -> None:
    with pytest.raises(SecretError):
        secret_key(secret)


def test_new_secrets_are_random_32_byte_keys() -> None:
    first, second = new_secret(), new_secret()
    assert first != second and len(secret_key(first)) == 32


def test_feishu_signature_follows_its_recipe() -> None:
    # Feishu: HMAC-SHA256 keyed with "<timestamp>\n<secret>" over nothing, base64.
    expected = base64.b64encode(hmac.new(b"1599360473\nsecret", b"", hashlib.sha256).digest()).decode()
    assert feishu_sign("secret", 1599360473) == expected
