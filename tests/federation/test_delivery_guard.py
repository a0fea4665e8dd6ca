"""The exposure guard: the last check before an activity leaves, run at enqueue and again at send."""

from __future__ import annotations

from typing import Any

import pytest

from federation.guard import ExposureGuard, LeakPrevented
from storage.models import AccountKind, ProfileChanges
from storage.protocols import Storage
from tests.federation.delivery_helpers import BASE, Published, guard_for, local_actor, note_activity, storage

pytestmark = pytest.mark.anyio
__all__ = ["storage"]
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def published_note(storage: Storage, **extra: Any) -> tuple[ExposureGuard, dict[str, Any], Published]:
    alice = await local_actor(storage, "alice")
    published = Published()
    activity = note_activity(alice, **extra)
    published.urls.add(activity["object"]["id"])
    return guard_for(storage, published), activity, published


async def test_a_published_note_by_an_exposed_actor_passes(storage: Storage) -> None:
    guard, activity, _ = await published_note(storage)
    alice = await storage.accounts.get_local("alice")
    assert alice is not None

    await guard.check(activity, alice)


async def test_a_hidden_actor_may_not_sign_anything(storage: Storage) -> None:
    hidden = await local_actor(storage, "hidden", exposed=False)
    published = Published()
    activity = note_activity(hidden)
    published.urls.add(activity["object"]["id"])

    with pytest.raises(LeakPrevented):
        await guard_for(storage, published).check(activity, hidden)


async def test_the_company_is_always_exposed(storage: Storage) -> None:
    company = await local_actor(storage, "acme", exposed=False, kind=AccountKind.COMPANY)
    published = Published()
    activity = note_activity(company)
    published.urls.add(activity["object"]["id"])

    await guard_for(storage, published).check(activity, company)


async def test_the_actor_field_must_be_the_signer(storage: Storage) -> None:
    guard, activity, _ = await published_note(storage)
    bob = await local_actor(storage, "bob")

    with pytest.raises(LeakPrevented):
        await guard.check(activity, bob)


async def test_an_unpublished_object_is_refused(storage: Storage) -> None:
    guard, activity, published = await published_note(storage)
    published.urls.clear()
    alice = await storage.accounts.get_local("alice")
    assert alice is not None

    with pytest.raises(LeakPrevented, match="object.id"):
        await guard.check(activity, alice)


@pytest.mark.parametrize(
    "where",
    [
        {"cc": [f"{BASE}/users/hidden"]},
        {"to": [PUBLIC, f"{BASE}/users/hidden/followers"]},
        {"audience": f"{BASE}/users/hidden"},
    ],
)
async def test_addressing_a_hidden_actor_or_its_followers_is_refused(storage: Storage, where: dict[str, Any]) -> None:
    await local_actor(storage, "hidden", exposed=False)
    guard, activity, _ = await published_note(storage, **where)
    alice = await storage.accounts.get_local("alice")
    assert alice is not None

    with pytest.raises(LeakPrevented):
        await guard.check(activity, alice)


async def test_addressing_an_exposed_actor_and_its_followers_passes(storage: Storage) -> None:
    await local_actor(storage, "sales", kind=AccountKind.DEPARTMENT)
    guard, activity, _ = await published_note(storage, cc=[f"{BASE}/users/sales", f"{BASE}/users/sales/followers"])
    alice = await storage.accounts.get_local("alice")
    assert alice is not None

    await guard.check(activity, alice)


@pytest.mark.parametrize(
    "field,value",
    [
        ("inReplyTo", f"{BASE}/users/bob/statuses/99"),
        ("attachment", [{"type": "Document", "url": f"{BASE}/media/capability-token/file.png"}]),
        ("content", f'<p>see <a href="{BASE}/users/bob/statuses/99">this</a></p>'),
        ("content", f'<p>ask <a href="{BASE}/@hidden" class="mention">@hidden</a></p>'),
        ("content", "<p>ask @hidden@insideout.example.</p>"),
        ("tag", [{"type": "Mention", "href": f"{BASE}/users/hidden", "name": "@hidden"}]),
        ("url", "HTTP://INSIDEOUT.EXAMPLE/users/bob/statuses/99"),
    ],
)
async def test_any_internal_reference_in_the_object_is_refused(storage: Storage, field: str, value: Any) -> None:
    await local_actor(storage, "hidden", exposed=False)
    guard, activity, _ = await published_note(storage)
    activity["object"][field] = value
    alice = await storage.accounts.get_local("alice")
    assert alice is not None

    with pytest.raises(LeakPrevented):
        await guard.check(activity, alice)


