"""Staff actions that cross the boundary, as signed activities in the delivery queue.

This implements the services' ``server.services.boundary_actions.Outbound``.
Every action that reaches an outside account exposes the acting employee:
the other server must be able to fetch and verify the actor. Boosts of
outside posts and replies stay inside (nothing here is called for them).
Edits and deletions of published posts go back to the publication service
through ``federation.ports.Republication``: it owns the Note's outside form.
"""

from __future__ import annotations

import secrets
from typing import Any

from activitypub import activities
from activitypub.context import PUBLIC
from activitypub.errors import InvalidInput
from activitypub.follow_replies import accept_follow_activity, reject_follow_activity
from activitypub.uris import actor_id
from federation.actor_documents import actor_document, is_exposed
from federation.ports import Republication
from federation.sender import Sender
from storage.clock import utcnow
from storage.models import Account, AccountKind, Follow, ProfileChanges, PublicationState, Status
from storage.protocols import Storage


class HiddenActor(InvalidInput):
    """A hidden company or department was about to act outside."""

    default_message = "This account is hidden from outside servers; an admin must expose it before it acts outside"


class FederationOutbound:
    def __init__(self, storage: Storage, base_url: str, sender: Sender, publication: Republication) -> None:
        self._storage = storage
        self._base = base_url
        self._sender = sender
        self._publication = publication

    def _uri(self, account: Account) -> str:
        return actor_id(self._base, account.username)

    def _follow_document(self, follower: Account, target: Account, follow: Follow) -> dict[str, Any]:
        follow_id = follow.uri or f"{self._uri(follower)}#follows/{follow.id}"
        return activities.follow(follow_id, self._uri(follower), target.uri or "")

    async def _expose(self, account: Account) -> Account:
        """The acting account, exposed now if it is an employee acting for themselves.

        Exposure is automatic for employees only: whether the company or a
        department is seen outside is an admin's decision, so a hidden one
        is refused before anything leaves (callers write in a transaction,
        so nothing of the refused action is kept either).
        """
        if is_exposed(account) or not account.is_local:
            return account
        if account.kind is not AccountKind.EMPLOYEE:
            raise HiddenActor()
        return await self._storage.accounts.update_profile(account.id, ProfileChanges(exposed=True))

    async def follow(self, follower: Account, target: Account, follow: Follow) -> None:
        follower = await self._expose(follower)
        await self._sender.send(self._follow_document(follower, target, follow), follower, [target])

    async def unfollow(self, follower: Account, target: Account, follow: Follow) -> None:
        document = self._follow_document(follower, target, follow)
        undo = activities.undo(f"{document['id']}/undo", self._uri(follower), document)
        await self._sender.send(undo, follower, [target])

    async def accept_follow(self, target: Account, follower: Account, follow: Follow) -> None:
        await self._reply_to_follow("Accept", target, follower, follow)

    async def reject_follow(self, target: Account, follower: Account, follow: Follow) -> None:
        await self._reply_to_follow("Reject", target, follower, follow)

    async def _reply_to_follow(self, kind: str, target: Account, follower: Account, follow: Follow) -> None:
        target = await self._expose(target)
        build = accept_follow_activity if kind == "Accept" else reject_follow_activity
        activity = build(actor_uri=self._uri(target), follower_uri=follower.uri or "", follow_id=follow.uri,
                         local_follow_id=follow.id)
        await self._sender.send(activity, target, [follower])

    async def block(self, account: Account, target: Account) -> None:
        account = await self._expose(account)
        block_id = f"{self._uri(account)}#blocks/{target.id}"
        await self._sender.send(activities.block(block_id, self._uri(account), target.uri or ""), account, [target])

    async def unblock(self, account: Account, target: Account) -> None:
        block = activities.block(f"{self._uri(account)}#blocks/{target.id}", self._uri(account), target.uri or "")
        undo = activities.undo(f"{block['id']}/undo", self._uri(account), block)
        await self._sender.send(undo, account, [target])

    async def like(self, account: Account, status: Status) -> None:
        target = await self._like_target(status)
        if target is None:
            return
        account = await self._expose(account)
        like = activities.like(f"{self._uri(account)}#likes/{status.id}", self._uri(account), target[0])
        await self._sender.send(like, account, [target[1]])

    async def unlike(self, account: Account, status: Status) -> None:
        target = await self._like_target(status)
        if target is None:
            return
        like = activities.like(f"{self._uri(account)}#likes/{status.id}", self._uri(account), target[0])
        undo = activities.undo(f"{like['id']}/undo", self._uri(account), like)
        await self._sender.send(undo, account, [target[1]])

    async def _like_target(self, status: Status) -> tuple[str, Account] | None:
        """Only outside posts are liked outside; likes of our own published posts stay in our database."""
        author = await self._storage.accounts.get(status.account_id)
        if author is None or author.is_local or not status.uri:
            return None
        return status.uri, author

    async def poll_vote(self, account: Account, status: Status, choices: list[str]) -> None:
        author = await self._storage.accounts.get(status.account_id)
        if author is None or author.is_local or not status.uri:
            return
        account = await self._expose(account)
        for choice in choices:
            # A random id: the vote must not carry our internal id of the remote status.
            vote_id = f"{self._uri(account)}#votes/{secrets.token_hex(8)}"
            vote = activities.poll_vote(f"{vote_id}/activity", self._uri(account), vote_id, status.uri,
                                        author.uri or "", choice)
            await self._sender.send(vote, account, [author])

    async def actor_updated(self, account: Account) -> None:
        if not account.is_local or not is_exposed(account):
            return
        document = actor_document(account, base_url=self._base)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        update = activities.update(f"{self._uri(account)}#updates/{stamp}", self._uri(account), document)
        update["to"] = [PUBLIC]
        await self._sender.send(update, account, await self._sender.followers_of([account.id]))

    async def status_edited(self, status: Status) -> None:
        if status.local and status.publication_state is PublicationState.PUBLISHED:
            await self._publication.send_update(status)

    async def status_deleted(self, status: Status) -> None:
        if not status.local or status.publication_state is not PublicationState.PUBLISHED:
            return
        author = await self._storage.accounts.get(status.account_id)
        if author is not None:
            announcers = await self._storage.publication.announcer_ids(status.id, status.publication_epoch)
            await self._publication.send_retraction(status, author, announcers)
