"""The review queue over the admin API: nominate, approve (now or later), decline, revisions, roles, audit.

Given a company with staff, a publisher, an admin and departments, and a
partner server following the company and the author; when posts are
nominated and decided; then exactly the approved revision goes out, the
author is told in a way stock clients show, and the audit log says who did
what and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from server.services.review_worker import ScheduledPublicationWorker
from storage.clock import utcnow
from storage.models import Account, FollowState, MemberRole, RemoteProfile
from tests.server.activitypub.world import AP, BASE_URL, CANARY, World, running
from tests.server.helpers import bearer, staff_token

pytestmark = pytest.mark.anyio

ADMIN_SCOPES = "read write follow push admin:read admin:write"
Q = "/api/v1/admin/insideout"


@dataclass
class Team:
    world: World
    alice: dict[str, str]
    publisher: dict[str, str]
    admin: dict[str, str]
    dana: dict[str, str]
    """A staff member who publishes for the sales department only."""
    alice_account: Account


async def team(world: World) -> Team:
    alice = bearer(await staff_token(world.app, "alice", scopes=ADMIN_SCOPES))
    publisher = bearer(await staff_token(world.app, "pia", scopes=ADMIN_SCOPES, role="publisher"))
    admin = bearer(await staff_token(world.app, "ada", scopes=ADMIN_SCOPES, role="admin"))
    dana = bearer(await staff_token(world.app, "dana", scopes=ADMIN_SCOPES))
    sales = await world.department("sales", "Sales")
    await world.department("ops", "Operations")
    dana_account = await world.storage.accounts.get_local("dana")
    assert dana_account is not None
    await world.storage.departments.set_member(sales.id, dana_account.id, MemberRole.PUBLISHER)
    partner = await world.storage.accounts.upsert_remote(RemoteProfile(
        uri="https://partner.example/users/pat", username="pat", domain="partner.example", actor_type="Person",
        inbox_url="https://partner.example/users/pat/inbox"))
    alice_account = await world.storage.accounts.get_local("alice")
    assert alice_account is not None
    for target in (await world.company(), alice_account, sales):
        await world.storage.follows.follow(partner.id, target.id, FollowState.ACCEPTED)
    return Team(world, alice, publisher, admin, dana, alice_account)


async def post(t: Team, text: str, visibility: str = "public") -> dict[str, Any]:
    response = await t.world.client.post("/api/v1/statuses", headers=t.alice, data={"status": text,
                                                                                     "visibility": visibility})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def queue(t: Team, headers: dict[str, str] | None = None, **params: str) -> list[dict[str, Any]]:
    response = await t.world.client.get(f"{Q}/queue", headers=headers or t.publisher, params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


async def note(t: Team, status_id: str) -> dict[str, Any]:
    status = await t.world.storage.statuses.get(int(status_id))
    assert status is not None and status.uri is not None
    response = await t.world.client.get(status.uri.removeprefix(BASE_URL), headers={"Accept": AP})
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


async def notices(t: Team) -> list[str]:
    """The texts of the company's direct messages to alice, as her client shows them (mention notifications)."""
    response = await t.world.client.get("/api/v1/notifications", headers=t.alice, params={"types[]": "mention"})
    return [n["status"]["content"] for n in response.json() if n["account"]["username"] == "company"]


async def delivery_count(world: World) -> int:
    row = await world.storage.database.fetch_one("SELECT count(*) FROM deliveries")  # type: ignore[attr-defined]
    assert row is not None
    return int(row[0])


async def audit(t: Team, **params: str) -> list[dict[str, Any]]:
    response = await t.world.client.get(f"{Q}/audit", headers=t.admin, params=params)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


