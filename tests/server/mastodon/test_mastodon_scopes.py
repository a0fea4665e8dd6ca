"""Mastodon's OAuth scope model: parsing, hierarchy, narrowing to an app's registration."""

from __future__ import annotations

import pytest

from activitypub.errors import BadRequest, Forbidden
from server.edge.errors import OAuthError, error_response
from server.mastodon.scopes import (
    ADMIN_READ_SCOPES,
    ADMIN_WRITE_SCOPES,
    ALL_SCOPES,
    FOLLOW_SCOPES,
    READ_SCOPES,
    WRITE_SCOPES,
    InvalidScope,
    ScopeSet,
    expand,
    format_scopes,
    narrow,
    parse_scopes,
)

# Mastodon 4.3's config/initializers/doorkeeper.rb, default + optional scopes.
MASTODON_43 = """
read write follow push profile admin:read admin:write
read:accounts read:blocks read:bookmarks read:favourites read:filters read:follows read:lists
read:mutes read:notifications read:search read:statuses
write:accounts write:blocks write:bookmarks write:conversations write:favourites write:filters
write:follows write:lists write:media write:mutes write:notifications write:reports write:statuses
admin:read:accounts admin:read:reports admin:read:domain_allows admin:read:domain_blocks
admin:read:ip_blocks admin:read:email_domain_blocks admin:read:canonical_email_blocks
admin:write:accounts admin:write:reports admin:write:domain_allows admin:write:domain_blocks
admin:write:ip_blocks admin:write:email_domain_blocks admin:write:canonical_email_blocks
""".split()


def test_the_scope_list_is_mastodon_43s() -> None:
    assert ALL_SCOPES == frozenset(MASTODON_43)
    assert len(READ_SCOPES) == 11 and len(WRITE_SCOPES) == 13
    assert len(ADMIN_READ_SCOPES) == len(ADMIN_WRITE_SCOPES) == 7


@pytest.mark.parametrize(
    "raw",
    [
        "read write follow", "read+write+follow", "  read   write\tfollow ", "read write+follow",
        "read read write follow",
    ],  # fmt: skip
)
def test_parse_accepts_space_and_plus_separators(raw: str) -> None:
    assert parse_scopes(raw) == {"read", "write", "follow"}


@pytest.mark.parametrize("raw", [None, "", "   ", "+"])
def test_blank_means_read(raw: str | None) -> None:
    assert parse_scopes(raw) == {"read"}
    assert parse_scopes(raw, default=frozenset()) == frozenset()


@pytest.mark.parametrize("raw", ["read bogus", "READ", "read:", "read:me", "crypto", "write:circles", "read,write"])
def test_unknown_scopes_are_invalid_scope(raw: str) -> None:
    with pytest.raises(InvalidScope) as caught:
        parse_scopes(raw)
    assert caught.value.error == "invalid_scope"
    assert caught.value.status_code == 400
    assert isinstance(caught.value, BadRequest)
    assert caught.value.public_message == "The requested scope is invalid, unknown, or malformed."


def test_invalid_scope_renders_as_doorkeeper_does() -> None:
    with pytest.raises(InvalidScope) as caught:
        parse_scopes("read nope")
    response = error_response(caught.value)
    assert response.status_code == 400
    assert response.body == (
        b'{"error":"invalid_scope","error_description":"The requested scope is invalid, unknown, or malformed."}'
    )


@pytest.mark.parametrize("granular", sorted(READ_SCOPES))
def test_read_grants_every_read_scope(granular: str) -> None:
    scopes = ScopeSet.parse("read")
    assert scopes.allows(granular)
    assert not scopes.allows(granular.replace("read:", "write:"))


@pytest.mark.parametrize("granular", sorted(WRITE_SCOPES))
def test_write_grants_every_write_scope_and_no_read(granular: str) -> None:
    scopes = ScopeSet.parse("write")
    assert scopes.allows(granular)
    assert not scopes.allows("read") and not scopes.allows("read:statuses")


