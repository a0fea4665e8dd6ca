"""Public collections count only published posts and outside relationships."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.models import Account, FollowState, NewStatus, PublicationState, RemoteProfile, Visibility
from tests.server.activitypub.world import AP, BASE_URL, World, running

pytestmark = pytest.mark.anyio


async def remote(world: World, username: str, domain: str = "partner.example") -> Account:
    uri = f"https://{domain}/users/{username}"
    return await world.storage.accounts.upsert_remote(
        RemoteProfile(uri=uri, username=username, domain=domain, actor_type="Person", inbox_url=f"{uri}/inbox")
    )


async def test_followers_count_and_list_only_remote_accounts(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        sales = await world.department("sales", "Sales")
        colleague = await world.employee("alice", exposed=True)
        partner = await remote(world, "pat")
        await world.storage.follows.follow(colleague.id, sales.id, FollowState.ACCEPTED)
        await world.storage.follows.follow(partner.id, sales.id, FollowState.ACCEPTED)
        pending = await remote(world, "pending", "other.example")
        await world.storage.follows.follow(pending.id, sales.id, FollowState.PENDING)
        collection = (await world.client.get("/users/sales/followers", headers={"Accept": AP})).json()
        page = (await world.client.get(collection["first"].removeprefix(BASE_URL))).json()
    assert collection == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{BASE_URL}/users/sales/followers",
        "type": "OrderedCollection",
        "totalItems": 1,
        "first": f"{BASE_URL}/users/sales/followers?page=true",
    }
    assert page["type"] == "OrderedCollectionPage" and page["partOf"] == collection["id"]
    assert page["orderedItems"] == ["https://partner.example/users/pat"]
    assert "next" not in page


async def test_following_counts_only_outside_accounts(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        alice = await world.employee("alice", exposed=True)
        sales = await world.department("sales", "Sales")
        partner = await remote(world, "pat")
        await world.storage.follows.follow(alice.id, sales.id, FollowState.ACCEPTED)
        await world.storage.follows.follow(alice.id, partner.id, FollowState.ACCEPTED)
        collection = (await world.client.get("/users/alice/following")).json()
        page = (await world.client.get("/users/alice/following?page=true")).json()
    assert collection["totalItems"] == 1
    assert page["orderedItems"] == ["https://partner.example/users/pat"]


async def test_relationship_pages_link_to_the_next_page_until_the_end(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        company = await world.company()
        for number in range(13):
            follower = await remote(world, f"p{number}")
            await world.storage.follows.follow(follower.id, company.id, FollowState.ACCEPTED)
        first = (await world.client.get("/users/company/followers?page=true")).json()
        second = (await world.client.get(first["next"].removeprefix(BASE_URL))).json()
    assert first["totalItems"] == 13 and len(first["orderedItems"]) == 12
    assert len(second["orderedItems"]) == 1 and "next" not in second
    assert set(first["orderedItems"]) | set(second["orderedItems"]) == {
        f"https://partner.example/users/p{n}" for n in range(13)
    }


async def test_the_outbox_counts_published_posts_only(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        alice = await world.employee("alice", exposed=True)
        statuses = world.storage.statuses
        await statuses.create(NewStatus(alice.id, Visibility.PUBLIC, text="internal"))
        published = await statuses.create(NewStatus(alice.id, Visibility.PUBLIC, text="public"))
        await statuses.set_publication(
            published.id, PublicationState.PUBLISHED, epoch=1, uri=f"{BASE_URL}/p/1", url=None, edit_id=None
        )
        retracted = await statuses.create(NewStatus(alice.id, Visibility.PUBLIC, text="gone"))
        await statuses.set_publication(
            retracted.id, PublicationState.RETRACTED, epoch=1, uri=f"{BASE_URL}/p/2", url=None, edit_id=None
        )
        response = await world.client.get("/users/alice/outbox")
        page = await world.client.get("/users/alice/outbox?page=true")
    assert response.headers["content-type"] == "application/activity+json; charset=utf-8"
    assert response.json() == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{BASE_URL}/users/alice/outbox",
        "type": "OrderedCollection",
        "totalItems": 1,
        "first": f"{BASE_URL}/users/alice/outbox?page=true",
    }
    assert page.json()["type"] == "OrderedCollectionPage"
    assert page.json()["partOf"] == f"{BASE_URL}/users/alice/outbox"
    assert "internal" not in page.text


async def test_featured_posts_and_tags_are_empty_collections(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        featured = (await world.client.get("/users/company/collections/featured")).json()
        tags = (await world.client.get("/users/company/collections/tags")).json()
    assert featured == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{BASE_URL}/users/company/collections/featured",
        "type": "OrderedCollection",
        "totalItems": 0,
        "orderedItems": [],
    }
    assert (tags["type"], tags["totalItems"], tags["items"]) == ("Collection", 0, [])


async def test_the_instance_actor_outbox_is_empty(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        response = await world.client.get("/actor/outbox")
    assert response.json()["id"] == f"{BASE_URL}/actor/outbox" and response.json()["totalItems"] == 0
