"""A pending revision stays inside: not its text, not its mentions, not its hashtags.

Found by the containment property test: the Note took its mentions and
hashtags from the latest revision, and a publisher's edit naming a hidden
colleague published itself (then failed at the delivery guard, half done).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.services.status_draft import MediaChange
from server.services.statuses import StatusDraft
from storage.models import Account, ProfileChanges, Role, Status
from tests.server.activitypub.world import AP, BASE_URL, World, running

pytestmark = pytest.mark.anyio


async def published(world: World, author: Account, text: str) -> Status:
    services = world.app.state.insideout.services
    status: Status = await services.statuses.create(author, StatusDraft(text=text))
    published_status: Status = await services.publication.publish(status.id, by="test")
    return published_status


async def note(world: World, status: Status) -> dict[str, object]:
    assert status.uri is not None
    response = await world.client.get(status.uri.removeprefix(BASE_URL), headers={"Accept": AP})
    assert response.status_code == 200
    document: dict[str, object] = response.json()
    return document


async def test_a_pending_revision_lends_the_note_none_of_its_mentions_or_hashtags(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        # Given frank's published post mentioning an exposed colleague, with a hashtag
        frank = await world.employee("frank", exposed=True)
        await world.employee("alice", exposed=True)
        await world.employee("carol", exposed=False)
        status = await published(world, frank, "Launch day with @alice #launch")
        # When frank (staff) edits it to name hidden carol and a secret hashtag: a pending revision
        await world.app.state.insideout.services.statuses.edit(
            frank, status.id, StatusDraft(text="Launch day with @carol #secretproject"))
        document = await note(world, status)
    # Then outsiders still see the approved revision, with its own mention and hashtag only
    tags = {(tag["type"], tag["name"]) for tag in document["tag"]}  # type: ignore[attr-defined]
    assert tags == {("Mention", "@alice@social.example.com"), ("Hashtag", "#launch")}
    assert "carol" not in str(document) and "secretproject" not in str(document)


async def test_a_publishers_edit_naming_a_hidden_colleague_waits_for_review(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        # Given alice (a publisher) and her published post
        services = world.app.state.insideout.services
        created = await services.accounts.create_employee(
            "alice", "alice@acme.test", "correct horse battery staple", role=Role.PUBLISHER)
        alice = await world.storage.accounts.update_profile(created.account.id, ProfileChanges(exposed=True))
        await world.employee("carol", exposed=False)
        status = await published(world, alice, "Our approved words")
        # When she edits it to mention carol, who is not visible outside
        edited = await services.statuses.edit(alice, status.id, StatusDraft(text="Thanks @carol for the words"))
        item = await world.storage.review.open_for(status.id)
        document = await note(world, status)
    # Then the edit is kept inside as a pending revision, without an error, and the Note is unchanged
    assert edited.published_edit_id == status.published_edit_id
    assert item is not None and item.kind.value == "revision"
    assert "Our approved words" in str(document["content"]) and "carol" not in str(document)


def png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (0, 128, 255)).save(buffer, "PNG")
    return buffer.getvalue()


async def test_a_pending_revisions_alt_text_stays_inside_until_approved(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        # Given frank's published post with an image described for outsiders
        services = world.app.state.insideout.services
        frank = await world.employee("frank", exposed=True)
        media = await services.media.upload(frank, png(), declared_type="image/png", description="Approved alt")
        created = await services.statuses.create(frank, StatusDraft(text="Our new office", media_ids=(media.id,)))
        status = await services.publication.publish(created.id, by="test")
        # When frank (staff) edits the post and its alt text: a pending revision
        await services.statuses.edit(frank, status.id, StatusDraft(
            text="Our new office", media_ids=(media.id,),
            media_changes=(MediaChange(media.id, description="Draft alt"),)))
        pending = await note(world, status)
        # And then the revision is approved
        await services.publication.publish(status.id, by="test")
        approved = await note(world, status)
    # Then outsiders saw the approved description until then, and the new one after
    assert [item["name"] for item in pending["attachment"]] == ["Approved alt"]  # type: ignore[attr-defined]
    assert [item["name"] for item in approved["attachment"]] == ["Draft alt"]  # type: ignore[attr-defined]
