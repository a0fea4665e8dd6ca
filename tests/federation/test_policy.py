"""The federation domain policy, shared by the outbound client and the inbox."""

from __future__ import annotations

import pytest

from activitypub.errors import ConfigError
from federation.policy import DomainPolicy, normalise_host


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("Example.COM", "example.com"),
        ("example.com.", "example.com"),
        ("example.com:8443", "example.com"),
        ("EXAMPLE.com.:443", "example.com"),
        ("Bücher.Example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("[::1]:8080", "::1"),
        ("::1", "::1"),
        ("", None),
        (".", None),
        ("a..b", None),
    ],
)
def test_normalise_host(host: str, expected: str | None) -> None:
    assert normalise_host(host) == expected


def test_open_mode_allows_everything_but_blocks() -> None:
    policy = DomainPolicy("open", blocked=["Bad.Example", "*.worse.example"])
    assert policy.is_allowed("good.example")
    assert not policy.is_allowed("bad.example")
    assert not policy.is_allowed("BAD.EXAMPLE.")
    assert not policy.is_allowed("social.bad.example")
    assert not policy.is_allowed("a.b.bad.example:443")
    assert not policy.is_allowed("worse.example")
    assert not policy.is_allowed("x.worse.example")
    assert policy.is_allowed("notbad.example")
    assert policy.is_allowed("bad.example.org")
    assert policy.is_blocked("social.bad.example")
    assert not policy.is_blocked("good.example")


def test_allowlist_mode_only_allows_listed_domains_and_subdomains() -> None:
    policy = DomainPolicy("allowlist", allowed=["partner.example", "Bücher.example"], blocked=["bad.partner.example"])
    assert policy.is_allowed("partner.example")
    assert policy.is_allowed("Social.Partner.Example.")
    assert policy.is_allowed("partner.example:8443")
    assert not policy.is_allowed("other.example")
    assert not policy.is_allowed("evilpartner.example")
    assert not policy.is_allowed("bad.partner.example")
    assert not policy.is_allowed("x.bad.partner.example")
    assert policy.is_allowed("bücher.example")
    assert policy.is_allowed("xn--bcher-kva.example")
    assert policy.is_allowed("www.BÜCHER.example")


def test_blocked_idn_matches_both_spellings() -> None:
    policy = DomainPolicy(blocked=["xn--bcher-kva.example"])
    assert not policy.is_allowed("bücher.example")
    assert not policy.is_allowed("Sub.Bücher.Example")
    assert policy.is_allowed("bucher.example")


def test_invalid_hosts_are_refused() -> None:
    policy = DomainPolicy()
    assert not policy.is_allowed("")
    assert not policy.is_allowed("a..b")


def test_is_allowed_url_for_the_inbox_side() -> None:
    policy = DomainPolicy("allowlist", allowed=["partner.example"])
    assert policy.is_allowed_url("https://social.partner.example/users/alice#main-key")
    assert not policy.is_allowed_url("https://other.example/users/bob")
    assert not policy.is_allowed_url("not a url")


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ConfigError):
        DomainPolicy("closed")
    with pytest.raises(ConfigError):
        DomainPolicy(blocked=["a..b"])