async def test_references_to_public_things_pass(storage: Storage) -> None:
    await local_actor(storage, "sales", kind=AccountKind.DEPARTMENT)
    guard, activity, published = await published_note(storage)
    reply_to, image = f"{BASE}/users/alice/statuses/0", f"{BASE}/public-media/1.png"
    published.urls |= {reply_to, image}
    activity["object"].update(
        inReplyTo=reply_to,
        attachment=[{"type": "Image", "url": image}],
        content=f'<p>Hi <a href="{BASE}/@sales">@sales</a> and @sales@insideout.example, see {reply_to}.</p>',
        tag=[{"type": "Mention", "href": f"{BASE}/users/sales"}],
    )
    alice = await storage.accounts.get_local("alice")
    assert alice is not None

    await guard.check(activity, alice)


async def test_bto_and_bcc_never_leave(storage: Storage) -> None:
    guard, activity, _ = await published_note(storage)
    activity["object"]["bcc"] = ["https://social.example/users/x"]
    alice = await storage.accounts.get_local("alice")
    assert alice is not None

    with pytest.raises(LeakPrevented):
        await guard.check(activity, alice)


async def test_delete_may_name_a_retracted_note_but_never_an_internal_one(storage: Storage) -> None:
    alice = await local_actor(storage, "alice")
    published = Published()
    retracted, internal = f"{BASE}/users/alice/statuses/5", f"{BASE}/users/alice/statuses/6"
    published.retracted.add(retracted)

    def delete(note: str) -> dict[str, Any]:
        return {"id": f"{note}#delete", "type": "Delete", "actor": f"{BASE}/users/alice", "to": [PUBLIC],
                "object": {"id": note, "type": "Tombstone"}}  # fmt: skip

    await guard_for(storage, published).check(delete(retracted), alice)
    with pytest.raises(LeakPrevented):
        await guard_for(storage, published).check(delete(internal), alice)


async def test_a_create_may_not_name_a_retracted_note(storage: Storage) -> None:
    alice = await local_actor(storage, "alice")
    published = Published()
    activity = note_activity(alice)
    published.retracted.add(activity["object"]["id"])

    with pytest.raises(LeakPrevented):
        await guard_for(storage, published).check(activity, alice)


async def test_undo_of_the_signers_own_follow_passes(storage: Storage) -> None:
    alice = await local_actor(storage, "alice")
    me = f"{BASE}/users/alice"
    follow = {"id": f"{BASE}/follows/123", "type": "Follow", "actor": me, "object": "https://social.example/users/x"}
    undo = {"id": f"{BASE}/follows/123/undo", "type": "Undo", "actor": me, "object": follow}

    await guard_for(storage, Published()).check(undo, alice)


async def test_an_embedded_activity_by_someone_else_gets_no_free_pass(storage: Storage) -> None:
    alice = await local_actor(storage, "alice")
    await local_actor(storage, "hidden", exposed=False)
    me = f"{BASE}/users/alice"
    like = {"id": f"{BASE}/likes/9", "type": "Like", "actor": f"{BASE}/users/hidden", "object": "https://x.example/n"}

    with pytest.raises(LeakPrevented):
        await guard_for(storage, Published()).check({"id": f"{BASE}/a/1", "type": "Undo", "actor": me, "object": like}, alice)


async def test_update_of_the_actor_passes_with_its_own_collections_and_key(storage: Storage) -> None:
    alice = await local_actor(storage, "alice")
    me = f"{BASE}/users/alice"
    person = {"id": me, "type": "Person", "inbox": f"{me}/inbox", "outbox": f"{me}/outbox",
              "followers": f"{me}/followers", "url": f"{BASE}/@alice", "endpoints": {"sharedInbox": f"{BASE}/inbox"},
              "publicKey": {"id": f"{me}#main-key", "owner": me, "publicKeyPem": alice.public_key_pem}}  # fmt: skip

    await guard_for(storage, Published()).check({"id": f"{me}#updates/1", "type": "Update", "actor": me, "object": person}, alice)


async def test_an_actor_hidden_after_the_fact_is_refused(storage: Storage) -> None:
    guard, activity, _ = await published_note(storage)
    alice = await storage.accounts.get_local("alice")
    assert alice is not None
    hidden = await storage.accounts.update_profile(alice.id, ProfileChanges(exposed=False))

    with pytest.raises(LeakPrevented):
        await guard.check(activity, hidden)


async def test_a_vote_id_minted_under_the_signer_passes_but_another_fragment_does_not(storage: Storage) -> None:
    """Mastodon's poll votes are ``Create{Note}`` with an id ``<actor>#votes/<id>``: a handle, not content."""
    alice = await local_actor(storage, "alice")
    guard = guard_for(storage, Published())
    actor = f"{BASE}/users/alice"
    vote = {"id": f"{actor}#votes/1/activity", "type": "Create", "actor": actor,
            "object": {"id": f"{actor}#votes/1", "type": "Note", "name": "Yes", "attributedTo": actor,
                       "inReplyTo": "https://remote.example/notes/1", "to": "https://remote.example/users/z"}}
    await guard.check(vote, alice)
    forged = dict(vote, object={**vote["object"], "attributedTo": "https://remote.example/users/z"})
    with pytest.raises(LeakPrevented):
        await guard.check(forged, alice)
