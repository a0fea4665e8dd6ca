"""Streams read by Mastodon.py, the reference client, over server-sent events from a live server.

Given employees on a running server, each listening with Mastodon.py's
``StreamListener``; when one writes directly to another, or boosts a post;
then each listener gets Mastodon's event, parsed into Mastodon.py's entities.
(The same over WebSocket: tests/server/api/test_streaming_websocket.py, as
Mastodon.py's WebSocket transport needs a package this project does not use.)
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from mastodon import Mastodon, StreamListener

from server.mastodon.stream_session import StreamingOptions
from tests.integration.conftest import EmployeeSpec, LiveServer
from tests.integration.mastodon_clients import employees, signed_in

WAIT = 10.0


@pytest.fixture
def live_employees() -> Sequence[EmployeeSpec]:
    return employees("alice", "bob", "carol")


@pytest.fixture
def live_app_state() -> Mapping[str, object]:
    # Frequent heartbeats let a closed listener's thread wake up and end at once.
    return {"streaming_options": StreamingOptions(heartbeat_seconds=0.2, recheck_seconds=0.2)}


class Heard(StreamListener):  # type: ignore[misc]
    """What one stream sent, by event; ``opened`` once the server's opening comment arrived (it is subscribed)."""

    def __init__(self) -> None:
        super().__init__()
        self.opened = threading.Event()
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()

    def handle_heartbeat(self) -> None:
        self.opened.set()

    def on_conversation(self, conversation: Any) -> None:
        self.events.put(("conversation", conversation))

    def on_update(self, status: Any) -> None:
        self.events.put(("update", status))

    def next(self) -> tuple[str, Any]:
        return self.events.get(timeout=WAIT)


@contextmanager
def listening(client: Mastodon, channel: str) -> Iterator[Heard]:
    heard = Heard()
    handle = getattr(client, f"stream_{channel}")(heard, run_async=True, timeout=WAIT)
    try:
        assert heard.opened.wait(WAIT), f"the {channel} stream did not open"
        yield heard
    finally:
        handle.close()
        handle.join(WAIT)


def test_a_direct_post_reaches_both_participants_direct_streams_as_a_conversation(
    live_server: LiveServer, session: requests.Session
) -> None:
    alice = signed_in(live_server, session, "alice")
    bob = signed_in(live_server, session, "bob")
    carol = signed_in(live_server, session, "carol")
    with listening(alice, "direct") as to_alice, listening(bob, "direct") as to_bob, \
            listening(carol, "direct") as to_carol:
        # When bob writes to alice directly (after a public post, which no direct stream carries)
        bob.status_post("Hello everyone")
        status = bob.status_post("@alice between us", visibility="direct")

        # Then alice's direct stream sends the conversation as she sees it: unread, with bob
        event, conversation = to_alice.next()
        assert event == "conversation"
        assert conversation.unread is True
        assert [account.acct for account in conversation.accounts] == ["bob"]
        assert conversation.last_status.id == status.id
        assert conversation.last_status.visibility == "direct"
        assert conversation.id == alice.conversations()[0].id

        # And bob's own direct stream hears of it too, already read, with alice
        event, sent = to_bob.next()
        assert event == "conversation"
        assert sent.unread is False
        assert [account.acct for account in sent.accounts] == ["alice"]
        assert sent.last_status.id == status.id

        # And carol, who takes no part, hears nothing (while her stream keeps beating)
        to_carol.opened.clear()
        assert to_carol.opened.wait(WAIT)
        assert to_carol.events.empty()


def test_the_boosters_user_stream_shows_the_boost_with_their_flags(
    live_server: LiveServer, session: requests.Session
) -> None:
    alice = signed_in(live_server, session, "alice")
    bob = signed_in(live_server, session, "bob")
    post = bob.status_post("Worth sharing")
    alice.status_favourite(post)
    with listening(alice, "user") as to_alice:
        boost = alice.status_reblog(post)
        event, wrapper = to_alice.next()
    assert event == "update"
    assert wrapper.id == boost.id
    assert wrapper.reblogged is True
    assert wrapper.favourited is True
    assert wrapper.reblog.favourited is True
