"""Follows, follow requests, blocks, mutes and private notes between accounts.

Local targets are handled here completely. For an outside target the same
row is written and ``Outbound`` sends the activity; a follow of an outside
account stays ``pending`` until its ``Accept`` arrives in the inbox.
Departments and the company accept every follow: staff follow them freely.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Final

from activitypub.errors import Forbidden, InvalidInput, NotFound
from server.services.boundary_actions import Outbound
from server.services.distribution import Distribution
from server.services.identities import Editor, settings_change
from storage.clock import utcnow
from storage.models import Account, AccountKind, Follow, FollowState, Page, StatusFilter
from storage.profiles import RelationshipFacts
from storage.protocols import Storage

MAX_NOTE_LENGTH: Final = 2000
MAX_MUTE_SECONDS: Final = 10 * 365 * 24 * 3600
BACKFILL: Final = 40  # Mastodon merges a newly followed account's recent posts into the home feed
SELF_MESSAGE: Final = "You cannot do this to your own account"
BLOCKED_MESSAGE: Final = "This action is not allowed"
# Who may follow and reach the account: an organisation's settings (admins only, audited).
SETTINGS_ACTIONS: Final = frozenset({"remove_from_followers", "block", "unblock", "authorize", "reject"})


class RelationshipService:
    def __init__(self, storage: Storage, distribution: Distribution, outbound: Outbound) -> None:
        self._storage = storage
        self._distribution = distribution
        self._outbound = outbound

    async def target(self, account_id: int) -> Account:
        """The account a relationship action names; a deleted or unknown one is not found."""
        account = await self._storage.accounts.get(account_id)
        if account is None or account.deleted_at is not None:
            raise NotFound()
        return account

    async def follow(
        self, account: Account, target: Account, *, reblogs: bool | None = None, notify: bool | None = None,
    ) -> Follow:
        _refuse_self(account, target)
        if target.id in await self._storage.relationships.blocked_ids(account.id):
            raise Forbidden(BLOCKED_MESSAGE, detail="blocked")
        existing = await self._storage.follows.get(account.id, target.id)
        show_reblogs = reblogs if reblogs is not None else (existing.show_reblogs if existing else True)
        wants_notify = notify if notify is not None else (existing.notify if existing else False)
        state = existing.state if existing else self._initial_state(target)
        if existing is None and not target.is_local:
            # With its Follow, or not at all: the boundary may refuse the activity (a hidden department).
            async with self._storage.transaction():
                follow = await self._storage.follows.follow(
                    account.id, target.id, state, show_reblogs=show_reblogs, notify=wants_notify
                )
                await self._outbound.follow(account, target, follow)
            return follow
        follow = await self._storage.follows.follow(
            account.id, target.id, state, show_reblogs=show_reblogs, notify=wants_notify
        )
        if existing is not None:
            return follow
        if follow.state is FollowState.ACCEPTED:
            await self._distribution.notify(target, account, "follow", None)
            await self._backfill_home(account, target)
        else:
            await self._distribution.notify(target, account, "follow_request", None)
        return follow

    @staticmethod
    def _initial_state(target: Account) -> FollowState:
        if not target.is_local:
            return FollowState.PENDING  # until the outside server sends Accept
        if target.kind in (AccountKind.DEPARTMENT, AccountKind.COMPANY) or not target.locked:
            return FollowState.ACCEPTED
        return FollowState.PENDING

    async def unfollow(self, account: Account, target: Account) -> None:
        follow = await self._storage.follows.remove(account.id, target.id)
        if follow is None:
            return
        await self._storage.timelines.remove_from_home(account.id, target.id)
        if not target.is_local:
            await self._outbound.unfollow(account, target, follow)

    async def remove_from_followers(self, account: Account, follower: Account) -> None:
        follow = await self._storage.follows.get(follower.id, account.id)
        if follow is None or follow.state is not FollowState.ACCEPTED:
            return
        await self._storage.follows.remove(follower.id, account.id)
        await self._storage.timelines.remove_from_home(follower.id, account.id)
        if not follower.is_local:
            await self._outbound.reject_follow(account, follower, follow)

    async def authorize(self, account: Account, requester: Account) -> None:
        follow = await self._pending_request(account, requester)
        async with self._storage.transaction():
            await self._storage.follows.accept(follow.id)
            if not requester.is_local:
                await self._outbound.accept_follow(account, requester, follow)
        if requester.is_local:
            await self._backfill_home(requester, account)

    async def reject(self, account: Account, requester: Account) -> None:
        follow = await self._pending_request(account, requester)
        async with self._storage.transaction():
            await self._storage.follows.remove(requester.id, account.id)
            if not requester.is_local:
                await self._outbound.reject_follow(account, requester, follow)

    async def _pending_request(self, account: Account, requester: Account) -> Follow:
        follow = await self._storage.follows.get(requester.id, account.id)
        if follow is None or follow.state is not FollowState.PENDING:
            raise NotFound()
        return follow

    async def block(self, account: Account, target: Account) -> None:
        _refuse_self(account, target)
        async with self._storage.transaction():
            mine = await self._storage.follows.remove(account.id, target.id)
            theirs = await self._storage.follows.remove(target.id, account.id)
            await self._storage.relationships.block(account.id, target.id)
            await self._storage.timelines.remove_from_home(account.id, target.id)
            await self._storage.timelines.remove_from_home(target.id, account.id)
            if target.is_local:
                return
            if mine is not None:
                await self._outbound.unfollow(account, target, mine)
            if theirs is not None:
                await self._outbound.reject_follow(account, target, theirs)
            await self._outbound.block(account, target)

    async def unblock(self, account: Account, target: Account) -> None:
        if await self._storage.relationships.unblock(account.id, target.id) and not target.is_local:
            await self._outbound.unblock(account, target)

    async def mute(self, account: Account, target: Account, *, notifications: bool = True, duration: int = 0) -> None:
        _refuse_self(account, target)
        if not 0 <= duration <= MAX_MUTE_SECONDS:
            raise InvalidInput(f"Validation failed: duration must be between 0 and {MAX_MUTE_SECONDS} seconds")
        expires_at: datetime | None = utcnow() + timedelta(seconds=duration) if duration else None
        await self._storage.relationships.mute(account.id, target.id, notifications=notifications,
                                               expires_at=expires_at)

    async def unmute(self, account: Account, target: Account) -> None:
        await self._storage.relationships.unmute(account.id, target.id)

    async def set_note(self, account: Account, target: Account, comment: str) -> None:
        if len(comment) > MAX_NOTE_LENGTH:
            raise InvalidInput(f"Validation failed: Comment is too long (maximum is {MAX_NOTE_LENGTH} characters)")
        await self._storage.relationships.set_note(account.id, target.id, comment.strip())

    async def relationships(self, account: Account, account_ids: Sequence[int]) -> list[tuple[int, RelationshipFacts]]:
        """``account``'s relationship to each of ``account_ids``, in their order; unknown accounts left out."""
        known = [i for i in account_ids if await self._storage.accounts.get(i) is not None]
        facts = await self._storage.directory.relationships(account.id, known)
        return [(i, facts[i]) for i in known if i in facts]

    async def relationship(self, account: Account, target: Account) -> RelationshipFacts:
        """Read back after a change, as Mastodon answers every relationship action."""
        return (await self._storage.directory.relationships(account.id, [target.id]))[target.id]

    @asynccontextmanager
    async def deciding(self, action: str, account: Account, editor: Editor, target: Account) -> AsyncIterator[None]:
        """Around ``action`` on ``target``: who may follow and reach an organisation is its settings,
        which only an admin changes, audited (``identities.settings_change``); other actions are the
        account's own."""
        if action not in SETTINGS_ACTIONS:
            yield
            return
        async with settings_change(self._storage, account, editor, f"relationship.{action}",
                                   account_id=str(target.id), acct=target.acct):
            yield

    async def follow_requests(self, account: Account, page: Page) -> Sequence[tuple[Follow, Account]]:
        return await self._storage.follows.followers(account.id, page, state=FollowState.PENDING)

    async def count_follow_requests(self, account: Account) -> int:
        return await self._storage.follows.count_requests(account.id)

    async def blocked_or_muted(self, kind: str, account: Account, page: Page) -> Sequence[tuple[int, Account]]:
        """``kind`` "blocks" or "mutes": the rows (their ids are the page cursor) and the accounts, newest first."""
        return await self._storage.directory.blocked_or_muted(kind, account.id, page)

    async def _backfill_home(self, follower: Account, followed: Account) -> None:
        """Put the followed account's recent posts the follower may see into their home feed."""
        ids = await self._storage.timelines.statuses(
            follower.id, Page(limit=BACKFILL), StatusFilter(), account_id=followed.id
        )
        for status_id in ids:
            await self._storage.timelines.add_to_home(status_id, [follower.id])


def _refuse_self(account: Account, target: Account) -> None:
    if account.id == target.id:
        raise Forbidden(SELF_MESSAGE, detail="self")
