"""The SSRF guard: which addresses and URLs a webhook may never reach."""
from __future__ import annotations

import ipaddress

import httpx
import pytest

from services.publisher.webhooks.targets import TargetError, address_problem, check_target, permitted_addresses

LOCAL = [ipaddress.ip_network("127.0.0.0/8")]


@pytest.mark.parametrize(("address", "why"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"), ("10.1.2.3", "private"),
    ("172.16.0.1", "private"), ("192.168.1.1", "private"), ("169.254.169.254", "metadata"),
    ("169.254.1.1", "link-local"), ("fe80::1", "link-local"), ("fd00:ec2::254", "metadata"),
    ("100.100.100.200", "metadata"), ("100.64.0.1", "not a public"), ("224.0.0.251", "multicast"),
    ("ff02::1", "multicast"), ("0.0.0.0", "unspecified"), ("240.0.0.1", "reserved"),
    ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
    ("192.0.2.1", "private"),  # documentation range
])
def test_refused_addresses(address: str, why: str) -> None:
    assert why in (address_problem(ipaddress.ip_address(address)) or "")


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "1.1.1.1"])
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


def test_the_allow_list_opens_its_networks_but_never_metadata() -> None:
    assert address_problem(ipaddress.ip_address("127.0.0.5"), LOCAL) is None
    assert address_problem(ipaddress.ip_address("10.0.0.1"), LOCAL) == "a private address"
    everything = [ipaddress.ip_network("0.0.0.0/0")]
    assert address_problem(ipaddress.ip_address("169.254.169.254"), everything) == "a cloud metadata address"


async def test_a_name_is_checked_by_what_it_resolves_to() -> None:
    with pytest.raises(TargetError, match="localhost resolves to 127.0.0.1 .a loopback address."):
        await check_target("http://localhost:8080/hook", [], 5)
    assert await check_target("http://localhost:8080/hook", LOCAL, 5) == "http://localhost:8080/hook"
    addresses = await permitted_addresses(httpx.URL("http://localhost/"), LOCAL, 5)
    assert addresses == [ipaddress.ip_address("127.0.0.1")]


async def test_a_name_that_does_not_resolve_yet_is_accepted_at_creation_only() -> None:
    url = "https://hooks.example.invalid/T000/B000"
    assert await check_target(url, [], 5) == url
    with pytest.raises(TargetError, match="does not resolve"):
        await permitted_addresses(httpx.URL(url), [], 5)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/", "http:///nohost", "//example.com/x",
                                 "http://user:pw@example.com/", "http://metadata.google.internal./x",
                                 "https://example.com/" + "x" * 2000])
async def test_urls_refused_before_any_lookup(url: str) -> None:
    with pytest.raises(TargetError):
        await check_target(url, LOCAL, 5)
