"""The inbox worker and its handlers: delivered through the real endpoint, then processed with run_once()."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from federation.inbox import InboxContext, InboxHandlers, InboxWorker
from server.activitypub.inbound import inbound_for
from storage.models import Account, AccountKind, FollowState, InboxState, NewAccount, NewInboxItem, Page
from tests.federation.inbound_helpers import (
    BASE_URL,
    Harness,
    RemoteServer,
    fixture_actor,
    inbox_app,
    key_id_of,
    plain_actor,
)

pytestmark = pytest.mark.anyio

MASTODON = fixture_actor("mastodon/actor-person")
ACTOR = MASTODON["id"]
KEY_ID = key_id_of(MASTODON)
COMPANY = f"{BASE_URL}/users/company"


def activity(kind: str, obj: Any, n: int = 1, actor: str = ACTOR, **extra: Any) -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{actor}#{kind.lower()}/{n}",
            "type": kind, "actor": actor, "object": obj, **extra}


@pytest.fixture
def remote() -> RemoteServer:
    server = RemoteServer()
    server.serve_actor(MASTODON)
    return server


async def deliver_and_process(harness: Harness, document: dict[str, Any], key_id: str = KEY_ID) -> str | None:
    """POST it like a peer would, run the worker once, and return the row's note (or its error)."""
    response = await harness.post("/inbox", document, key_id)
    assert response.status_code == 202, response.text
    assert await harness.worker().run_once() >= 1
    item = await harness.storage.inbox.get_by_dedupe_key(document["id"])
    assert item is not None
    return item.note if item.state is InboxState.DONE else f"{item.state.value}: {item.last_error}"


async def employee(harness: Harness, username: str, *, exposed: bool, locked: bool = False) -> Account:
    return await harness.storage.accounts.create_local(
        NewAccount(AccountKind.EMPLOYEE, username, username.title(), "pub", "priv", exposed=exposed, locked=locked)
    )


async def sender(harness: Harness) -> Account:
    account = await harness.storage.accounts.get_by_uri(ACTOR)
    assert account is not None
    return account


# -- Follow and its answers ---------------------------------------------------


