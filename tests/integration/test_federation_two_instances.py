"""Two live Insideout instances federate: follow, accept, publish, announce, fetch, reply, like, edit, unpublish."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.activitypub.inbound import inbound_for
from server.services.statuses import StatusDraft
from storage.models import Account, FollowState, Page, PublicationState, Role, Visibility
from tests.integration.federation_pair import Instance, federation_pair, settle
from tests.server.helpers import bearer, staff_token

pytestmark = pytest.mark.anyio
CANARY = "INTERNAL-CANARY-7f3a"


async def employee(instance: Instance, username: str, role: Role = Role.STAFF) -> Account:
    created = await instance.state.services.accounts.create_employee(
        username, f"{username}@{instance.host}", "long enough password", role=role
    )
    return created.account


async def follow_remote(follower_side: Instance, follower_username: str, target_uri: str) -> None:
    storage = follower_side.state.storage
    follower = await storage.accounts.get_local(follower_username)
    assert follower is not None
    target = await inbound_for(follower_side.app).actors.resolve(target_uri)
    follow = await storage.follows.follow(follower.id, target.id, FollowState.PENDING,
                                          uri=f"http://{follower_side.host}/users/{follower_username}#follows/1")
    await follower_side.state.services.outbound.follow(follower, target, follow)


async def test_publication_reaches_a_partner_and_nothing_internal_does(tmp_path: Path) -> None:
    async with federation_pair(tmp_path) as (a, b, router):
        alice = await employee(a, "alice", Role.PUBLISHER)
        await employee(b, "bob")
        internal = await a.state.services.statuses.create(alice, StatusDraft(text=f"{CANARY} stays inside"))
        shared = await a.state.services.statuses.create(alice, StatusDraft(text="Hello partners #launch"))

        # Given bob on b follows a's company, which auto-accepts
        await follow_remote(b, "bob", "http://a.example/users/company")
        await settle(a, b)
        bob = await b.state.storage.accounts.get_local("bob")
        company_at_b = await b.state.storage.accounts.get_by_uri("http://a.example/users/company")
        assert bob is not None and company_at_b is not None
        follow = await b.state.storage.follows.get(bob.id, company_at_b.id)
        assert follow is not None and follow.state is FollowState.ACCEPTED

        # When a publisher publishes alice's post
        published = await a.state.services.publication.publish(shared.id, by="test")
        await settle(a, b)

        # Then b received the company's Announce, fetched the Note and shows it in bob's home timeline
        assert published.uri == f"http://a.example/users/alice/statuses/{shared.id}"
        note_at_b = await b.state.storage.statuses.get_by_uri(published.uri)
        assert note_at_b is not None and "Hello partners" in note_at_b.content
        home = await b.state.storage.timelines.home(bob.id, _page())
        boosts = await b.state.storage.statuses.get_many(home)
        assert any(s.reblog_of_id == note_at_b.id for s in boosts.values())
        alice_at_b = await b.state.storage.accounts.get_by_uri("http://a.example/users/alice")
        assert alice_at_b is not None, "publication exposed alice, so b could fetch her actor"

        # And b's staff like and reply; a records both and notifies alice
        like = await b.state.services.interactions.favourite(bob, note_at_b.id)
        assert like.id == note_at_b.id
        await _reply_from_b(b, bob, published.uri)
        await settle(a, b)
        favourites = await a.state.storage.interactions.interactors([shared.id])
        assert favourites.get(shared.id) == 1
        kinds = [n.type for n in await a.state.storage.notifications.list(alice.id, _page())]
        assert "favourite" in kinds

        # And alice hears that her post (and her public profile) are now outside
        notifications = await a.state.storage.notifications.list(alice.id, _page())
        notices = await a.state.storage.statuses.get_many(
            [n.status_id for n in notifications if n.type == "mention" and n.status_id])
        assert any("is now published outside" in notice.text and str(shared.id) in notice.text
                   for notice in notices.values())

        # When the publisher edits the published post, b gets the Update
        await a.state.services.statuses.edit(alice, shared.id, StatusDraft(text="Hello partners, edited #launch"))
        await settle(a, b)
        updated = await b.state.storage.statuses.get_by_uri(published.uri)
        assert updated is not None and "edited" in updated.content

        # And a boost by b's staff stays inside b; an unlike goes out as Undo
        sent_before = len(router.requests)
        await b.state.services.statuses.reblog(bob, note_at_b.id)
        await settle(a, b)
        assert len(router.requests) == sent_before, "boosts of outside posts stay inside"
        await b.state.services.interactions.unfavourite(bob, note_at_b.id)
        await settle(a, b)
        assert (await a.state.storage.interactions.interactors([shared.id])).get(shared.id, 0) == 0

        # When the post is unpublished, b deletes it and its URL answers 410
        await a.state.services.publication.unpublish(shared.id, by="test")
        await settle(a, b)
        gone = await b.state.storage.statuses.get_by_uri(published.uri)
        assert gone is not None and gone.deleted_at is not None
        assert (await a.client.get(published.uri, headers=_ap())).status_code == 410

        # And nothing internal ever crossed: not the canary, not the internal post's id
        for _method, url, body in router.requests:
            assert CANARY not in body.decode("utf-8", "replace"), url
            assert str(internal.id) not in url
        internal_url = f"http://a.example/users/alice/statuses/{internal.id}"
        hidden = await a.client.get(internal_url, headers=_ap())
        missing = await a.client.get("http://a.example/users/alice/statuses/42", headers=_ap())
        assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json()) == (
            404, {"error": "Record not found"})
        refreshed = await a.state.storage.statuses.get(shared.id)
        assert refreshed is not None and refreshed.publication_state is PublicationState.RETRACTED


async def test_a_reply_to_an_internal_post_is_dropped_like_one_to_nothing(tmp_path: Path) -> None:
    async with federation_pair(tmp_path) as (a, b, router):
        alice = await employee(a, "alice", Role.PUBLISHER)
        bob = await employee(b, "bob")
        internal = await a.state.services.statuses.create(alice, StatusDraft(text="inside only"))
        internal_uri = f"http://a.example/users/alice/statuses/{internal.id}"
        await follow_remote(b, "bob", "http://a.example/users/company")
        await settle(a, b)
        await a.state.services.statuses.create(alice, StatusDraft(text="published"))

        await _reply_from_b(b, bob, internal_uri)  # b does not know the post; it stays inside b
        await settle(a, b)

        assert [s.id for s in await a.state.storage.statuses.thread(internal.thread_id)] == [internal.id]


async def _reply_from_b(b: Instance, bob: Account, parent_uri: str) -> None:
    """b publishes a reply by bob, as a partner server would send it."""
    parent = await b.state.storage.statuses.get_by_uri(parent_uri)
    reply = await b.state.services.statuses.create(
        bob, StatusDraft(text="Congratulations!", visibility=Visibility.PUBLIC,
                         in_reply_to_id=parent.id if parent else None)
    )
    if parent is None:
        return
    await b.state.services.publication.publish(reply.id, by="test", announcers=[])


def _page() -> Page:
    return Page(limit=40)


def _ap() -> dict[str, str]:
    return {"Accept": "application/activity+json"}


async def test_a_rotated_key_signs_from_then_on_and_the_partner_follows_along(tmp_path: Path) -> None:
    async with federation_pair(tmp_path) as (a, b, router):
        bob = await employee(b, "bob")
        await follow_remote(b, "bob", "http://a.example/users/company")
        await settle(a, b)
        old = await b.state.storage.accounts.get_by_uri("http://a.example/users/company")
        assert old is not None

        company = await a.state.services.accounts.rotate_key("company")
        await a.state.services.outbound.actor_updated(company)
        await settle(a, b)
        alice = await employee(a, "alice", Role.PUBLISHER)
        post = await a.state.services.statuses.create(alice, StatusDraft(text="signed with the new key"))
        await a.state.services.publication.publish(post.id, by="test")
        await settle(a, b)

        refreshed = await b.state.storage.accounts.get_by_uri("http://a.example/users/company")
        assert refreshed is not None and refreshed.public_key_pem == company.public_key_pem != old.public_key_pem
        assert await b.state.storage.statuses.get_by_uri(f"http://a.example/users/alice/statuses/{post.id}")
        assert bob.id


async def test_staff_find_follow_and_read_an_outside_account_through_the_api(tmp_path: Path) -> None:
    async with federation_pair(tmp_path) as (a, b, router):
        alice = bearer(await staff_token(a.app, "alice"))
        bob = await employee(b, "bob", Role.PUBLISHER)
        query = {"q": "bob@b.example", "resolve": "true", "type": "accounts"}
        hidden = await a.client.get("/api/v2/search", headers=alice, params=query)
        assert hidden.json()["accounts"] == [], "an internal account on b cannot be found from outside"
        first = await b.state.services.statuses.create(bob, StatusDraft(text="hello world"))
        await b.state.services.publication.publish(first.id, by="test", announcers=[])  # exposes bob

        found = await a.client.get("/api/v2/search", headers=alice,
                                   params={"q": "bob@b.example", "resolve": "true", "type": "accounts"})
        assert found.status_code == 200, found.text
        accounts = found.json()["accounts"]
        assert [x["acct"] for x in accounts] == ["bob@b.example"]

        follow = await a.client.post(f"/api/v1/accounts/{accounts[0]['id']}/follow", headers=alice)
        assert follow.status_code == 200, follow.text
        await settle(a, b)
        relationship = (await a.client.get("/api/v1/accounts/relationships", headers=alice,
                                           params={"id[]": accounts[0]["id"]})).json()[0]
        assert relationship["following"] is True and relationship["requested"] is False

        post = await b.state.services.statuses.create(bob, StatusDraft(text="news from b"))
        await b.state.services.publication.publish(post.id, by="test", announcers=[])
        await settle(a, b)
        home = (await a.client.get("/api/v1/timelines/home", headers=alice)).json()
        assert [s["content"] for s in home] == ["<p>news from b</p>"]
        assert home[0]["account"]["acct"] == "bob@b.example"

        by_url = await a.client.get("/api/v2/search", headers=alice, params={
            "q": f"http://b.example/users/bob/statuses/{post.id}", "resolve": "true", "type": "statuses"})
        assert [s["id"] for s in by_url.json()["statuses"]] == [home[0]["id"]]
