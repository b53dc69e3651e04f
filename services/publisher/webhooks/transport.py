"""An httpx transport that sends each request to an address checked by targets.py, and only there.

The name is resolved here, every address is checked, and the connection goes to a permitted one; the
request keeps its Host header and, over TLS, the original name for SNI and certificate checks, so a
receiver behind a name works as it would with a plain client. Redirects are not followed (the client is
built with follow_redirects=False): a 3xx answer is a failed attempt, never a request to the new place.
"""
from __future__ import annotations

import ssl
from collections.abc import Sequence

import httpx

from services.publisher.webhooks.targets import Network, parse_target, permitted_addresses


class PinnedTransport(httpx.AsyncBaseTransport):
    def __init__(self, allowed: Sequence[Network], resolve_timeout: float, verify: ssl.SSLContext | bool = True):
        self.allowed, self.resolve_timeout = list(allowed), resolve_timeout
        # Each request goes to the address just checked: no pooled connection may outlive its check.
        self.inner = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_keepalive_connections=0), retries=0,
                                              verify=verify)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = parse_target(str(request.url))
        address = (await permitted_addresses(url, self.allowed, self.resolve_timeout))[0]
        request.url = url.copy_with(host=str(address))
        if url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": url.host}
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def pinned_client(allowed: Sequence[Network], timeout: float, verify: ssl.SSLContext | bool = True
                  ) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=PinnedTransport(allowed, timeout, verify), timeout=timeout,
                             follow_redirects=False,
                             headers={"User-Agent": "arxiv-bot-webhooks/0.1"})
