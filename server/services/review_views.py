"""What deciders read: queue entries with their revision and diff, revisions of a post, the audit log.

Also who a decider is (``reviewer``), the accounts the lists name, and an
author's own shareable posts for nominating. Admin lists show only public
and unlisted posts; a private or direct post answers as if it did not
exist, even to an admin.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from activitypub.errors import InvalidInput, NotFound
from server.services.review import SHAREABLE, default_announcer_ids
from server.services.review_roles import Reviewer, require_admin, require_reviewer, reviewer_for
from storage.models import Account, AccountKind, Page, PublicationState, Role, Status, StatusEdit
from storage.protocols import Storage
from storage.review import OPEN_STATES, AdminStatusFilter, AuditEntry, AuditFilter, ReviewItem, ReviewKind, ReviewState


@dataclass(frozen=True, slots=True)
class QueueEntry:
    item: ReviewItem
    status: Status
    author: Account
    announcers: Sequence[Account]
    """Who will announce: the decider's choice, else the default (the company and addressed departments)."""
    revision: StatusEdit
    approved: StatusEdit | None
    """The revision outsiders see now, for a pending revision."""
    diff: str | None


@dataclass(frozen=True, slots=True)
class Revisions:
    status: Status
    edits: Sequence[StatusEdit]
    approved_id: int | None
    diff: str | None
    """From the approved revision to the latest, when they differ."""


def text_diff(before: StatusEdit, after: StatusEdit) -> str:
    """A unified diff of the plain text (and content warning) of two revisions."""
    def lines(edit: StatusEdit) -> list[str]:
        warning = [f"CW: {edit.spoiler_text}"] if edit.spoiler_text else []
        return [*warning, *edit.text.splitlines()]

    return "\n".join(difflib.unified_diff(
        lines(before), lines(after), fromfile=f"approved ({before.id})", tofile=f"pending ({after.id})", lineterm="",
    ))


