"""The pinned transport on real sockets: it connects to the checked address, keeps the name for the Host
header and TLS, refuses what the guard refuses, and follows no redirect."""
from __future__ import annotations

import ipaddress
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest

from services.publisher.webhooks.sender import send
from services.publisher.webhooks.targets import TargetError
from services.publisher.webhooks.transport import pinned_client
from tests.servers import WebhookReceiver

LOCAL = [ipaddress.ip_network("127.0.0.0/8")]


def port(receiver: WebhookReceiver) -> int:
    return receiver.httpd.server_address[1]


async def test_a_name_reaches_the_checked_address_with_its_own_host_header() -> None:
    with WebhookReceiver() as receiver:
        async with pinned_client(LOCAL, 5) as client:
            response = await client.post(f"http://localhost:{port(receiver)}/hook?x=1", content=b"{}")
    assert response.status_code == 200
    (request,) = receiver.requests
    assert request.headers["host"] == f"localhost:{port(receiver)}" and request.path == "/hook?x=1"


async def test_without_the_allow_list_nothing_local_is_reached() -> None:
    with WebhookReceiver() as receiver:
        async with pinned_client([], 5) as client:
            for url in (receiver.url, f"http://localhost:{port(receiver)}/", f"http://[::ffff:127.0.0.1]:{port(receiver)}/"):
                with pytest.raises(TargetError):
                    await client.post(url, content=b"{}")
    assert receiver.requests == []


async def test_a_redirect_is_not_followed() -> None:
    with WebhookReceiver() as target, WebhookReceiver() as redirector:
        redirector.default = (302, {"Location": target.url + "/internal"}, b"")
        async with pinned_client(LOCAL, 5) as client:
            outcome = await send(client, redirector.url, "json", b"{}", {}, 5)
            redirector.default = (307, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"")
            to_metadata = await send(client, redirector.url, "json", b"{}", {}, 5)
    assert not outcome.ok and outcome.status_code == 302 and "not followed" in (outcome.error or "")
    assert not to_metadata.ok and "169.254.169.254" in (to_metadata.error or "")
    assert target.requests == [] and len(redirector.requests) == 2


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a certificate it signs for `localhost` (openssl, as an operator would)."""
    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
        "-subj", "/CN=arxiv-bot test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (folder / "ext").write_text("subjectAltName=DNS:localhost\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "1", "-extfile", "ext")
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


async def test_tls_checks_the_certificate_against_the_name_not_the_address(tmp_path: Path) -> None:
    ca, cert, key = make_certificates(tmp_path)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    trust = ssl.create_default_context(cafile=str(ca))
    with WebhookReceiver(tls=server) as receiver:
        async with pinned_client(LOCAL, 5, verify=trust) as client:
            response = await client.post(f"https://localhost:{port(receiver)}/hook", content=b"{}")
            assert response.status_code == 200 and receiver.requests[0].headers["host"].startswith("localhost:")
            # The same server by its address: the certificate does not name 127.0.0.1, so TLS refuses it.
            with pytest.raises(httpx.ConnectError):
                await client.post(f"https://127.0.0.1:{port(receiver)}/hook", content=b"{}")