def test_admin_hierarchy() -> None:
    admin_read = ScopeSet.parse("admin:read")
    assert all(admin_read.allows(name) for name in ADMIN_READ_SCOPES)
    assert not admin_read.allows("admin:write:accounts")
    assert not admin_read.allows("read:accounts")
    assert all(ScopeSet.parse("admin:write").allows(name) for name in ADMIN_WRITE_SCOPES)
    everything = ScopeSet.parse("read write follow push")
    assert not any(everything.allows(name) for name in ADMIN_READ_SCOPES | ADMIN_WRITE_SCOPES | {"admin:read"})


def test_granular_does_not_grant_parent_or_siblings() -> None:
    scopes = ScopeSet.parse("read:statuses write:media")
    assert scopes.allows("read:statuses") and scopes.allows("write:media")
    assert not scopes.allows("read")
    assert not scopes.allows("read:accounts")
    assert not scopes.allows("write:statuses")


def test_legacy_follow() -> None:
    scopes = ScopeSet.parse("follow")
    for name in FOLLOW_SCOPES:
        assert scopes.allows(name)
    assert FOLLOW_SCOPES == {
        "read:follows", "write:follows", "read:blocks", "write:blocks", "read:mutes", "write:mutes"
    }  # fmt: skip
    assert not scopes.allows("read:statuses")
    assert not scopes.allows("write:lists")


def test_profile_is_granted_by_read_and_read_accounts_and_grants_nothing_else() -> None:
    assert ScopeSet.parse("profile").allows("profile")
    assert ScopeSet.parse("read").allows("profile")
    assert ScopeSet.parse("read:accounts").allows("profile")
    assert not ScopeSet.parse("write").allows("profile")
    assert ScopeSet.parse("profile").granted == {"profile"}
    assert not ScopeSet.parse("profile").allows("read:accounts")


def test_push_is_its_own_scope() -> None:
    assert ScopeSet.parse("push").granted == {"push"}
    assert not ScopeSet.parse("read write follow").allows("push")


def test_require_is_mastodons_doorkeeper_authorize() -> None:
    scopes = ScopeSet.parse("read:statuses")
    scopes.require("read", "read:statuses")
    with pytest.raises(Forbidden) as caught:
        scopes.require("write", "write:statuses")
    assert caught.value.public_message == "This action is outside the authorized scopes"
    assert error_response(caught.value).body == b'{"error":"This action is outside the authorized scopes"}'


def test_expand_and_format() -> None:
    assert expand(["follow"]) == FOLLOW_SCOPES | {"follow"}
    assert format_scopes({"write:media", "read", "push", "read:lists"}) == "push read read:lists write:media"
    assert str(ScopeSet.parse("write read")) == "read write"


class TestNarrow:
    def test_default_is_read(self) -> None:
        assert narrow(None, {"read", "write"}) == {"read"}
        assert narrow("", {"read"}) == {"read"}

    def test_default_read_fails_for_an_app_without_read(self) -> None:
        with pytest.raises(InvalidScope):
            narrow(None, {"write"})

    def test_subset_is_granted_as_requested(self) -> None:
        assert narrow("read write", {"read", "write", "follow", "push"}) == {"read", "write"}

    def test_more_than_registered_is_refused(self) -> None:
        with pytest.raises(InvalidScope) as caught:
            narrow("read write push", {"read", "write"})
        assert caught.value.error == "invalid_scope"
        assert "push" in str(caught.value)

    def test_granular_under_registered_parent_is_allowed(self) -> None:
        assert narrow("read:statuses write:media", {"read", "write"}) == {"read:statuses", "write:media"}
        assert narrow("read:follows", {"follow"}) == {"read:follows"}
        assert narrow("profile", {"read"}) == {"profile"}

    def test_parent_of_registered_granular_is_refused(self) -> None:
        with pytest.raises(InvalidScope):
            narrow("read", {"read:statuses"})

    def test_unknown_requested_scope(self) -> None:
        with pytest.raises(InvalidScope):
            narrow("read nope", {"read"})


def test_oauth_error_statuses() -> None:
    assert OAuthError("invalid_grant").status_code == 400
    assert OAuthError("invalid_client").status_code == 401
    assert OAuthError("invalid_grant").public_message.startswith("The provided authorization grant is invalid")