async def test_a_follow_of_the_company_is_accepted_and_an_accept_is_queued(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        note = await deliver_and_process(harness, activity("Follow", COMPANY))
        company = await harness.storage.accounts.get_local("company")
        assert company is not None
        follow = await harness.storage.follows.get((await sender(harness)).id, company.id)
        assert follow is not None
        deliveries = await harness.storage.deliveries.for_activity(f"{COMPANY}#accepts/follows/{follow.id}")
    assert note == "follow accepted" and follow.state is FollowState.ACCEPTED
    assert follow.uri == f"{ACTOR}#follow/1"
    assert [d.inbox_url for d in deliveries] == [MASTODON["inbox"]]
    accept = json.loads(deliveries[0].payload)
    assert accept["type"] == "Accept" and accept["actor"] == COMPANY
    assert accept["object"] == {"id": f"{ACTOR}#follow/1", "type": "Follow", "actor": ACTOR, "object": COMPANY}


async def test_a_follow_of_a_locked_employee_waits_as_a_request(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        alice = await employee(harness, "alice", exposed=True, locked=True)
        note = await deliver_and_process(harness, activity("Follow", f"{BASE_URL}/users/alice"))
        follow = await harness.storage.follows.get((await sender(harness)).id, alice.id)
        notifications = await harness.storage.notifications.list(alice.id, Page())
    assert note == "follow request pending"
    assert follow is not None and follow.state is FollowState.PENDING
    assert [n.type for n in notifications] == ["follow_request"]


async def test_a_follow_of_a_hidden_employee_is_ignored_without_an_answer(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        bob = await employee(harness, "bob", exposed=False)
        note = await deliver_and_process(harness, activity("Follow", f"{BASE_URL}/users/bob"))
        follow = await harness.storage.follows.get((await sender(harness)).id, bob.id)
        counts = await harness.storage.deliveries.counts_by_host()
    assert note == "ignored: not an exposed local actor"
    assert follow is None and list(counts) == []


async def test_undo_follow_removes_the_follow(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        follow = activity("Follow", COMPANY)
        await deliver_and_process(harness, follow)
        undo = activity("Undo", {k: v for k, v in follow.items() if k != "@context"})
        note = await deliver_and_process(harness, undo)
        company = await harness.storage.accounts.get_local("company")
        assert company is not None
        remaining = await harness.storage.follows.get((await sender(harness)).id, company.id)
    assert note == "unfollowed" and remaining is None


async def test_undo_naming_the_follow_by_uri_only_removes_it(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        follow = activity("Follow", COMPANY)
        await deliver_and_process(harness, follow)
        note = await deliver_and_process(harness, activity("Undo", follow["id"]))
    assert note == "unfollowed"


async def our_follow_request(harness: Harness) -> tuple[Account, str]:
    alice = await employee(harness, "alice", exposed=True)
    remote_account = await inbound_for(harness.app).actors.resolve(ACTOR)
    uri = f"{BASE_URL}/users/alice#follows/7"
    await harness.storage.follows.follow(alice.id, remote_account.id, FollowState.PENDING, uri=uri)
    return alice, uri


async def test_an_accept_of_our_follow_request_accepts_it(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        alice, uri = await our_follow_request(harness)
        embedded = {"id": uri, "type": "Follow", "actor": f"{BASE_URL}/users/alice", "object": ACTOR}
        note = await deliver_and_process(harness, activity("Accept", embedded))
        follow = await harness.storage.follows.get(alice.id, (await sender(harness)).id)
    assert note == "our follow accepted" and follow is not None and follow.state is FollowState.ACCEPTED


async def test_an_accept_matched_by_the_actor_pair_when_the_follow_id_is_unknown(
    tmp_path: Path, remote: RemoteServer
) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        alice, _ = await our_follow_request(harness)
        embedded = {"type": "Follow", "actor": f"{BASE_URL}/users/alice", "object": ACTOR}
        note = await deliver_and_process(harness, activity("Accept", embedded))
        follow = await harness.storage.follows.get(alice.id, (await sender(harness)).id)
    assert note == "our follow accepted" and follow is not None and follow.state is FollowState.ACCEPTED


async def test_a_reject_of_our_follow_request_removes_it(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        alice, uri = await our_follow_request(harness)
        note = await deliver_and_process(harness, activity("Reject", uri))
        follow = await harness.storage.follows.get(alice.id, (await sender(harness)).id)
    assert note == "our follow rejected" and follow is None


async def test_only_the_followed_actor_can_accept_a_follow(tmp_path: Path, remote: RemoteServer) -> None:
    mallory = plain_actor("https://activitypub.academy/users/mallory", key_number=1)
    remote.serve_actor(mallory)
    async with inbox_app(tmp_path, remote) as harness:
        alice, uri = await our_follow_request(harness)
        accept = activity("Accept", uri, actor=mallory["id"])
        await harness.post("/inbox", accept, key_id_of(mallory), key_number=1)
        await harness.worker().run_once()
        item = await harness.storage.inbox.get_by_dedupe_key(accept["id"])
        follow = await harness.storage.follows.get(alice.id, (await sender(harness)).id)
    assert item is not None and item.state is InboxState.FAILED and "Forbidden" in (item.last_error or "")
    assert follow is not None and follow.state is FollowState.PENDING


# -- the actor itself -----------------------------------------------------------


async def test_an_update_of_the_actor_refreshes_its_profile(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        await inbound_for(harness.app).actors.resolve(ACTOR)
        changed = {**fixture_actor("mastodon/actor-person"), "name": "New <i>name</i>"}
        changed.pop("@context")
        note = await deliver_and_process(harness, activity("Update", changed))
        account = await sender(harness)
    assert note == "actor updated" and account.display_name == "New name"


async def test_an_update_of_another_servers_actor_is_refused(tmp_path: Path, remote: RemoteServer) -> None:
    other = plain_actor("https://other.example/users/victim")
    remote.serve_actor(other)
    async with inbox_app(tmp_path, remote) as harness:
        victim = await inbound_for(harness.app).actors.resolve(other["id"])
        forged = {**other, "name": "pwned"}
        note = await deliver_and_process(harness, activity("Update", forged))
        unchanged = await harness.storage.accounts.get(victim.id)
    assert note is not None and note.startswith("failed: Forbidden")
    assert unchanged is not None and unchanged.display_name != "pwned"


async def test_a_known_actor_deleting_itself_is_marked_deleted(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        await inbound_for(harness.app).actors.resolve(ACTOR)
        note = await deliver_and_process(harness, activity("Delete", {"id": ACTOR, "type": "Person"}))
        account = await sender(harness)
        again = await harness.post("/inbox", activity("Delete", ACTOR, n=2), KEY_ID)
    assert note == "actor deleted" and account.deleted_at is not None
    assert again.status_code == 202


async def test_a_move_confirmed_by_the_target_is_recorded(tmp_path: Path, remote: RemoteServer) -> None:
    target = plain_actor("https://new.example/users/brauca", key_number=1, alsoKnownAs=[ACTOR])
    remote.serve_actor(target)
    async with inbox_app(tmp_path, remote) as harness:
        note = await deliver_and_process(harness, activity("Move", ACTOR, target=target["id"]))
        account = await sender(harness)
    assert note == f"moved to {target['id']}" and account.moved_to_uri == target["id"]


async def test_a_move_the_target_does_not_confirm_is_refused(tmp_path: Path, remote: RemoteServer) -> None:
    target = plain_actor("https://new.example/users/someone", key_number=1)
    remote.serve_actor(target)
    async with inbox_app(tmp_path, remote) as harness:
        note = await deliver_and_process(harness, activity("Move", ACTOR, target=target["id"]))
        account = await sender(harness)
    assert note is not None and note.startswith("failed: Forbidden") and account.moved_to_uri is None


async def test_a_move_whose_target_is_unreachable_is_retried_later(tmp_path: Path, remote: RemoteServer) -> None:
    remote.serve("https://new.example/users/brauca", {"error": "busy"}, status=503)
    async with inbox_app(tmp_path, remote) as harness:
        move = activity("Move", ACTOR, target="https://new.example/users/brauca")
        note = await deliver_and_process(harness, move)
        item = await harness.storage.inbox.get_by_dedupe_key(move["id"])
    assert note is not None and note.startswith("pending: RetryLater")
    assert item is not None and item.attempts == 1 and item.next_attempt > item.updated_at


# -- moderation -------------------------------------------------------------------


async def test_a_block_of_our_actor_is_recorded_and_ends_follows(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        await deliver_and_process(harness, activity("Follow", COMPANY))
        note = await deliver_and_process(harness, activity("Block", COMPANY))
        company = await harness.storage.accounts.get_local("company")
        assert company is not None
        blocks = await harness.storage.moderation.remote_blocks_of(company.id)
        follow = await harness.storage.follows.get((await sender(harness)).id, company.id)
        blocker = await sender(harness)
    assert note == "blocks company" and [b.actor_id for b in blocks] == [blocker.id]
    assert follow is None


async def test_a_flag_keeps_only_our_accounts_as_targets(tmp_path: Path, remote: RemoteServer) -> None:
    flag = activity(
        "Flag", [COMPANY, "https://elsewhere.example/users/x", "https://elsewhere.example/posts/1"],
        content="Please take a look",
    )
    async with inbox_app(tmp_path, remote) as harness:
        note = await deliver_and_process(harness, flag)
        reports = await harness.storage.moderation.list_reports()
        company = await harness.storage.accounts.get_local("company")
    assert note is not None and note.startswith("report ")
    assert company is not None and len(reports) == 1
    assert reports[0].target_account_ids == (company.id,) and reports[0].target_object_uris == ()
    assert reports[0].comment == "Please take a look" and reports[0].reporter_uri == ACTOR
    assert remote.fetched == [ACTOR]  # nothing reported was fetched


async def test_a_flag_of_nothing_of_ours_is_ignored(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        note = await deliver_and_process(harness, activity("Flag", "https://elsewhere.example/posts/1"))
        reports = await harness.storage.moderation.list_reports()
    assert note == "ignored: reports nothing of ours" and list(reports) == []


# -- robustness -------------------------------------------------------------------


async def test_an_activity_type_nobody_handles_is_done_with_a_note(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        note = await deliver_and_process(harness, activity("Arrive", None, location="https://x.example/place"))
    assert note == "ignored: no handler for Arrive"


async def test_the_worker_survives_garbage_rows(tmp_path: Path, remote: RemoteServer) -> None:
    async def explode(ctx: InboxContext) -> str:
        raise ValueError("a bug in a handler")

    async with inbox_app(tmp_path, remote) as harness:
        await inbound_for(harness.app).actors.resolve(ACTOR)
        bodies = {
            "not-json": "{{{",
            "too-deep": "[" * 3000 + "]" * 3000,
            "a-list": "[1, 2]",
            "no-actor": json.dumps({"type": "Follow", "object": COMPANY}),
            "other-actor": json.dumps(activity("Follow", COMPANY, actor="https://x.example/users/y")),
            "bug": json.dumps(activity("Like", "https://x.example/posts/1")),
        }
        for key, body in bodies.items():
            await harness.storage.inbox.add(NewInboxItem(key, "Follow", ACTOR, body))
        handlers = InboxHandlers().on("Like", explode)
        worker = InboxWorker(harness.storage, handlers, inbound_for(harness.app).actors, base_url=BASE_URL)

        handled = await worker.run_once()
        items = {key: await harness.storage.inbox.get_by_dedupe_key(key) for key in bodies}
    assert handled == len(bodies)
    states = {key: (item.state, item.last_error is not None) for key, item in items.items() if item}
    assert states == {
        "not-json": (InboxState.FAILED, True),
        "too-deep": (InboxState.FAILED, True),  # a row stored before the depth limit, not a RecursionError
        "a-list": (InboxState.FAILED, True),
        "no-actor": (InboxState.FAILED, True),
        "other-actor": (InboxState.FAILED, True),
        "bug": (InboxState.PENDING, True),  # unexpected errors are retried with backoff
    }


async def test_a_row_that_keeps_failing_is_given_up_after_the_last_attempt(tmp_path: Path, remote: RemoteServer) -> None:
    async def explode(ctx: InboxContext) -> str:
        raise ValueError("still broken")

    async with inbox_app(tmp_path, remote) as harness:
        await inbound_for(harness.app).actors.resolve(ACTOR)
        await harness.storage.inbox.add(NewInboxItem("bug", "Like", ACTOR, json.dumps(activity("Like", COMPANY))))
        worker = InboxWorker(
            harness.storage, InboxHandlers().on("Like", explode), inbound_for(harness.app).actors,
            base_url=BASE_URL, max_attempts=2,
        )
        await worker.run_once()
        first = await harness.storage.inbox.get_by_dedupe_key("bug")
        assert first is not None and first.state is InboxState.PENDING
        await harness.storage.inbox.mark_retry(first.id, 0, "made due now")  # skip the backoff wait
        await worker.run_once()
        item = await harness.storage.inbox.get_by_dedupe_key("bug")
    assert item is not None and item.state is InboxState.FAILED and item.attempts == 2
    assert item.last_error is not None and item.last_error.startswith("gave up after 2 attempts")
