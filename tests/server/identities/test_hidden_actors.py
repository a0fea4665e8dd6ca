"""Hidden accounts never act outside, and hiding never strands what was published.

Given the company, a sales department whose publisher ``sam`` acts as it,
and a partner account outside; when an admin hides sales, then sales acting
outside is refused with nothing kept; and hiding an account that a published
post names (author, announcer, mention) is refused with the list of posts,
while retraction of a published post goes out even if its actor is hidden
by other means.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from storage.models import Account, FollowState, NewStatus, Page, ProfileChanges, RemoteProfile, Visibility
from tests.server.identities.world import World, bearer, consent, world

pytestmark = pytest.mark.anyio

Q = "/api/v1/admin/insideout"
AP = "application/activity+json"
PARTNER_INBOX = "https://partner.example/inbox"


async def partner(w: World, name: str = "olga") -> Account:
    uri = f"https://partner.example/users/{name}"
    return await w.state.storage.accounts.upsert_remote(RemoteProfile(
        uri=uri, username=name, domain="partner.example", actor_type="Person", inbox_url=f"{uri}/inbox",
        shared_inbox_url=PARTNER_INBOX))


async def deliveries(w: World) -> list[tuple[int, str, dict[str, Any]]]:
    rows = await w.state.storage.database.fetch_all(  # type: ignore[attr-defined]
        "SELECT actor_account_id, inbox_url, payload FROM deliveries ORDER BY id")
    return [(int(r[0]), str(r[1]), json.loads(bytes(r[2]))) for r in rows]


async def sales_token(w: World) -> dict[str, str]:
    async with consent(w, "sam") as dept_publisher:
        return bearer(await dept_publisher.token(str(w.sales.id)))


async def hide_sales(w: World, admin: dict[str, str]) -> None:
    hidden = await w.client.patch(f"{Q}/departments/{w.sales.id}", headers=admin, data={"exposed": "false"})
    assert hidden.status_code == 200, hidden.text


async def test_a_hidden_department_acting_as_itself_cannot_follow_or_like_outside(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        admin = bearer(await w.token("ada"))
        as_sales = await sales_token(w)
        olga = await partner(w)
        outside_post = await w.state.storage.statuses.create(NewStatus(
            account_id=olga.id, visibility=Visibility.PUBLIC, local=False,
            uri="https://partner.example/users/olga/statuses/1", content="<p>hello</p>"))
        await w.state.storage.follows.follow(w.accounts["sam"].id, olga.id, FollowState.ACCEPTED)
        # Given an admin hid sales
        await hide_sales(w, admin)

        # When sam, acting as sales, follows and likes outside
        followed = await w.client.post(f"/api/v1/accounts/{olga.id}/follow", headers=as_sales)
        liked = await w.client.post(f"/api/v1/statuses/{outside_post.id}/favourite", headers=as_sales)

        # Then both are refused with a clear 422, and nothing was kept or queued
        follow = await w.state.storage.follows.get(w.sales.id, olga.id)
        favourited = await w.state.storage.interactions.favourited_by(outside_post.id, Page(limit=5))
        sales = await w.state.storage.accounts.get(w.sales.id)
        queued = await deliveries(w)
        actor = await w.client.get("/users/sales", headers={"Accept": AP})
    assert followed.status_code == 422
    assert "hidden" in followed.json()["error"]
    assert liked.status_code == 422
    assert follow is None
    assert not favourited
    assert queued == []
    assert sales is not None and not sales.exposed
    assert actor.status_code == 404


async def test_an_employee_acting_for_themselves_is_still_exposed_by_following_outside(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        olga = await partner(w)
        stu = bearer(await w.token("stu", scopes="read write follow"))
        followed = await w.client.post(f"/api/v1/accounts/{olga.id}/follow", headers=stu)
        exposed = await w.state.storage.accounts.get(w.accounts["stu"].id)
        queued = await deliveries(w)
    assert followed.status_code == 200, followed.text
    assert exposed is not None and exposed.exposed
    assert [payload["type"] for _, _, payload in queued] == ["Follow"]


async def published_by_sales(w: World, admin: dict[str, str]) -> dict[str, Any]:
    as_sales = await sales_token(w)
    posted = await w.client.post("/api/v1/statuses", headers=as_sales,
                                 data={"status": "Our new catalogue", "visibility": "public"})
    assert posted.status_code == 200, posted.text
    published = await w.client.post(f"{Q}/statuses/{posted.json()['id']}/publish", headers=admin)
    assert published.status_code == 200, published.text
    body: dict[str, Any] = published.json()
    return body


async def test_hiding_a_department_that_authored_a_published_post_is_refused_with_the_post(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        admin = bearer(await w.token("ada"))
        status = await published_by_sales(w, admin)
        stored = await w.state.storage.statuses.get(int(status["id"]))
        assert stored is not None and stored.uri

        by_department = await w.client.patch(f"{Q}/departments/{w.sales.id}", headers=admin,
                                             data={"exposed": "false"})
        by_account = await w.client.post(f"{Q}/accounts/{w.sales.id}/hide", headers=admin,
                                         data={"reason": "reorganised"})
        note = await w.client.get(stored.uri.removeprefix("http://testserver"), headers={"Accept": AP})
        sales = await w.state.storage.accounts.get(w.sales.id)
    assert by_department.status_code == 409
    assert stored.uri in by_department.json()["error"]
    assert by_account.status_code == 409
    assert stored.uri in by_account.json()["error"]
    assert sales is not None and sales.exposed
    assert note.status_code == 200


@pytest.mark.parametrize("how", ["author", "mention", "announcer"])
async def test_hiding_anyone_a_published_post_names_is_refused_until_it_is_unpublished(
    tmp_path: Path, how: str
) -> None:
    async with world(tmp_path) as w:
        admin = bearer(await w.token("ada"))
        await w.client.post(f"{Q}/accounts/{w.accounts['stu'].id}/expose", headers=admin,
                            data={"reason": "speaks at conferences"})
        author = "stu" if how == "author" else "sam"
        text = {"author": "My talk", "mention": "Thanks @stu for the talk", "announcer": "News for @sales"}[how]
        token = bearer(await w.token(author, scopes="read write"))
        posted = await w.client.post("/api/v1/statuses", headers=token, data={"status": text, "visibility": "public"})
        assert posted.status_code == 200, posted.text
        published = await w.client.post(f"{Q}/statuses/{posted.json()['id']}/publish", headers=admin)
        assert published.status_code == 200, published.text
        target = w.sales.id if how == "announcer" else w.accounts["stu"].id

        refused = await w.client.post(f"{Q}/accounts/{target}/hide", headers=admin, data={"reason": "r"})
        unpublished = await w.client.post(f"{Q}/statuses/{posted.json()['id']}/unpublish", headers=admin)
        allowed = await w.client.post(f"{Q}/accounts/{target}/hide", headers=admin, data={"reason": "r"})
    assert refused.status_code == 409, refused.text
    assert unpublished.status_code == 200, unpublished.text
    assert allowed.status_code == 200, allowed.text


async def test_retraction_goes_out_even_when_author_and_announcer_were_hidden_since(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        admin = bearer(await w.token("ada"))
        olga = await partner(w)
        for followed in (w.sales, w.company):
            await w.state.storage.follows.follow(olga.id, followed.id, FollowState.ACCEPTED)
        status = await published_by_sales(w, admin)
        # Given sales authored a published post that the company announced, and was hidden behind the rule's
        # back (as an instance from before the rule could have done)
        await w.state.storage.accounts.update_profile(w.sales.id, ProfileChanges(exposed=False))
        before = len(await deliveries(w))

        # When an admin unpublishes it
        unpublished = await w.client.post(f"{Q}/statuses/{status['id']}/unpublish", headers=admin)
        sent = (await deliveries(w))[before:]
    # Then the Delete goes out, signed by the author partners know
    assert unpublished.status_code == 200, unpublished.text
    delete = [(actor, payload) for actor, inbox, payload in sent if payload["type"] == "Delete"]
    assert [actor for actor, _ in delete] == [w.sales.id]
    assert delete[0][1]["object"]["id"] == status["uri"]


async def test_an_undo_of_an_announce_goes_out_when_the_announcing_department_was_hidden_since(
    tmp_path: Path,
) -> None:
    async with world(tmp_path) as w:
        admin = bearer(await w.token("ada"))
        olga = await partner(w)
        await w.state.storage.follows.follow(olga.id, w.sales.id, FollowState.ACCEPTED)
        pat = bearer(await w.token("pat", scopes="read write"))
        posted = await w.client.post("/api/v1/statuses", headers=pat,
                                     data={"status": "Sales news", "visibility": "public"})
        published = await w.client.post(f"{Q}/statuses/{posted.json()['id']}/publish", headers=admin,
                                        data={"announcers[]": ["company", "sales"]})
        assert published.status_code == 200, published.text
        await w.state.storage.accounts.update_profile(w.sales.id, ProfileChanges(exposed=False))
        before = len(await deliveries(w))

        unpublished = await w.client.post(f"{Q}/statuses/{posted.json()['id']}/unpublish", headers=admin)
        sent = (await deliveries(w))[before:]
    assert unpublished.status_code == 200, unpublished.text
    undos = [payload for actor, _, payload in sent if actor == w.sales.id]
    assert [(u["type"], u["object"]["type"]) for u in undos] == [("Undo", "Announce")]