class ReviewQueries:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def reviewer(self, human: Account, role: Role) -> Reviewer:
        """The human behind a token or session as a decider: their role and the departments they publish for."""
        return await reviewer_for(self._storage, human, role)

    async def queue(
        self, reviewer: Reviewer, page: Page, states: Sequence[ReviewState] = OPEN_STATES
    ) -> list[QueueEntry]:
        require_reviewer(reviewer)
        items = await self._storage.review.items(states, page, department_ids=reviewer.scope())
        return [entry for item in items if (entry := await self.entry(item)) is not None]

    async def open_count(self, reviewer: Reviewer, *, cap: int = 100) -> int:
        """How many items wait for this reviewer, counted up to ``cap`` (the navigation shows "100+")."""
        require_reviewer(reviewer)
        return len(await self._storage.review.items(OPEN_STATES, Page(limit=cap), department_ids=reviewer.scope()))

    async def item(self, reviewer: Reviewer, item_id: int) -> QueueEntry:
        require_reviewer(reviewer)
        item = await self._storage.review.get(item_id)
        entry = await self.entry(item) if item is not None else None
        if entry is None or not reviewer.can_decide(await self._mentions(entry.status)):
            raise NotFound("No such queue item")
        return entry

    async def entry(self, item: ReviewItem) -> QueueEntry | None:
        status = await self._storage.statuses.get(item.status_id)
        author = await self._storage.accounts.get(status.account_id) if status else None
        revision = await self._storage.statuses.get_edit(item.edit_id)
        if status is None or author is None or revision is None:
            return None
        announcer_ids = item.announcer_ids
        if announcer_ids is None:
            announcer_ids = await default_announcer_ids(self._storage, status)
        accounts = await self._storage.accounts.get_many(list(announcer_ids))
        approved = None
        if item.kind is ReviewKind.REVISION and status.published_edit_id:
            approved = await self._storage.statuses.get_edit(status.published_edit_id)
        return QueueEntry(item, status, author, [accounts[i] for i in announcer_ids if i in accounts], revision,
                          approved, text_diff(approved, revision) if approved else None)

    async def revisions(self, reviewer: Reviewer, status_id: int) -> Revisions:
        require_reviewer(reviewer)
        status = await self._shareable(status_id)
        if not reviewer.can_decide(await self._mentions(status)):
            raise NotFound(f"No status {status_id}")
        edits = await self._storage.statuses.edits(status.id)
        approved = next((e for e in edits if e.id == status.published_edit_id), None)
        diff = text_diff(approved, edits[-1]) if approved is not None and approved.id != edits[-1].id else None
        return Revisions(status, edits, status.published_edit_id, diff)

    async def statuses(self, reviewer: Reviewer, where: AdminStatusFilter, page: Page) -> Sequence[Status]:
        require_reviewer(reviewer)
        scope = reviewer.scope()
        if scope is not None:
            wanted = where.department_ids if where.department_ids is not None else scope
            where = AdminStatusFilter(where.account_id, tuple(i for i in wanted if i in scope), where.hashtag,
                                      where.since, where.until, where.state)
        ids = await self._storage.review.admin_status_ids(where, page)
        found = await self._storage.statuses.get_many(ids)
        return [found[i] for i in ids if i in found]

    async def audit(self, reviewer: Reviewer, where: AuditFilter, page: Page) -> Sequence[AuditEntry]:
        require_admin(reviewer)
        return await self._storage.review.audit(where, page)

    async def author_id(self, name: str) -> int:
        """The local account a status filter names (``@`` optional); 422 if there is none."""
        found = await self._storage.accounts.get_local(name.lstrip("@"))
        if found is None:
            raise InvalidInput(f"No local account {name!r}")
        return found.id

    async def department_id(self, name: str) -> int:
        """The department a status filter names (``@`` optional); 422 if there is none."""
        found = await self._storage.accounts.get_local(name.lstrip("@"))
        if found is None or found.kind is not AccountKind.DEPARTMENT:
            raise InvalidInput(f"No department {name!r}")
        return found.id

    async def authors(self, statuses: Sequence[Status]) -> Mapping[int, Account]:
        return await self._storage.accounts.get_many(sorted({s.account_id for s in statuses}))

    async def departments(self, reviewer: Reviewer) -> Sequence[Account]:
        """The departments whose posts this person sees, by username."""
        departments = sorted(await self._storage.accounts.list_local(AccountKind.DEPARTMENT), key=lambda d: d.username)
        scope = reviewer.scope()
        return departments if scope is None else [d for d in departments if d.id in scope]

    async def announcer_choices(self, reviewer: Reviewer) -> Sequence[Account]:
        """The company and the exposed departments this person may make announce."""
        company = await self._storage.accounts.list_local(AccountKind.COMPANY)
        departments = [d for d in await self._storage.accounts.list_local(AccountKind.DEPARTMENT) if d.exposed]
        return [a for a in [*company, *sorted(departments, key=lambda d: d.username)]
                if reviewer.can_announce_as(a.id)]

    async def own_posts(self, author: Account, page: Page) -> Sequence[tuple[Status, ReviewItem | None]]:
        """An author's public and unlisted posts, newest first, each with its open review item if any."""
        ids = await self._storage.review.admin_status_ids(AdminStatusFilter(account_id=author.id), page)
        found = await self._storage.statuses.get_many(ids)
        items = await self._storage.review.open_for_many([i for i in ids if i in found])
        return [(found[i], items.get(i)) for i in ids if i in found]

    async def stances(self, statuses: Sequence[Status]) -> dict[int, str]:
        """Where each post (and each boosted original) stands between inside and outside, by id.

        ``remote`` (it came from outside), ``internal``, ``nominated`` (waiting for review),
        ``published``, ``revision`` (published, an edit waiting for approval) or ``retracted``.
        """
        boosted = [s.reblog_of_id for s in statuses if s.reblog_of_id is not None]
        originals = await self._storage.statuses.get_many(boosted) if boosted else {}
        shown = {s.id: s for s in [*statuses, *originals.values()] if s.reblog_of_id is None}
        # Only local shareable posts can have a review item: one query looks up theirs.
        items = await self._storage.review.open_for_many(
            [s.id for s in shown.values() if s.local and s.visibility in SHAREABLE])
        return {status_id: _stance(status, items.get(status_id)) for status_id, status in shown.items()}

    async def own_post(self, author: Account, status_id: int) -> Status | None:
        """The author's own shareable, original post, or None for anything else (someone else's, private...)."""
        status = await self._storage.statuses.get(status_id)
        if (status is None or status.account_id != author.id or status.deleted_at is not None
                or not status.local or status.visibility not in SHAREABLE or status.reblog_of_id is not None):
            return None
        return status

    async def _shareable(self, status_id: int) -> Status:
        status = await self._storage.statuses.get(status_id)
        if status is None or status.deleted_at is not None or not status.local or status.visibility not in SHAREABLE:
            raise NotFound(f"No status {status_id}")
        return status

    async def _mentions(self, status: Status) -> Sequence[int]:
        return (await self._storage.statuses.mention_ids([status.id])).get(status.id, [])


def _stance(status: Status, item: ReviewItem | None) -> str:
    """Where one post stands, from the post and its open review item (if any)."""
    if not status.local:
        return "remote"
    if status.publication_state is PublicationState.RETRACTED:
        return "retracted"
    if status.publication_state is PublicationState.PUBLISHED:
        return "revision" if item is not None and item.kind is ReviewKind.REVISION else "published"
    return "nominated" if item is not None and item.kind is ReviewKind.PUBLICATION else "internal"
