"""Where a webhook may be sent: no server-side request forgery.

A subscription's URL is checked when it is created and again before every request, after DNS resolution:
only http and https, and never an address on loopback, a private, shared, link-local, multicast, reserved
or unspecified network, or a cloud metadata endpoint, unless the operator allows that network
(WEBHOOK_ALLOWED_NETWORKS). The request then connects to the address that was checked (transport.py), so
a name that resolves differently a moment later (DNS rebinding) changes nothing.
"""
from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence

import httpx

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_URL_CHARS = 2000
# Always refused, whatever the allow-list says: a token holder must never reach the instance's credentials.
METADATA = {ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254",
                                              "100.100.100.200")}
METADATA_NAMES = {"metadata", "metadata.google.internal", "instance-data", "instance-data.ec2.internal"}


class TargetError(ValueError):
    """A webhook target this service will not send to; the message says why."""


def parse_target(url: str) -> httpx.URL:
    """The checks that need no DNS: length, scheme, host, no credentials in the URL."""
    if len(url) > MAX_URL_CHARS:
        raise TargetError(f"a webhook URL is at most {MAX_URL_CHARS} characters")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise TargetError(f"not a URL: {exc}") from None
    if parsed.scheme not in ("http", "https"):
        raise TargetError(f"only http and https URLs are allowed, not {parsed.scheme or 'a relative URL'!r}")
    if not parsed.host:
        raise TargetError("the URL has no host")
    if parsed.userinfo:
        raise TargetError("credentials in the URL are not allowed")
    if parsed.host.rstrip(".").lower() in METADATA_NAMES:
        raise TargetError(f"{parsed.host} is a cloud metadata endpoint")
    return parsed


def _embedded(ip: IP) -> list[IP]:
    """The address itself and any IPv4 address an IPv6 one carries (::ffff:127.0.0.1, 6to4, Teredo)."""
    found: list[IP] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        found += [a for a in (ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None) if a]
    return found


def address_problem(ip: IP, allowed: Sequence[Network] = ()) -> str | None:
    """Why `ip` is refused, or None if it may be reached."""
    for address in _embedded(ip):
        if address in METADATA:
            return "a cloud metadata address"
    if any(ip in network for network in allowed if ip.version == network.version):
        return None
    inside = _embedded(ip)
    for test, why in ((lambda a: a.is_loopback, "a loopback address"),
                      (lambda a: a.is_link_local, "a link-local address"),
                      (lambda a: a.is_multicast, "a multicast address"),
                      (lambda a: a.is_unspecified, "an unspecified address"),
                      (lambda a: a.is_reserved, "a reserved address"),
                      (lambda a: a.is_private, "a private address"),
                      (lambda a: not a.is_global, "not a public address")):
        # The most telling reason first, whether it is the address's own or that of the IPv4 inside it.
        if any(test(address) for address in inside):
            return why
    return None


def _literal(host: str) -> IP | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


# RFC 6761: "localhost" and every name under it are loopback, whatever a resolver says. Some resolvers fail on
# them (a trailing dot, a subdomain) and a name that does not resolve is accepted at creation.
LOOPBACK_NAMES = [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]


def _is_localhost(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


async def resolve(host: str, port: int, timeout: float) -> list[IP]:
    literal = _literal(host)
    if literal is not None:
        return [literal]
    if _is_localhost(host):
        return list(LOOPBACK_NAMES)
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout)
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))


async def permitted_addresses(url: httpx.URL, allowed: Sequence[Network], timeout: float) -> list[IP]:
    """The addresses `url`'s host resolves to that may be reached; TargetError if there are none (or if the
    name does not resolve)."""
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        addresses = await resolve(url.host, port, timeout)
    except (OSError, asyncio.TimeoutError, UnicodeError) as exc:
        raise TargetError(f"{url.host} does not resolve ({type(exc).__name__}: {exc})") from None
    permitted = [a for a in addresses if address_problem(a, allowed) is None]
    if not permitted:
        if len(addresses) == 1 and _literal(url.host) == addresses[0]:
            what = f"{url.host} is {address_problem(addresses[0], allowed)}"
        else:
            what = f"{url.host} resolves to " + ", ".join(f"{a} ({address_problem(a, allowed)})" for a in addresses)
        raise TargetError(f"{what}: refused (WEBHOOK_ALLOWED_NETWORKS can allow a network)")
    return permitted


async def check_target(url: str, allowed: Sequence[Network], timeout: float) -> str:
    """A subscription's URL, checked at creation. A name that does not resolve yet is accepted: every
    delivery resolves and checks it again."""
    parsed = parse_target(url)
    try:
        await permitted_addresses(parsed, allowed, timeout)
    except TargetError as exc:
        if "does not resolve" not in str(exc):
            raise
    return str(parsed)
