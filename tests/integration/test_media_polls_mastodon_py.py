"""Media, polls and scheduled posts with Mastodon.py against a live server.

Given a running server with two employees signed in through Mastodon.py;
when one uploads an image, posts it, posts a poll and schedules a post;
then the other sees it all as Mastodon.py expects, and can vote.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import requests
from mastodon import MastodonAPIError
from PIL import Image

from tests.integration.conftest import EmployeeSpec, LiveServer
from tests.integration.mastodon_clients import employees, signed_in

# Every test runs on the local store and again on an S3 bucket (tests/s3_server.py).
pytestmark = pytest.mark.usefixtures("on_each_media_store")


@pytest.fixture
def live_employees() -> Sequence[EmployeeSpec]:
    return employees("alice", "bob")






def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 128, 255, 128)).save(buffer, "PNG")
    return buffer.getvalue()


def test_media_poll_and_schedule_with_mastodon_py(live_server: LiveServer, session: requests.Session) -> None:
    alice = signed_in(live_server, session, "alice")
    bob = signed_in(live_server, session, "bob")

    media = alice.media_post(png(), mime_type="image/png", description="Blue", focus=(0.1, -0.2))
    assert media["url"] and media["meta"]["original"]["width"] == 40
    assert media["meta"]["focus"] == {"x": 0.1, "y": -0.2}
    served = httpx.get(media["url"])  # no token: the URL is the permission
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    alice.media_update(media, description="Translucent blue")

    status = alice.status_post("A picture", media_ids=[media])
    seen = bob.status(status)
    assert [m["description"] for m in seen["media_attachments"]] == ["Translucent blue"]
    assert [s["id"] for s in bob.timeline_public(only_media=True)] == [status["id"]]

    question = alice.status_post("Tea or coffee?", poll=alice.make_poll(["Tea", "Coffee"], expires_in=600))
    voted = bob.poll_vote(question["poll"], [1])
    assert voted["own_votes"] == [1] and voted["votes_count"] == 1
    with pytest.raises(MastodonAPIError):
        bob.poll_vote(question["poll"], [0])
    assert alice.poll(question["poll"])["options"][1]["votes_count"] == 1

    when = datetime.now(UTC) + timedelta(hours=2)
    scheduled = alice.status_post("Tomorrow's news", scheduled_at=when)
    assert scheduled["params"]["text"] == "Tomorrow's news"
    assert [s["id"] for s in alice.scheduled_statuses()] == [scheduled["id"]]
    moved = alice.scheduled_status_update(scheduled, when + timedelta(hours=1))
    assert moved["scheduled_at"] != scheduled["scheduled_at"]
    alice.scheduled_status_delete(scheduled)
    assert alice.scheduled_statuses() == []


def test_editing_alt_text_while_editing_a_post_with_mastodon_py(
    live_server: LiveServer, session: requests.Session
) -> None:
    alice = signed_in(live_server, session, "alice")
    bob = signed_in(live_server, session, "bob")
    # Given a post with an image described "Blue"
    media = alice.media_post(png(), mime_type="image/png", description="Blue", focus=(0.1, -0.2))
    status = alice.status_post("A picture", media_ids=[media])

    # When alice edits the post and, with it, the image's description and focus (media_attributes[])
    edited = alice.status_update(status, "A picture, described better", media_attributes=[
        alice.generate_media_edit_attributes(media, description="A translucent blue square", focus=(0.5, 0.25)),
    ])

    # Then the answer, what bob sees and the medium itself all carry the new description and focus
    assert edited["edited_at"] is not None
    assert [m["description"] for m in edited["media_attachments"]] == ["A translucent blue square"]
    assert edited["media_attachments"][0]["meta"]["focus"] == {"x": 0.5, "y": 0.25}
    assert [m["description"] for m in bob.status(status)["media_attachments"]] == ["A translucent blue square"]
    assert alice.media(media)["description"] == "A translucent blue square"

    # And the history shows each revision with the description it had then
    history = bob.status_history(status)
    assert [revision["content"] for revision in history] == ["<p>A picture</p>", "<p>A picture, described better</p>"]
    assert [[m["description"] for m in revision["media_attachments"]] for revision in history] == [
        ["Blue"], ["A translucent blue square"]]
    assert [m["id"] for m in history[0]["media_attachments"]] == [media["id"]]


def test_media_attributes_for_someone_elses_medium_change_nothing(
    live_server: LiveServer, session: requests.Session
) -> None:
    alice = signed_in(live_server, session, "alice")
    bob = signed_in(live_server, session, "bob")
    status = alice.status_post("A picture", media_ids=[alice.media_post(png(), mime_type="image/png")])
    theirs = bob.media_post(png(), mime_type="image/png", description="Bob's")
    bob_post = bob.status_post("Bob's picture", media_ids=[theirs])

    # When alice names bob's medium in media_attributes (Mastodon.py puts it in media_ids too)
    with pytest.raises(MastodonAPIError) as refused:
        alice.status_update(status, "Taking it", media_attributes=[
            alice.generate_media_edit_attributes(theirs, description="Hijacked")])

    # Then the edit is refused, as Mastodon refuses media not the author's, and bob's medium is untouched
    assert refused.value.args[1] == 422
    assert [m["description"] for m in bob.status(bob_post)["media_attachments"]] == ["Bob's"]
    assert alice.status(status)["edited_at"] is None
