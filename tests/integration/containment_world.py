"""A company on instance ``a`` full of internal things marked with canaries, and a partner on ``b``.

Every internal string carries a unique ``CANARY-<n>`` (its label is kept in
``World.canaries`` for the failure message), so a containment test only has
to look for ``CANARY-`` anywhere outsiders can see. Hidden accounts are
canaries too, by their actor path and handle.

What is on ``a`` (all statuses by the ``statuses`` service, as a client would):

* alice (publisher) and frank (staff): their posts get published, so both are exposed;
* carol and dave (staff, never exposed), display names and bios are canaries;
* department ``eng`` (exposed, members carol and dave), department ``legal`` (hidden);
* internal posts of every visibility, a direct message, an internal medium;
* ``launch``: published with a photo, mentions ``@eng`` (so eng announces it), with
  an internal reply, an internal favourite and boost by carol;
* ``answer``: alice's PUBLISHED reply to her INTERNAL post ``question``;
* ``frank_post``: published, then edited by frank: a pending revision with a canary;
* ``deep_answer``: frank's PUBLISHED reply to carol's internal reply to ``launch``;
* internal follows (carol -> alice, carol -> eng, dave -> company).

On ``b`` (before anything is published): bob follows the company, erin
follows eng. Afterwards alice follows bob, and bob likes ``launch`` and
publishes a reply to it (which reaches ``a`` because alice follows bob).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from PIL import Image

from server.activitypub.inbound import inbound_for
from server.services.statuses import StatusDraft
from storage.models import Account, FollowState, ProfileChanges, Role, Status, Visibility
from tests.integration.federation_pair import Instance, Router, settle

CANARY = re.compile(r"CANARY-\d+")
HIDDEN_USERNAMES = ("carol", "dave", "legal")
EXPOSED_USERNAMES = ("alice", "frank", "company", "eng")


@dataclass
class World:
    a: Instance
    b: Instance
    router: Router
    canaries: dict[str, str] = field(default_factory=dict)
    internal: dict[str, Status] = field(default_factory=dict)
    published: dict[str, Status] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    """Other strings that must never leave, with a label: capability tokens of media."""

    def canary(self, label: str) -> str:
        value = f"CANARY-{len(self.canaries) + 1}"
        self.canaries[value] = label
        return value

    @property
    def base(self) -> str:
        return f"http://{self.a.host}"

    def hidden_markers(self) -> list[str]:
        """Strings that name a hidden account: none may appear in anything outsiders see."""
        markers = []
        for name in HIDDEN_USERNAMES:
            markers += [f"{self.base}/users/{name}", f"{self.a.host}/@{name}", f"@{name}@{self.a.host}",
                        f"acct:{name}@"]
        return markers

    def leaks(self, text: str) -> list[str]:
        """What in ``text`` should never have left: canaries (with their labels), hidden handles, internal ids."""
        found = [f"{c} ({self.canaries.get(c, '?')})" for c in sorted(set(CANARY.findall(text)))]
        found += [marker for marker in self.hidden_markers() if marker in text]
        found += [f"internal status id {s.id} ({label})" for label, s in self.internal.items() if str(s.id) in text]
        found += [f"{label} ({secret})" for secret, label in self.secrets.items() if secret in text]
        return found


async def employee(instance: Instance, username: str, role: Role = Role.STAFF, display_name: str = "") -> Account:
    created = await instance.state.services.accounts.create_employee(
        username, f"{username}@{instance.host}", "long enough password", role=role, display_name=display_name
    )
    return created.account


async def post(world: World, author: str, label: str, text: str, *, internal: bool = True,
               visibility: Visibility = Visibility.PUBLIC, reply_to: str | None = None,
               media_ids: Iterable[int] = ()) -> Status:
    account = world.accounts[author]
    parent = world.internal.get(reply_to) or world.published.get(reply_to) if reply_to else None
    status = await world.a.state.services.statuses.create(account, StatusDraft(
        text=text, visibility=visibility, in_reply_to_id=parent.id if parent else None, media_ids=tuple(media_ids)))
    (world.internal if internal else world.published)[label] = status
    return status


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


async def follow_remote(side: Instance, username: str, target_uri: str) -> None:
    """An employee of ``side`` follows an account on the other instance, through the real services."""
    follower = await side.state.storage.accounts.get_local(username)
    assert follower is not None
    target = await inbound_for(side.app).actors.resolve(target_uri)
    await side.state.services.relationships.follow(follower, target)


async def build_world(a: Instance, b: Instance, router: Router) -> World:
    world = World(a, b, router)
    await _people(world)
    await _partner_follows(world)
    await _internal_posts(world)
    await _published_posts(world)
    await _internal_reactions(world)
    await _outside_activity(world)
    return world


async def _people(world: World) -> None:
    services, storage = world.a.state.services, world.a.state.storage
    world.accounts["alice"] = await employee(world.a, "alice", Role.PUBLISHER, "Alice Public")
    world.accounts["frank"] = await employee(world.a, "frank", Role.STAFF, "Frank Public")
    for name in ("carol", "dave"):
        account = await employee(world.a, name, display_name=world.canary(f"{name}'s display name"))
        world.accounts[name] = await storage.accounts.update_profile(
            account.id, ProfileChanges(note=world.canary(f"{name}'s internal bio")))
    for name in ("alice", "frank"):
        world.accounts[name] = await storage.accounts.update_profile(
            world.accounts[name].id, ProfileChanges(note=world.canary(f"{name}'s internal bio"),
                                                    public_note=f"{name} says hello outside"))
    eng = await services.departments.create("eng", "Engineering")
    world.accounts["eng"] = await storage.accounts.update_profile(
        eng.id, ProfileChanges(note=world.canary("eng's internal bio"), public_note="We build things"))
    legal = await services.departments.create("legal", world.canary("hidden department's name"))
    world.accounts["legal"] = await storage.accounts.update_profile(legal.id, ProfileChanges(exposed=False))
    for member in ("carol", "dave"):
        await services.departments.add_member("eng", member)
        await services.departments.add_member("legal", member)
    company = await storage.accounts.get_local("company")
    assert company is not None
    world.accounts["company"] = company


async def _internal_posts(world: World) -> None:
    for visibility in Visibility:
        await post(world, "carol", f"carol {visibility.value}",
                   f"{world.canary(f'carol {visibility.value} post')} @eng", visibility=visibility)
    await post(world, "dave", "direct to carol", f"@carol {world.canary('direct message')}",
               visibility=Visibility.DIRECT)
    medium = await world.a.state.services.media.upload(
        world.accounts["carol"], png(), declared_type="image/png", description=world.canary("internal medium"))
    world.secrets[medium.capability_token or "?"] = "capability token of carol's internal medium"
    await post(world, "carol", "with medium", world.canary("post with medium"), media_ids=[medium.id])
    await post(world, "alice", "question", f"{world.canary('internal question')} what do we announce?")


async def _published_posts(world: World) -> None:
    publication = world.a.state.services.publication
    photo = await world.a.state.services.media.upload(
        world.accounts["alice"], png(), declared_type="image/png", description="The launch, in red")
    # Published media get a public URL of their own; the capability URL stays for staff only.
    world.secrets[photo.capability_token or "?"] = "capability token of a published post's medium"
    launch = await post(world, "alice", "launch", "Hello partners @eng #launch", internal=False,
                        media_ids=[photo.id])
    answer = await post(world, "alice", "answer", "We announce the launch", internal=False, reply_to="question")
    frank_post = await post(world, "frank", "frank_post", "Frank's approved words", internal=False)
    for label, status in (("launch", launch), ("answer", answer), ("frank_post", frank_post)):
        world.published[label] = await publication.publish(status.id, by="test")
    world.accounts["alice"] = await _reload(world, "alice")
    world.accounts["frank"] = await _reload(world, "frank")
    # A staff edit of a published post waits for review: outsiders keep the approved revision.
    await world.a.state.services.statuses.edit(
        world.accounts["frank"], frank_post.id, StatusDraft(text=f"Frank's {world.canary('pending revision')}"))


async def _internal_reactions(world: World) -> None:
    services = world.a.state.services
    carol, dave = world.accounts["carol"], world.accounts["dave"]
    launch = world.published["launch"]
    await post(world, "carol", "internal reply to launch", f"{world.canary('internal reply')} nice",
               reply_to="launch")
    await services.interactions.favourite(carol, launch.id)
    await services.interactions.favourite(dave, launch.id)
    world.internal["carol's boost"] = await services.statuses.reblog(carol, launch.id)
    await services.interactions.favourite(carol, world.published["answer"].id)
    # A published reply to an internal reply: its thread is anchored at the published post above.
    deep = await post(world, "frank", "deep_answer", "Frank agrees", internal=False, reply_to="internal reply to launch")
    world.published["deep_answer"] = await services.publication.publish(deep.id, by="test")
    await services.relationships.follow(carol, world.accounts["alice"])
    await services.relationships.follow(carol, world.accounts["frank"])
    await services.relationships.follow(dave, world.accounts["company"])
    await services.relationships.follow(carol, world.accounts["eng"])


async def _partner_follows(world: World) -> None:
    await employee(world.b, "bob")
    await employee(world.b, "erin")
    await follow_remote(world.b, "bob", f"{world.base}/users/company")
    await follow_remote(world.b, "erin", f"{world.base}/users/eng")
    await settle(world.a, world.b)


async def _outside_activity(world: World) -> None:
    a, b = world.a, world.b
    await settle(a, b)
    await follow_remote(a, "alice", f"http://{b.host}/users/bob")
    await settle(a, b)
    bob = await b.state.storage.accounts.get_local("bob")
    launch_at_b = await b.state.storage.statuses.get_by_uri(world.published["launch"].uri or "")
    assert bob is not None and launch_at_b is not None, "b should know the published post by now"
    await b.state.services.interactions.favourite(bob, launch_at_b.id)
    reply = await b.state.services.statuses.create(bob, StatusDraft(text="Congratulations!",
                                                                    in_reply_to_id=launch_at_b.id))
    await b.state.services.publication.publish(reply.id, by="test", announcers=[])
    await settle(a, b)
    alice_follow = await a.state.storage.follows.get(
        world.accounts["alice"].id, (await _remote(world, f"http://{b.host}/users/bob")).id)
    assert alice_follow is not None and alice_follow.state is FollowState.ACCEPTED


async def _reload(world: World, username: str) -> Account:
    account = await world.a.state.storage.accounts.get_local(username)
    assert account is not None
    return account


async def _remote(world: World, uri: str) -> Account:
    account = await world.a.state.storage.accounts.get_by_uri(uri)
    assert account is not None
    return account
