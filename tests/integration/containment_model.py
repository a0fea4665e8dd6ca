"""What the containment property test does to two live instances, and what it expects may leave.

Every revision of every post on ``a`` carries a fresh ``CANARY-<n>``. The
model follows the publication rules on its own (publishing approves the
latest revision; an edit of a published post is approved at once only for
publishers and organisational authors) and keeps ``approved``: the
canaries of every revision ever approved. Those, and only those, may ever
leave. ``Driver.run`` applies one action through the real services; an
action the server refuses (``InsideoutError``) changes nothing in the model.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

import httpx

from activitypub.errors import InsideoutError
from activitypub.signatures import load_private_key_pem, sign_cavage
from server.activitypub.inbound import inbound_for
from server.mastodon.admin_auth import AdminAccounts
from server.mastodon.auth import digest_token, new_token
from server.services.review_roles import Reviewer
from server.services.statuses import StatusDraft
from storage.clock import utcnow
from storage.models import Account, NewApplication, NewAuthorizationCode, Role, Status, Visibility
from tests.integration.containment_world import employee, follow_remote
from tests.integration.federation_pair import Instance, Router, settle

CANARY = re.compile(r"CANARY-\d+")
AUTHORS = ("alice", "frank", "carol", "company")
ACTORS = ("alice", "frank", "carol")
LOCAL = ("alice", "frank", "carol", "company", "eng")
HIDEABLE = ("alice", "frank", "carol", "eng")
# Acting as the company or a department through a token, as alice (a publisher, not an admin) would.
IDENTITIES = ("company", "eng")
OUTSIDE_OPS = ("follow", "profile")
INBOUND_KINDS = ("Announce", "Like", "Follow")
# Whose id an inbound activity carries: ours, a third server's, or ours as the actor too.
FORGED_ORIGINS = ("own", "third", "own_actor")
MENTIONS = ("", "@frank", "@carol", "@eng", "@bob@b.example")
PUBLISHES_OWN_EDITS = frozenset({"alice", "company"})
PostState = Literal["internal", "published", "retracted"]
Action = tuple[object, ...]


@dataclass
class Post:
    id: int
    author: str
    visibility: Visibility
    revisions: list[str]
    """The canary of each revision, oldest first."""
    state: PostState = "internal"
    approved: str | None = None
    deleted: bool = False
    refs: list[str] = field(default_factory=list)
    """Every ref its published URIs had (a new epoch after each retraction)."""


@dataclass
class Model:
    a: Instance
    b: Instance
    router: Router
    accounts: dict[str, Account] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    approved: set[str] = field(default_factory=set)
    exposed: set[str] = field(default_factory=lambda: {"company", "eng"})
    """Who may be named outside: employees join when a post of theirs is published or they follow bob."""
    canaries: int = 0
    log: list[str] = field(default_factory=list)

    def canary(self) -> str:
        self.canaries += 1
        return f"CANARY-{self.canaries}"

    def pick(self, index: object, *, shareable: bool = False) -> Post | None:
        """A live post by index (modulo); ``shareable``: among public and unlisted ones only."""
        shared = (Visibility.PUBLIC, Visibility.UNLISTED)
        live = [post for post in self.posts if not post.deleted and (not shareable or post.visibility in shared)]
        return live[int(str(index)) % len(live)] if live else None

    def approve(self, post: Post, status: Status) -> None:
        post.state, post.approved = "published", post.revisions[-1]
        self.approved.add(post.revisions[-1])
        self.exposed.add(post.author)
        if status.uri and status.uri.rsplit("/", 1)[-1] not in post.refs:
            post.refs.append(status.uri.rsplit("/", 1)[-1])

    async def reload(self) -> None:
        """Accounts change as they act (exposure); the services want the current row."""
        for name in LOCAL:
            account = await self.a.state.storage.accounts.get_local(name)
            assert account is not None
            self.accounts[name] = account

    def may_name(self, mention: str) -> bool:
        """Whether a published post may carry this mention: not of an employee who is hidden."""
        name = mention.removeprefix("@")
        return name not in ACTORS or name in self.exposed

    def forbidden(self, text: str) -> list[str]:
        """Canaries in ``text`` that were never approved: internal posts and internal revisions."""
        return sorted({found for found in CANARY.findall(text) if found not in self.approved})

    def hidden_named(self, text: str) -> list[str]:
        """Employees not exposed (yet) whom ``text`` names by actor URI, profile URL or handle."""
        host = re.escape(self.a.host)
        return [name for name in (*ACTORS, "eng") if name not in self.exposed and re.search(
            rf"(?:{host}/users/|{host}/@|acct:){name}\b|@{name}@{host}", text)]


async def setup(a: Instance, b: Instance, router: Router) -> Model:
    """alice (publisher), frank and carol (staff) and department eng on ``a``; bob on ``b`` follows the company."""
    model = Model(a, b, router)
    for name, role in (("alice", Role.PUBLISHER), ("frank", Role.STAFF), ("carol", Role.STAFF)):
        model.accounts[name] = await employee(a, name, role, display_name=name.title())
    await a.state.services.departments.create("eng", "Engineering")
    await a.state.services.departments.add_member("eng", "carol")
    await employee(b, "bob")
    await follow_remote(b, "bob", f"http://{a.host}/users/company")
    await settle(a, b)
    await model.reload()
    return model


class NoTarget(Exception):
    """The action names a post and there is none (yet), or none it applies to."""


class Refused(InsideoutError):
    """The server answered an HTTP action with a refusal (4xx); the model does not change."""


class Driver:
    def __init__(self, model: Model) -> None:
        self.model = model
        self.services = model.a.state.services

    async def run(self, action: Action) -> str:
        """Apply the action, settle every delivery, and say how it went: done, refused or skipped."""
        self.model.log.append(repr(action))
        try:
            await getattr(self, f"_{action[0]}")(*action[1:])
            outcome = "done"
        except InsideoutError as refused:
            self.model.log.append(f"  refused: {type(refused).__name__}: {refused.public_message}")
            outcome = f"refused ({refused.public_message[:50]})"
        except NoTarget:
            outcome = "skipped"
        await settle(self.model.a, self.model.b)
        await self.model.reload()
        return outcome

    def target(self, index: object, *, shareable: bool = False) -> Post:
        post = self.model.pick(index, shareable=shareable)
        if post is None:
            raise NoTarget()
        return post

    @property
    def reviewer(self) -> Reviewer:
        alice = self.model.accounts["alice"]
        return Reviewer(label=f"user:{alice.id}", role=Role.PUBLISHER, account=alice)

    async def _post(self, author: str, visibility: Visibility, mention: str, nominate: bool,
                    reply_to: object = None) -> None:
        parent = self.target(reply_to) if reply_to is not None else None
        canary = self.model.canary()
        text = f"{mention} {author} writes {canary}{' #outside' if nominate else ''}".strip()
        status = await self.services.statuses.create(self.model.accounts[author], StatusDraft(
            text=text, visibility=visibility, in_reply_to_id=parent.id if parent else None))
        post = Post(status.id, author, visibility, [canary])
        self.model.posts.append(post)
        if author == "company":  # alice posts as the company, as a client would: auto-publish applies
            status = await self.services.auto_publish.after_post(
                status, self.model.accounts["company"], self.model.accounts["alice"])
            expected = visibility is Visibility.PUBLIC and self.model.may_name(mention)
            assert status.is_published is expected, f"auto-publish: expected {expected} for {text!r}"
            if status.is_published:
                self.model.approve(post, status)

    async def _reply(self, author: str, target: object, mention: str, nominate: bool) -> None:
        await self._post(author, Visibility.PUBLIC, mention, nominate, reply_to=target)

    async def _edit(self, target: object, mention: str, nominate: bool) -> None:
        post = self.target(target)
        canary = self.model.canary()
        text = f"{mention} edited {canary}{' #outside' if nominate else ''}".strip()
        status = await self.services.statuses.edit(self.model.accounts[post.author], post.id, StatusDraft(text=text))
        post.revisions.append(canary)
        # A publisher's edit publishes itself, unless it names someone hidden: then it waits for review.
        if post.state == "published" and post.author in PUBLISHES_OWN_EDITS and self.model.may_name(mention):
            self.model.approve(post, status)

    async def _delete(self, target: object) -> None:
        post = self.target(target)
        await self.services.statuses.delete(self.model.accounts[post.author], post.id)
        post.deleted = True

    async def _boost(self, actor: str, target: object) -> None:
        await self.services.statuses.reblog(self.model.accounts[actor], self.target(target).id)

    async def _favourite(self, actor: str, target: object) -> None:
        await self.services.interactions.favourite(self.model.accounts[actor], self.target(target).id)

    async def _nominate(self, target: object) -> None:
        post = self.target(target)
        await self.services.review.nominate(self.model.accounts[post.author], post.id)

    async def _approve(self, target: object) -> None:
        post = self.target(target)
        item = await self.model.a.state.storage.review.open_for(post.id)
        if item is None:
            raise NoTarget()
        await self.services.review.approve(self.reviewer, item.id)
        status = await self.model.a.state.storage.statuses.get(post.id)
        assert status is not None
        self.model.approve(post, status)

    async def _publish(self, target: object, shareable: bool) -> None:
        post = self.target(target, shareable=shareable)
        self.model.approve(post, await self.services.review.publish(self.reviewer, post.id))

    async def _unpublish(self, target: object) -> None:
        post = self.target(target)
        await self.services.review.unpublish(self.reviewer, post.id)
        post.state = "retracted"

    async def _follow(self, follower: str, followee: str) -> None:
        if followee == "bob":
            await follow_remote(self.model.a, follower, f"http://{self.model.b.host}/users/bob")
            self.model.exposed.add(follower)
        elif follower != followee:
            await self.services.relationships.follow(self.model.accounts[follower], self.model.accounts[followee])

    async def _partner(self, target: object) -> None:
        """bob, on ``b``, likes and answers the post, if ``b`` knows it at all (only published posts reach it)."""
        status = await self.model.a.state.storage.statuses.get(self.target(target, shareable=True).id)
        b = self.model.b
        known = await b.state.storage.statuses.get_by_uri(status.uri) if status and status.uri else None
        bob = await b.state.storage.accounts.get_local("bob")
        if known is None or bob is None:
            raise NoTarget()
        await b.state.services.interactions.favourite(bob, known.id)
        reply = await b.state.services.statuses.create(bob, StatusDraft(text="Nice one", in_reply_to_id=known.id))
        await b.state.services.publication.publish(reply.id, by="test", announcers=[])

    async def _partner_follow(self, username: str) -> None:
        await follow_remote(self.model.b, "bob", f"http://{self.model.a.host}/users/{username}")


    async def _hide(self, name: str) -> None:
        await self._admin_accounts().hide("test", self.model.accounts[name].id, "reorganised")
        self.model.exposed.discard(name)

    async def _expose(self, name: str) -> None:
        await self._admin_accounts().expose("test", self.model.accounts[name].id, "speaks for us")
        self.model.exposed.add(name)

    def _admin_accounts(self) -> AdminAccounts:
        return self.services.admin_accounts

    async def _act_as(self, identity: str, op: str) -> None:
        """alice, through a token acting as ``identity``, follows bob or rewrites its public profile."""
        headers = {"Authorization": f"Bearer {await self._acting_token(identity)}"}
        client = self.model.a.client
        if op == "follow":
            bob = await inbound_for(self.model.a.app).actors.resolve(f"http://{self.model.b.host}/users/bob")
            response = await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=headers)
        else:  # a canary in the profile: if this ever succeeds for a publisher, the crawl sees it outside
            canary = self.model.canary()
            response = await client.patch("/api/v1/accounts/update_credentials", headers=headers,
                                          data={"display_name": canary, "note": canary})
        if response.status_code >= 400:
            raise Refused(f"{response.status_code} {response.text[:80]}")
        if op == "follow" and identity != "company":
            self.model.exposed.add(identity)

    async def _acting_token(self, identity: str) -> str:
        storage = self.model.a.state.storage
        application = await storage.oauth.create_application(NewApplication(
            "Tusky", None, ("urn:ietf:wg:oauth:2.0:oob",), ("read", "write", "follow"), new_token(),
            digest_token("secret")))
        code = await storage.oauth.create_authorization_code(NewAuthorizationCode(
            code_digest=digest_token(new_token()), application_id=application.id,
            account_id=self.model.accounts["alice"].id, redirect_uri="urn:ietf:wg:oauth:2.0:oob",
            scopes=("read", "write", "follow"), expires_at=utcnow() + timedelta(minutes=5),
            acting_as_account_id=self.model.accounts[identity].id))
        token = new_token()
        assert await storage.oauth.redeem_authorization_code(code.id, digest_token(token)) is not None
        return token

    async def _inbound(self, kind: str, origin: str, target: object) -> None:
        """bob sends ``a`` an activity whose id is not his to mint: it must be refused and change nothing."""
        a_base, b_base = f"http://{self.model.a.host}", f"http://{self.model.b.host}"
        post = self.model.pick(target, shareable=True)
        status = await self.model.a.state.storage.statuses.get(post.id) if post else None
        aimed = status.uri if status and status.uri and kind != "Follow" else f"{a_base}/users/company"
        actor = f"{a_base}/users/alice" if origin == "own_actor" else f"{b_base}/users/bob"
        activity_id = f"http://third.example/{kind.lower()}s/1" if origin == "third" else f"{aimed}-{kind.lower()}"
        bob = await self.model.b.state.storage.accounts.get_local("bob")
        assert bob is not None and bob.private_key_pem is not None
        body = json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "id": activity_id, "type": kind,
                           "actor": actor, "object": aimed}).encode()
        headers = {"Host": self.model.a.host, "Content-Type": "application/activity+json"}
        headers |= sign_cavage("POST", f"{a_base}/inbox", headers, body, f"{b_base}/users/bob#main-key",
                               load_private_key_pem(bob.private_key_pem))
        async with httpx.AsyncClient(transport=self.model.router) as client:
            response = await client.post(f"{a_base}/inbox", content=body, headers=headers)
        assert response.status_code in (400, 401), f"{kind} with a forged id answered {response.status_code}"
        raise Refused(f"{response.status_code}")
