"""The review queue: nominations, pending revisions, and the decisions about them.

A post enters the queue when its text carries the nomination hashtag (so
any Mastodon client can nominate), when its author nominates it, or when
someone who may not publish edits a published post (a pending revision).
Publishers decide: approve now, approve for a time, or decline with a
reason. Every decision is checked against the revision it was about, made
in one transaction with the publication it causes (deliveries included),
and written to the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from activitypub.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.services.publication import PublicationService
from server.services.review_notices import AuthorNotices, ReviewerNotices
from server.services.review_roles import DECIDE_MESSAGE, Reviewer
from storage.clock import utcnow
from storage.models import Account, AccountKind, Status, Visibility
from storage.protocols import Storage
from storage.review import (
    OPEN_STATES,
    AuditAction,
    Decision,
    NewAuditEntry,
    NewReviewItem,
    ReviewItem,
    ReviewKind,
    ReviewState,
)

SHAREABLE = (Visibility.PUBLIC, Visibility.UNLISTED)
SCHEDULER = "worker:scheduled-publication"


class ReviewService:
    def __init__(
        self, storage: Storage, publication: PublicationService, notices: AuthorNotices, *, hashtag: str,
        reviewers: ReviewerNotices | None = None,
    ) -> None:
        self._storage = storage
        self._publication = publication
        self._notices = notices
        self._reviewers = reviewers
        self._hashtag = hashtag.casefold()

    # -- entering the queue -------------------------------------------------------------------------------

    async def status_written(self, status: Status, author: Account, *, edited: bool) -> None:
        """After every create and edit: nominate by hashtag, queue pending revisions, retire stale items."""
        if not status.local or status.reblog_of_id is not None or status.deleted_at is not None:
            return
        latest = await self._latest_edit_id(status.id)
        current = await self._storage.review.open_for(status.id)
        if current is not None and current.edit_id == latest:
            return
        label = f"user:{author.id}"
        opened: ReviewItem | None = None
        async with self._storage.transaction():
            if current is not None:
                await self._supersede(current, status, label, "the post was edited; the newer revision replaces it")
            if status.is_published:
                if status.published_edit_id != latest:
                    opened = await self._open(status, ReviewKind.REVISION, latest, label, {"via": "edit"})
            elif status.visibility in SHAREABLE and (current is not None or await self._has_hashtag(status)):
                opened = await self._open(status, ReviewKind.PUBLICATION, latest, label,
                                          {"via": "edit" if current is not None else "hashtag"})
        if opened is not None and current is None:  # new in the queue, not a queued post's newer revision
            await self._tell_reviewers(author, status, opened)
        if status.is_published:
            return
        if not edited and status.visibility not in SHAREABLE and await self._has_hashtag(status):
            await self._notices.inert_nomination(author, status)

    async def nominate(self, author: Account, status_id: int) -> ReviewItem:
        status = await self._storage.statuses.get(status_id)
        if status is None or status.deleted_at is not None or not status.local:
            raise NotFound()
        if status.account_id != author.id:
            raise Forbidden("Only the author can nominate a post")
        if status.visibility not in SHAREABLE or status.reblog_of_id is not None:
            raise InvalidInput("Only public or unlisted posts can be nominated for publication")
        if await self._storage.review.open_for(status.id) is not None:
            raise Conflict("This post is already waiting in the review queue")
        latest = await self._latest_edit_id(status.id)
        if status.is_published and status.published_edit_id == latest:
            raise Conflict("This post is already published, and it has no newer revision")
        kind = ReviewKind.REVISION if status.is_published else ReviewKind.PUBLICATION
        async with self._storage.transaction():
            item = await self._open(status, kind, latest, f"user:{author.id}", {"via": "nominate"})
        await self._tell_reviewers(author, status, item)
        return item

    async def _tell_reviewers(self, author: Account, status: Status, item: ReviewItem) -> None:
        if self._reviewers is not None:
            await self._reviewers.queued(author, status, revision=item.kind is ReviewKind.REVISION)

    # -- decisions -------------------------------------------------------------------------------------------

    async def approve(
        self, reviewer: Reviewer, item_id: int, *, at: datetime | None = None,
        announcers: Sequence[str] | None = None, reason: str | None = None,
    ) -> ReviewItem:
        item, status = await self._decidable(reviewer, item_id)
        if item.state is not ReviewState.PENDING:
            raise Conflict(f"This queue item was already decided ({item.state.value})")
        await self._check_fresh(item, status)
        chosen = await self._chosen_announcers(reviewer, status, announcers)
        if at is not None and at > utcnow():
            return await self._schedule(reviewer, item, status, at, chosen, reason)
        return await self._publish_item(item, status, by=reviewer.label, chosen=chosen, reason=reason,
                                        expect=(ReviewState.PENDING,))

    async def decline(self, reviewer: Reviewer, item_id: int, reason: str) -> ReviewItem:
        if not reason.strip():
            raise InvalidInput("Give a reason: the author reads it")
        item, status = await self._decidable(reviewer, item_id)
        async with self._storage.transaction():
            declined = await self._storage.review.decide(item.id, Decision(
                ReviewState.DECLINED, OPEN_STATES, item.edit_id, reviewer.label, reason.strip()))
            if declined is None:
                raise Conflict(f"This queue item was already decided ({item.state.value})")
            await self._log(status, AuditAction.DECLINE, item.state.value, "declined", reviewer.label, reason,
                            {"item_id": str(item.id), "edit_id": str(item.edit_id)})
        author = await self._account(status.account_id)
        await self._notices.declined(author, status, reason, revision=item.kind is ReviewKind.REVISION)
        return declined

    async def publish(
        self, reviewer: Reviewer, status_id: int, *, announcers: Sequence[str] | None = None,
        reason: str | None = None,
    ) -> Status:
        """Publish outright (nominated or not); an open queue item for the post is approved with it."""
        status = await self._status(status_id)
        await self._require_decide(reviewer, status)
        chosen = await self._chosen_announcers(reviewer, status, announcers)
        item = await self._storage.review.open_for(status.id)
        async with self._storage.transaction():
            if item is not None and await self._storage.review.decide(item.id, Decision(
                    ReviewState.APPROVED, OPEN_STATES, item.edit_id, reviewer.label, reason)) is not None:
                await self._log(status, AuditAction.APPROVE, item.state.value, "approved", reviewer.label, reason,
                                {"item_id": str(item.id), "via": "publish"})
            published = await self._publish_status(status, reviewer.label, chosen, reason)
        return published

    async def unpublish(self, reviewer: Reviewer, status_id: int, *, reason: str | None = None) -> Status:
        status = await self._status(status_id)
        await self._require_decide(reviewer, status)
        item = await self._storage.review.open_for(status.id)
        async with self._storage.transaction():
            if item is not None and item.kind is ReviewKind.REVISION:
                await self._supersede(item, status, reviewer.label, "the post was unpublished")
            return await self._publication.unpublish(status.id, by=reviewer.label, reason=reason)

    async def publish_scheduled(self, item: ReviewItem) -> ReviewItem | None:
        """The worker's half of a scheduled approval; a post that changed meanwhile is not published."""
        status = await self._storage.statuses.get(item.status_id)
        by = item.decided_by or SCHEDULER
        try:
            if status is None:
                raise Conflict("The post no longer exists")
            await self._check_fresh(item, status)
            announcers = item.announcer_ids
            return await self._publish_item(item, status, by=by, chosen=announcers, reason=item.reason,
                                            expect=(ReviewState.SCHEDULED,), detail={"scheduled": "true"})
        except (Conflict, InvalidInput) as refused:
            if status is not None:
                async with self._storage.transaction():
                    await self._supersede(item, status, SCHEDULER, f"not published at its time: {refused}")
            return None

    # -- internals -------------------------------------------------------------------------------------------

    async def _schedule(
        self, reviewer: Reviewer, item: ReviewItem, status: Status, at: datetime, chosen: tuple[int, ...] | None,
        reason: str | None,
    ) -> ReviewItem:
        async with self._storage.transaction():
            scheduled = await self._storage.review.decide(item.id, Decision(
                ReviewState.SCHEDULED, (ReviewState.PENDING,), item.edit_id, reviewer.label, reason, at, chosen))
            if scheduled is None:
                raise Conflict("This queue item changed while you decided; reload it")
            await self._log(status, AuditAction.SCHEDULE, "pending", "scheduled", reviewer.label, reason,
                            {"item_id": str(item.id), "scheduled_at": at.isoformat()}, chosen or ())
            await self._log_announcers(status, reviewer.label, chosen)
        await self._notices.scheduled(await self._account(status.account_id), status, at)
        return scheduled

    async def _publish_item(
        self, item: ReviewItem, status: Status, *, by: str, chosen: tuple[int, ...] | None, reason: str | None,
        expect: tuple[ReviewState, ...], detail: dict[str, str] | None = None,
    ) -> ReviewItem:
        """Approve and publish in ONE transaction: a failure leaves the item open and nothing queued."""
        async with self._storage.transaction():
            approved = await self._storage.review.decide(
                item.id, Decision(ReviewState.APPROVED, expect, item.edit_id, by, reason, announcer_ids=chosen))
            if approved is None:
                raise Conflict("This queue item was already decided or changed; reload it")
            await self._log(status, AuditAction.APPROVE, item.state.value, "approved", by, reason,
                            {"item_id": str(item.id), "edit_id": str(item.edit_id), **(detail or {})}, chosen or ())
            await self._publish_status(status, by, chosen, reason)
        if item.kind is ReviewKind.REVISION:
            await self._notices.revision_published(await self._account(status.account_id), status)
        return approved

    async def _publish_status(
        self, status: Status, by: str, chosen: tuple[int, ...] | None, reason: str | None
    ) -> Status:
        await self._log_announcers(status, by, chosen)
        usernames = None if chosen is None else [(await self._account(i)).username for i in chosen]
        return await self._publication.publish(status.id, by=by, announcers=usernames, reason=reason)

    async def _log_announcers(self, status: Status, by: str, chosen: tuple[int, ...] | None) -> None:
        if chosen is None or status.is_published:
            return
        default = await default_announcer_ids(self._storage, status)
        if tuple(sorted(chosen)) != tuple(sorted(default)):
            await self._log(status, AuditAction.ANNOUNCERS, "default", "chosen", by, None,
                            {"from": [str(i) for i in default], "to": [str(i) for i in chosen]}, chosen)

    async def _chosen_announcers(
        self, reviewer: Reviewer, status: Status, usernames: Sequence[str] | None
    ) -> tuple[int, ...] | None:
        """Announcer ids the decider picked; None for the default (which a department publisher narrows)."""
        if usernames is None:
            if reviewer.decides_everything:
                return None
            default = await default_announcer_ids(self._storage, status)
            return tuple(i for i in default if reviewer.can_announce_as(i))
        chosen: list[int] = []
        for username in usernames:
            account = await self._storage.accounts.get_local(username.strip().lstrip("@"))
            if account is None or account.kind not in (AccountKind.COMPANY, AccountKind.DEPARTMENT):
                raise InvalidInput(f"{username!r} is not the company or a department")
            if not account.exposed:
                raise InvalidInput(f"{username!r} is hidden from the outside and cannot announce")
            if not reviewer.can_announce_as(account.id):
                raise Forbidden(f"You cannot announce as {account.username}: you do not publish for it")
            if account.id != status.account_id and account.id not in chosen:
                chosen.append(account.id)
        return tuple(chosen)

    async def _check_fresh(self, item: ReviewItem, status: Status) -> None:
        """Refuse a decision about a post that changed since it was queued (409), before touching anything."""
        if status.deleted_at is not None:
            raise Conflict("The post was deleted after it was queued")
        if status.visibility not in SHAREABLE:
            raise Conflict("The post is no longer public or unlisted")
        if await self._latest_edit_id(status.id) != item.edit_id:
            raise Conflict("The post was edited after it was queued; review its newer revision")
        if item.kind is ReviewKind.PUBLICATION and status.is_published:
            raise Conflict("This post is already published")
        if item.kind is ReviewKind.REVISION and not status.is_published:
            raise Conflict("The post is no longer published; nominate it again")
        if item.kind is ReviewKind.REVISION and status.published_edit_id == item.edit_id:
            raise Conflict("This revision is already published")

    async def _decidable(self, reviewer: Reviewer, item_id: int) -> tuple[ReviewItem, Status]:
        item = await self._storage.review.get(item_id)
        if item is None:
            raise NotFound("No such queue item")
        status = await self._storage.statuses.get(item.status_id)
        if status is None:
            raise NotFound("No such queue item")
        await self._require_decide(reviewer, status)
        return item, status

    async def _require_decide(self, reviewer: Reviewer, status: Status) -> None:
        mentioned = (await self._storage.statuses.mention_ids([status.id])).get(status.id, [])
        if not reviewer.can_decide(mentioned):
            raise Forbidden(DECIDE_MESSAGE)

    async def _open(
        self, status: Status, kind: ReviewKind, edit_id: int, label: str, detail: dict[str, str]
    ) -> ReviewItem:
        item = await self._storage.review.open_item(NewReviewItem(status.id, kind, edit_id, label))
        action = AuditAction.NOMINATE if kind is ReviewKind.PUBLICATION else AuditAction.REVISION_PENDING
        await self._log(status, action, status.publication_state.value, "pending", label, None,
                        {"item_id": str(item.id), "edit_id": str(edit_id), **detail})
        return item

    async def _supersede(self, item: ReviewItem, status: Status, by: str, reason: str) -> None:
        if await self._storage.review.decide(
                item.id, Decision(ReviewState.SUPERSEDED, OPEN_STATES, item.edit_id, by, reason)) is not None:
            await self._log(status, AuditAction.SUPERSEDE, item.state.value, "superseded", by, reason,
                            {"item_id": str(item.id)})

    async def _log(
        self, status: Status, action: AuditAction, from_state: str, to_state: str, actor: str, reason: str | None,
        detail: dict[str, object], announcer_ids: Sequence[int] = (),
    ) -> None:
        await self._storage.review.log(NewAuditEntry(
            status.id, action, from_state, to_state, status.publication_epoch, actor, reason,
            tuple(announcer_ids), detail))

    async def _has_hashtag(self, status: Status) -> bool:
        tags = (await self._storage.statuses.tags([status.id])).get(status.id, [])
        return any(tag.name.casefold() == self._hashtag for tag in tags)

    async def _latest_edit_id(self, status_id: int) -> int:
        return (await self._storage.statuses.edits(status_id))[-1].id

    async def _status(self, status_id: int) -> Status:
        status = await self._storage.statuses.get(status_id)
        if status is None or status.deleted_at is not None or not status.local:
            raise NotFound(f"No status {status_id}")
        return status

    async def _account(self, account_id: int) -> Account:
        account = await self._storage.accounts.get(account_id)
        if account is None:
            raise NotFound()
        return account


async def default_announcer_ids(storage: Storage, status: Status) -> tuple[int, ...]:
    """The company and the exposed departments the post addresses; never the author."""
    ids = [a.id for a in await storage.accounts.list_local(AccountKind.COMPANY)]
    for account_id in (await storage.statuses.mention_ids([status.id])).get(status.id, []):
        account = await storage.accounts.get(account_id)
        if account is not None and account.kind is AccountKind.DEPARTMENT and account.exposed:
            ids.append(account.id)
    return tuple(i for i in dict.fromkeys(ids) if i != status.account_id)