async def test_a_hashtag_nominates_and_approval_publishes_without_the_hashtag(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        t = await team(world)
        # Given alice posts with the nomination hashtag, from any client
        status = await post(t, "Launch day! #outside #News")
        # Then the post waits in the queue, showing who announces it and the revision under review
        [item] = await queue(t)
        assert item["state"] == "pending" and item["kind"] == "publication"
        assert item["status"]["id"] == status["id"] and item["account"]["username"] == "alice"
        assert [a["username"] for a in item["announcers"]] == ["company"]
        edits = await world.storage.statuses.edits(int(status["id"]))
        assert item["revision"]["id"] == str(edits[-1].id) and item["diff"] is None
        assert item["status"]["publication"]["state"] == "internal"

        # When a publisher approves it now
        response = await world.client.post(f"{Q}/queue/{item['id']}/approve", headers=t.publisher,
                                           data={"reason": "good news"})
        assert response.status_code == 200, response.text
        assert response.json()["state"] == "approved"
        # Then it is published: the Create from alice and the Announce from the company are queued
        published = await world.storage.statuses.get(int(status["id"]))
        assert published is not None and published.is_published and published.uri
        assert await world.storage.deliveries.for_activity(f"{published.uri}/activity")
        announce = f"{BASE_URL}/users/company/announces/{published.id}-1"
        assert await world.storage.deliveries.for_activity(announce)
        # And the Note leaves the nomination hashtag out, keeping the others
        document = await note(t, status["id"])
        assert "outside" not in document["content"].lower() and "#<span>News</span>" in document["content"]
        assert [tag["name"] for tag in document["tag"] if tag["type"] == "Hashtag"] == ["#News"]
        assert CANARY not in str(document)
        # And alice reads, in her ordinary notifications, that the post and her profile are outside
        [told] = await notices(t)
        assert "is now published outside" in told and "public profile" in told
        # And approving again is a conflict, not a second publication
        again = await world.client.post(f"{Q}/queue/{item['id']}/approve", headers=t.publisher)
        assert again.status_code == 409 and "already decided" in again.json()["error"]
        assert await queue(t) == []


async def test_the_hashtag_stays_when_configured(tmp_path: Path) -> None:
    async with running(tmp_path, INSIDEOUT_PUBLICATION_KEEP_NOMINATE_HASHTAG="true") as world:
        t = await team(world)
        status = await post(t, "Launch day! #outside")
        [item] = await queue(t)
        await world.client.post(f"{Q}/queue/{item['id']}/approve", headers=t.publisher)
        document = await note(t, status["id"])
        assert "#<span>outside</span>" in document["content"]


async def test_private_posts_cannot_be_nominated_or_published(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        t = await team(world)
        private = await post(t, "followers only #outside", "private")
        # The hashtag stays inert, and alice is told why
        assert await queue(t) == []
        [told] = await notices(t)
        assert "only public or unlisted posts" in told
        nominated = await world.client.post(f"{Q}/statuses/{private['id']}/nominate", headers=t.alice)
        assert nominated.status_code == 422
        published = await world.client.post(f"{Q}/statuses/{private['id']}/publish", headers=t.admin)
        assert published.status_code == 422 and "public or unlisted" in published.json()["error"]
        listed = await world.client.get(f"{Q}/statuses", headers=t.admin)
        assert private["id"] not in [s["id"] for s in listed.json()]
        assert await delivery_count(world) == 0


async def test_explicit_nomination_by_the_author_only(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        t = await team(world)
        status = await post(t, "worth sharing")
        assert await queue(t) == []
        other = await world.client.post(f"{Q}/statuses/{status['id']}/nominate", headers=t.publisher)
        assert other.status_code == 403
        response = await world.client.post(f"{Q}/statuses/{status['id']}/nominate", headers=t.alice)
        assert response.status_code == 200 and response.json()["state"] == "pending"
        twice = await world.client.post(f"{Q}/statuses/{status['id']}/nominate", headers=t.alice)
        assert twice.status_code == 409
        [entry] = await audit(t, action="nominate")
        assert entry["status_id"] == status["id"] and entry["actor"] == f"user:{t.alice_account.id}"


async def test_roles_decide_who_may_approve(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        t = await team(world)
        for_ops = await post(t, "@ops thanks for the release #outside")
        for_sales = await post(t, "@sales record quarter #outside")
        items = {i["status"]["id"]: i["id"] for i in await queue(t)}
        # Staff cannot decide, even with admin scopes
        refused = await world.client.post(f"{Q}/queue/{items[for_ops['id']]}/approve", headers=t.alice)
        assert refused.status_code == 403 and "publishers" in refused.json()["error"]
        # A sales publisher sees only sales' posts, and cannot decide for ops
        assert [i["status"]["id"] for i in await queue(t, t.dana)] == [for_sales["id"]]
        other = await world.client.post(f"{Q}/queue/{items[for_ops['id']]}/approve", headers=t.dana)
        assert other.status_code == 403
        as_company = await world.client.post(f"{Q}/queue/{items[for_sales['id']]}/approve", headers=t.dana,
                                             data={"announcers[]": "company"})
        assert as_company.status_code == 403
        # For their own department they may: sales announces, not the company
        approved = await world.client.post(f"{Q}/queue/{items[for_sales['id']]}/approve", headers=t.dana)
        assert approved.status_code == 200, approved.text
        assert [a["username"] for a in approved.json()["announcers"]] == ["sales"]
        status = await world.storage.statuses.get(int(for_sales["id"]))
        assert status is not None and status.is_published
        assert await world.storage.deliveries.for_activity(f"{BASE_URL}/users/sales/announces/{status.id}-1")
        assert not await world.storage.deliveries.for_activity(f"{BASE_URL}/users/company/announces/{status.id}-1")
        # Without admin scopes the admin API is closed
        plain = bearer(await staff_token(world.app, "reader", role="admin"))
        assert (await world.client.get(f"{Q}/queue", headers=plain)).status_code == 403


async def test_a_publisher_changes_the_announcers_and_the_log_says_so(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        t = await team(world)
        await post(t, "big news #outside")
        [item] = await queue(t)
        response = await world.client.post(f"{Q}/queue/{item['id']}/approve", headers=t.publisher,
                                           data={"announcers[]": ["sales"]})
        assert [a["username"] for a in response.json()["announcers"]] == ["sales"]
        [change] = await audit(t, action="announcers")
        sales = await world.storage.accounts.get_local("sales")
        assert sales is not None and change["detail"]["to"] == [str(sales.id)]
        bad = await post(t, "more #outside")
        [item] = await queue(t)
        wrong = await world.client.post(f"{Q}/queue/{item['id']}/approve", headers=t.publisher,
                                        data={"announcers[]": ["alice"]})
        assert wrong.status_code == 422 and bad["id"] == item["status"]["id"]


async def test_scheduled_approval_is_published_once_by_the_worker(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        t = await team(world)
        status = await post(t, "embargoed until noon #outside")
        [item] = await queue(t)
        at = utcnow() + timedelta(hours=2)
        response = await world.client.post(f"{Q}/queue/{item['id']}/approve", headers=t.publisher,
                                           data={"scheduled_at": at.isoformat(), "reason": "embargo"})
        assert response.status_code == 200 and response.json()["state"] == "scheduled"
        assert response.json()["scheduled_at"] is not None
        # Nothing leaves before its time
        stored = await world.storage.statuses.get(int(status["id"]))
        assert stored is not None and not stored.is_published and await delivery_count(world) == 0
        assert any("will be published outside at" in text for text in await notices(t))
        services = world.app.state.insideout.services
        early = ScheduledPublicationWorker(world.storage, services.review)
        assert await early.run_once() == 0
        # When the worker runs after the time, twice
        late = ScheduledPublicationWorker(world.storage, services.review, clock=lambda: at + timedelta(minutes=1))
        assert await late.run_once() == 1
        assert await late.run_once() == 0
        stored = await world.storage.statuses.get(int(status["id"]))
        assert stored is not None and stored.is_published
        assert len(await audit(t, action="publish", status_id=status["id"])) == 1
        [approve] = await audit(t, action="approve", status_id=status["id"])
        assert approve["actor"] == "user:" + str((await world.storage.accounts.get_local("pia")).id)  # type: ignore[union-attr]


async def test_decline_tells_the_author_why(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        t = await team(world)
        await post(t, "draft numbers #outside")
        [item] = await queue(t)
        no_reason = await world.client.post(f"{Q}/queue/{item['id']}/decline", headers=t.publisher)
        assert no_reason.status_code == 422
        declined = await world.client.post(f"{Q}/queue/{item['id']}/decline", headers=t.publisher,
                                           data={"reason": "numbers are not final"})
        assert declined.status_code == 200 and declined.json()["state"] == "declined"
        [told] = await notices(t)
        assert "was not approved" in told and "numbers are not final" in told
        late = await world.client.post(f"{Q}/queue/{item['id']}/approve", headers=t.publisher)
        assert late.status_code == 409
        [entry] = await audit(t, action="decline")
        assert entry["reason"] == "numbers are not final" and entry["to_state"] == "declined"
        assert [i["id"] for i in await queue(t, state="declined")] == [item["id"]]
        assert await delivery_count(world) == 0


async def test_stale_items_conflict_and_leave_nothing_behind(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        t = await team(world)
        # An item whose post was edited since: the edit supersedes it
        edited = await post(t, "first take #outside")
        [old] = await queue(t)
        await world.client.put(f"/api/v1/statuses/{edited['id']}", headers=t.alice,
                               data={"status": "second take #outside"})
        stale = await world.client.post(f"{Q}/queue/{old['id']}/approve", headers=t.publisher)
        assert stale.status_code == 409
        [fresh] = await queue(t)
        assert fresh["id"] != old["id"] and fresh["revision"]["text"] == "second take #outside"
        # An item whose revision changed behind the service's back
        from storage.models import StatusChanges
        await world.storage.statuses.edit(int(edited["id"]), StatusChanges(
            text="third", content="<p>third</p>", spoiler_text="", sensitive=False, language=None,
            mention_ids=(), tags=()))
        conflict = await world.client.post(f"{Q}/queue/{fresh['id']}/approve", headers=t.publisher)
        assert conflict.status_code == 409 and "edited after it was queued" in conflict.json()["error"]
        # A deleted post
        deleted = await post(t, "oops #outside")
        item = next(i for i in await queue(t) if i["status"]["id"] == deleted["id"])
        await world.client.delete(f"/api/v1/statuses/{deleted['id']}", headers=t.alice)
        gone = await world.client.post(f"{Q}/queue/{item['id']}/approve", headers=t.publisher)
        assert gone.status_code == 409 and "deleted" in gone.json()["error"]
        # A post the publication itself refuses (it mentions a hidden colleague): the item stays open
        await world.employee("hidden", exposed=False)
        refused = await post(t, "thanks @hidden #outside")
        item = next(i for i in await queue(t) if i["status"]["id"] == refused["id"])
        failed = await world.client.post(f"{Q}/queue/{item['id']}/approve", headers=t.publisher)
        assert failed.status_code == 422
        assert next(i for i in await queue(t) if i["id"] == item["id"])["state"] == "pending"
        # Nothing was published, nothing is queued for delivery, no approval was logged
        assert await delivery_count(world) == 0
        assert await audit(t, action="approve") == [] and await audit(t, action="publish") == []


async def test_publish_without_nomination_and_unpublish_twice(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        t = await team(world)
        status = await post(t, "a post nobody nominated")
        staff = await world.client.post(f"{Q}/statuses/{status['id']}/publish", headers=t.alice)
        assert staff.status_code == 403
        published = await world.client.post(f"{Q}/statuses/{status['id']}/publish", headers=t.publisher,
                                            data={"reason": "we like it"})
        assert published.status_code == 200 and published.json()["publication"]["state"] == "published"
        [told] = await notices(t)
        assert "is now published outside" in told and "public profile" in told
        first = await world.client.post(f"{Q}/statuses/{status['id']}/unpublish", headers=t.admin,
                                        data={"reason": "outdated"})
        assert first.status_code == 200 and first.json()["publication"]["state"] == "retracted"
        second = await world.client.post(f"{Q}/statuses/{status['id']}/unpublish", headers=t.admin)
        assert second.status_code == 409 and "not published" in second.json()["error"]
        entries = await audit(t, status_id=status["id"])
        assert [(e["action"], e["reason"]) for e in entries] == [("unpublish", "outdated"),
                                                                 ("publish", "we like it")]
        admin = await world.storage.accounts.get_local("ada")
        assert entries[0]["actor"] == f"user:{admin.id}"  # type: ignore[union-attr]


async def test_a_pending_revision_waits_for_approval_with_a_diff(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        t = await team(world)
        status = await post(t, "Version one\nsecond line")
        await world.client.post(f"{Q}/statuses/{status['id']}/publish", headers=t.publisher)
        # When alice (not a publisher) edits the published post
        edit = await world.client.put(f"/api/v1/statuses/{status['id']}", headers=t.alice,
                                      data={"status": "Version two\nsecond line"})
        assert edit.status_code == 200
        # Then outsiders keep the approved revision
        assert "Version one" in (await note(t, status["id"]))["content"]
        [item] = await queue(t)
        assert item["kind"] == "revision" and item["approved_revision"]["text"] == "Version one\nsecond line"
        assert "-Version one" in item["diff"] and "+Version two" in item["diff"]
        revisions = (await world.client.get(f"{Q}/statuses/{status['id']}/revisions", headers=t.publisher)).json()
        assert [r["approved"] for r in revisions["revisions"]] == [True, False]
        assert "+Version two" in revisions["diff"]
        # When a publisher approves the revision, the Note changes and an Update goes out
        approved = await world.client.post(f"{Q}/queue/{item['id']}/approve", headers=t.publisher)
        assert approved.status_code == 200, approved.text
        document = await note(t, status["id"])
        assert "Version two" in document["content"] and document.get("updated")
        assert await world.storage.deliveries.for_activity(f"{document['id']}#updates/{document['updated']}")
        assert any("Your edit of" in text for text in await notices(t))
        [entry] = await audit(t, action="approve_revision")
        assert entry["from_state"] == "published" and entry["to_state"] == "published"


async def test_admin_status_list_shows_only_shareable_posts_with_filters(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        t = await team(world)
        public = await post(t, "@sales hello #launch")
        unlisted = await post(t, "quiet one", "unlisted")
        await post(t, "only followers", "private")
        await post(t, "@pia just you", "direct")
        listed = (await world.client.get(f"{Q}/statuses", headers=t.admin)).json()
        assert [s["id"] for s in listed] == [unlisted["id"], public["id"]]
        by_tag = (await world.client.get(f"{Q}/statuses", headers=t.admin, params={"hashtag": "Launch"})).json()
        assert [s["id"] for s in by_tag] == [public["id"]]
        by_department = (await world.client.get(f"{Q}/statuses", headers=t.publisher,
                                                params={"department": "sales"})).json()
        assert [s["id"] for s in by_department] == [public["id"]]
        by_state = (await world.client.get(f"{Q}/statuses", headers=t.admin, params={"state": "published"})).json()
        assert by_state == []
        mine = (await world.client.get(f"{Q}/statuses", headers=t.dana)).json()
        assert [s["id"] for s in mine] == [public["id"]]
        assert (await world.client.get(f"{Q}/statuses", headers=t.alice)).status_code == 403
        assert (await world.client.get(f"{Q}/audit", headers=t.publisher)).status_code == 403
        assert (await world.client.get(f"{Q}/queue")).status_code == 401
