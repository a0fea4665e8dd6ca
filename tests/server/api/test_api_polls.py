"""Polls through the Mastodon API: posting one, voting, results, and the end of the poll.

Given staff with tokens; when one posts a poll and others vote; then the
rules are Mastodon's, totals hide as asked, only those who can see the post
see the poll, and its end notifies the author and the voters once.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from activitypub.errors import InvalidInput
from server.services.attachments import StatusAttachments
from server.services.polls import PollExpiryWorker, PollService
from server.services.statuses import StatusDraft
from storage.clock import utcnow
from storage.media import NewPoll
from storage.models import NewStatus, RemoteProfile, Visibility
from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token

pytestmark = pytest.mark.anyio

POLL = {"options": ["Tea", "Coffee", "Water"], "expires_in": 3600}


async def post_poll(client: httpx.AsyncClient, headers: dict[str, str], **poll: Any) -> httpx.Response:
    return await client.post("/api/v1/statuses", headers=headers,
                             json={"status": "Which one?", "poll": {**POLL, **poll}})


async def vote(client: httpx.AsyncClient, headers: dict[str, str], poll_id: str, *choices: int) -> httpx.Response:
    return await client.post(f"/api/v1/polls/{poll_id}/votes", headers=headers,
                             data={"choices[]": [str(c) for c in choices]})


async def notifications(client: httpx.AsyncClient, headers: dict[str, str]) -> list[tuple[str, str]]:
    found = (await client.get("/api/v1/notifications", headers=headers)).json()
    return [(n["type"], n["status"]["id"]) for n in found]


async def test_poll_in_a_form_post_and_its_entity(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))

        created = await client.post("/api/v1/statuses", headers=alice, data={
            "status": "Lunch?", "poll[options][]": ["Pizza", "Salad"], "poll[expires_in]": "300",
            "poll[multiple]": "true"})

        assert created.status_code == 200, created.text
        poll = created.json()["poll"]
        assert poll["options"] == [{"title": "Pizza", "votes_count": 0}, {"title": "Salad", "votes_count": 0}]
        assert poll["multiple"] is True and poll["expired"] is False and poll["emojis"] == []
        assert poll["votes_count"] == 0 and poll["voters_count"] == 0
        assert poll["voted"] is True and poll["own_votes"] == []  # the author counts as having voted
        shown = (await client.get(f"/api/v1/polls/{poll['id']}", headers=bob)).json()
        assert shown["voted"] is False and shown["expires_at"] == poll["expires_at"]
        assert (await client.get(f"/api/v1/statuses/{created.json()['id']}", headers=bob)).json()["poll"] == shown


@pytest.mark.parametrize(("poll", "message"), [
    ({"options": ["only one"]}, "more than one item"),
    ({"options": ["a", "b", "c", "d", "e"]}, "more than 4 items"),
    ({"options": ["a", "x" * 51]}, "longer than 50 characters"),
    ({"options": ["same", "same"]}, "duplicate"),
    ({"expires_in": 299}, "too soon"),
    ({"expires_in": 2629747}, "too far"),
    ({"expires_in": None}, "too soon"),
])
async def test_poll_rules(tmp_path: Path, poll: dict[str, Any], message: str) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))

        refused = await post_poll(client, alice, **poll)

        assert refused.status_code == 422 and message in refused.json()["error"]
        assert (await client.get("/api/v1/timelines/public", headers=alice)).json() == []


async def test_voting_rules_and_hidden_totals(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        carol = bearer(await staff_token(app, "carol"))
        poll_id = (await post_poll(client, alice, hide_totals=True)).json()["poll"]["id"]

        voted = await vote(client, bob, poll_id, 1)

        assert voted.status_code == 200
        assert voted.json()["voted"] is True and voted.json()["own_votes"] == [1]
        assert voted.json()["votes_count"] == 1
        assert [o["votes_count"] for o in voted.json()["options"]] == [None, None, None]
        owner_view = (await client.get(f"/api/v1/polls/{poll_id}", headers=alice)).json()
        assert [o["votes_count"] for o in owner_view["options"]] == [0, 1, 0]

        again = await vote(client, bob, poll_id, 2)
        assert again.status_code == 422 and "already voted" in again.json()["error"]
        two = await vote(client, carol, poll_id, 0, 1)
        assert two.status_code == 422
        invalid = await vote(client, carol, poll_id, 3)
        assert invalid.status_code == 422 and "does not exist" in invalid.json()["error"]
        own = await vote(client, alice, poll_id, 0)
        assert own.status_code == 422 and "own polls" in own.json()["error"]
        nothing = await client.post(f"/api/v1/polls/{poll_id}/votes", headers=carol, data={})
        assert nothing.status_code == 400
        assert (await vote(client, carol, "999999", 0)).status_code == 404
        assert (await client.get(f"/api/v1/polls/{poll_id}")).status_code == 401
        assert (await client.get(f"/api/v1/polls/{poll_id}", headers=carol)).json()["votes_count"] == 1


async def test_multiple_choice_votes(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        carol = bearer(await staff_token(app, "carol"))
        poll_id = (await post_poll(client, alice, multiple=True)).json()["poll"]["id"]

        await vote(client, bob, poll_id, 0, 2)
        result = (await vote(client, carol, poll_id, 2)).json()

        assert [o["votes_count"] for o in result["options"]] == [1, 0, 2]
        assert result["votes_count"] == 3 and result["voters_count"] == 2
        assert (await vote(client, bob, poll_id, 2)).status_code == 422  # the same option twice
        assert (await vote(client, bob, poll_id, 1)).json()["own_votes"] == [0, 2, 1]


async def test_a_poll_is_only_as_visible_as_its_status(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        hidden = await client.post("/api/v1/statuses", headers=alice,
                                   json={"status": "followers only", "visibility": "private", "poll": POLL})
        poll_id = hidden.json()["poll"]["id"]

        not_found = await client.get(f"/api/v1/polls/{poll_id}", headers=bob)
        never = await client.get("/api/v1/polls/424242424242", headers=bob)

        assert not_found.status_code == never.status_code == 404
        assert not_found.content == never.content
        assert (await vote(client, bob, poll_id, 0)).status_code == 404
        deleted = await post_poll(client, alice)
        await client.delete(f"/api/v1/statuses/{deleted.json()['id']}", headers=alice)
        assert (await client.get(f"/api/v1/polls/{deleted.json()['poll']['id']}", headers=bob)).status_code == 404


async def test_expiry_notifies_the_author_and_voters_once(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path, INSIDEOUT_SERVER_WORKERS_ENABLED="false"))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        carol = bearer(await staff_token(app, "carol"))
        status = (await post_poll(client, alice, expires_in=300)).json()
        await vote(client, bob, status["poll"]["id"], 0)
        services = app.state.insideout.services
        storage = app.state.insideout.storage

        early = PollExpiryWorker(storage, services.distribution, clock=lambda: utcnow() + timedelta(seconds=200))
        assert await early.run_once() == 0
        later = PollExpiryWorker(storage, services.distribution, clock=lambda: utcnow() + timedelta(seconds=301))
        assert await later.run_once() == 1
        assert await later.run_once() == 0

        assert await notifications(client, alice) == [("poll", status["id"])]
        assert await notifications(client, bob) == [("poll", status["id"])]
        assert await notifications(client, carol) == []

        # Voting after the end is refused.
        closed = PollService(storage, services.statuses, services.outbound,
                             clock=lambda: utcnow() + timedelta(seconds=301))
        carol_account = await storage.accounts.get_local("carol")
        with pytest.raises(InvalidInput, match="already ended"):
            await closed.vote(carol_account, int(status["poll"]["id"]), [1])


async def remote_poll(app: Starlette) -> str:
    storage = app.state.insideout.storage
    author = await storage.accounts.upsert_remote(RemoteProfile(
        uri="https://remote.example/users/carol", username="carol", domain="remote.example", actor_type="Person",
        inbox_url="https://remote.example/users/carol/inbox", shared_inbox_url="https://remote.example/inbox",
        public_key_pem="unused",
    ))
    status = await storage.statuses.create(NewStatus(
        author.id, Visibility.PUBLIC, text="", content="<p>Remote question</p>", local=False,
        uri="https://remote.example/users/carol/statuses/1", url="https://remote.example/@carol/1",
    ))
    poll = await storage.polls.create(NewPoll(status.id, ("Yes", "No"), False, False, utcnow() + timedelta(days=1)))
    return str(poll.id)


async def test_a_remote_vote_is_kept_only_with_its_delivery(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path, INSIDEOUT_SERVER_WORKERS_ENABLED="false"))
    async with serving(app) as client:
        bob = bearer(await staff_token(app, "bob"))
        poll_id = await remote_poll(app)

        voted = await vote(client, bob, poll_id, 1)

        storage = app.state.insideout.storage
        kept = (await storage.polls.tallies([int(poll_id)]))[int(poll_id)].total
        queued = len(await storage.database.fetch_all("SELECT id FROM deliveries"))
        assert (voted.status_code, kept, queued) in ((200, 1, 1), (403, 0, 0))


async def test_a_vote_in_a_remote_poll_goes_outside(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path, INSIDEOUT_SERVER_WORKERS_ENABLED="false"))
    async with serving(app) as client:
        bob = bearer(await staff_token(app, "bob"))
        poll_id = await remote_poll(app)

        voted = await vote(client, bob, poll_id, 1)

        assert voted.status_code == 200 and voted.json()["own_votes"] == [1]
        rows = await app.state.insideout.storage.database.fetch_all("SELECT inbox_url, payload FROM deliveries")
        activities = [(row["inbox_url"], json.loads(row["payload"])) for row in rows]
        votes = [a for _, a in activities if a["type"] == "Create" and a["object"].get("name") == "No"]
        assert len(votes) == 1 and votes[0]["object"]["inReplyTo"] == "https://remote.example/users/carol/statuses/1"


async def test_attach_rolls_back_with_its_status(tmp_path: Path) -> None:
    """A medium taken between the check and the write makes the status itself vanish."""
    app = app_for(settings_for(tmp_path, INSIDEOUT_SERVER_WORKERS_ENABLED="false"))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        storage = app.state.insideout.storage
        from tests.server.api.test_api_media import jpeg
        media_id = (await client.post("/api/v2/media", headers=alice,
                                      files={"file": ("a.jpg", jpeg(), "image/jpeg")})).json()["id"]
        author = await storage.accounts.get_local("alice")
        attachments = StatusAttachments(storage)
        prepared = await attachments.prepare(author, StatusDraft(text="x", media_ids=(int(media_id),)))
        await client.post("/api/v1/statuses", headers=alice, data={"status": "first", "media_ids[]": media_id})

        with pytest.raises(InvalidInput):
            async with storage.transaction():
                status = await storage.statuses.create(NewStatus(author.id, Visibility.PUBLIC, text="second"))
                await attachments.attach(author, status, prepared)

        assert await storage.statuses.get(status.id) is None
        assert await storage.statuses.count_by_account(author.id) == 1
