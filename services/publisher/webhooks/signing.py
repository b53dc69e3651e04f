"""Signatures receivers can check: Standard Webhooks (standardwebhooks.com) and Feishu's custom-bot signing.

Standard Webhooks: the secret is `whsec_` + base64 of random bytes; the signature is
`v1,` + base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")), sent with the id and the
timestamp (Unix seconds) as the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
KEY_BYTES = 32


class SecretError(ValueError):
    """Not a usable `whsec_` secret."""


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key inside a `whsec_<base64>` secret (24 to 64 bytes, as the specification recommends)."""
    if not secret.startswith(PREFIX):
        raise SecretError("a webhook secret starts with 'whsec_'")
    try:
        key = base64.b64decode(secret[len(PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise SecretError("a webhook secret is 'whsec_' followed by base64") from None
    if not 24 <= len(key) <= 64:
        raise SecretError("a webhook secret holds 24 to 64 bytes")
    return key


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(secret_key(secret), signed, hashlib.sha256).digest()).decode()


def standard_headers(secret: str | None, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    headers = {"webhook-id": message_id, "webhook-timestamp": str(timestamp)}
    if secret:
        headers["webhook-signature"] = sign(secret, message_id, timestamp, body)
    return headers


def feishu_sign(secret: str, timestamp: int) -> str:
    """Feishu's custom-bot signature: HMAC-SHA256 keyed with "<timestamp>\\n<secret>" over an empty message."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
