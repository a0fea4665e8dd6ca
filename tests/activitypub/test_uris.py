"""Our URL shapes: each one built and read back, and look-alikes refused."""

from __future__ import annotations

import pytest

from activitypub.uris import StatusPath, Uris

URIS = Uris.of("https://acme.test/")


def test_each_shape_is_built_from_the_base() -> None:
    assert URIS.actor("alice") == "https://acme.test/users/alice"
    assert URIS.key("alice") == "https://acme.test/users/alice#main-key"
    assert URIS.actor_part("sales", "followers") == "https://acme.test/users/sales/followers"
    assert URIS.status("alice", "42-2") == "https://acme.test/users/alice/statuses/42-2"
    assert URIS.status_page("alice", "42") == "https://acme.test/@alice/42"
    assert URIS.instance_actor == "https://acme.test/actor"
    assert URIS.shared_inbox == "https://acme.test/inbox"
    assert URIS.tag("news") == "https://acme.test/tags/news"
    assert URIS.media_public("tok", "a.png") == "https://acme.test/media/public/tok/a.png"


def test_actors_are_read_back_with_the_parts_asked_for() -> None:
    assert URIS.parse_actor(URIS.actor("alice")) == "alice"
    assert URIS.parse_actor(URIS.key("alice")) == "alice"
    assert URIS.parse_actor("http://acme.test/users/alice") == "alice"
    assert URIS.parse_actor(URIS.actor_part("alice", "inbox")) is None
    assert URIS.parse_actor(URIS.actor_part("alice", "inbox"), parts=frozenset({"inbox"})) == "alice"


@pytest.mark.parametrize("uri", [
    "https://other.test/users/alice", "https://acme.test/users/../admin",
    "https://acme.test:8443/users/alice", "https://acme.test/users/", "not a url",
])
def test_look_alikes_are_not_ours(uri: str) -> None:
    assert URIS.parse_actor(uri) is None
    assert URIS.parse_status(uri) is None


def test_statuses_and_their_pages_are_read_back() -> None:
    assert URIS.parse_status(URIS.status("alice", "42-3")) == StatusPath("alice", "42-3", "")
    assert URIS.parse_status(URIS.status("alice", "42") + "/replies") == StatusPath("alice", "42", "/replies")
    assert URIS.parse_status(URIS.status_page("alice", "42")) == StatusPath("alice", "42", "")
    assert URIS.parse_status("https://acme.test/users/alice/statuses/x1") is None
    assert URIS.parse_status(URIS.status("alice", "42") + "/replies?page=true") == StatusPath("alice", "42", "/replies")
    assert URIS.parse_actor("https://acme.test/users/alice?x=1") is None
    assert URIS.parse_profile_page(URIS.profile_page("alice")) == "alice"
