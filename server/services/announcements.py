"""Announcements: what admins and publishers tell staff, shown by Mastodon apps and the web app as a banner.

1. **Authoring** (``create``, ``edit``, ``end``, ``delete``, the lists): only
   publishers and admins (``Reviewer.decides_everything``; the CLI is an
   admin). Every create, edit, end and delete is written to the admin
   action log in the transaction that makes it.
2. **The text** is plain text, rendered to HTML as a status's is
   (``activitypub.content``: links, mentions of local accounts, hashtags),
   so it is escaped and needs no other sanitising.
3. **Reading** (``active_for``, ``dismiss``, ``react``): a person sees an
   announcement while it is active and only if it is for everyone or for a
   department they belong to; any other id, existing or not, is not found.
4. **Reactions** are single emoji (``activitypub.content.emoji``); anything
   else, a custom emoji shortcode included (there are none), is a 422.
5. **Streams**: creating or editing one sends ``announcement`` to the
   ``user`` streams of its audience, a reaction ``announcement.reaction``
   and a deletion or an end ``announcement.delete``, as Mastodon does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from activitypub.content import MentionedAccount, RenderedContent, render_status_async
from activitypub.content.emoji import is_single_emoji
from activitypub.errors import Forbidden, InvalidInput, NotFound
from activitypub.uris import Uris
from server.events import Event, EventBus
from server.services.admin_log import audit, snippet
from server.services.field_errors import FieldCheck
from server.services.review_roles import Reviewer
from storage.announcements import Announcement, NewAnnouncement, Reaction
from storage.clock import utcnow
from storage.ids import parse_id
from storage.models import Account, AccountKind
from storage.protocols import Storage

MAX_TEXT = 5000
AUTHOR_MESSAGE = "Only publishers and admins can write announcements"
REACTION_MESSAGE = "Validation failed: Name is not a recognized emoji"


@dataclass(frozen=True, slots=True)
class AnnouncementDraft:
    """What an author asks for; ``departments`` are ids or usernames, none meaning everyone."""

    text: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    all_day: bool = False
    departments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AnnouncementView:
    """An announcement as one person sees it: ``read`` (dismissed) and reactions with ``me``."""

    announcement: Announcement
    rendered: RenderedContent
    reactions: Sequence[Reaction]
    read: bool


@dataclass(frozen=True, slots=True)
class AnnouncementSummary:
    """An announcement as its authors see it: state, audience, reactions and how many dismissed it."""

    announcement: Announcement
    state: str
    departments: Sequence[Account]
    reactions: Sequence[Reaction]
    dismissals: int

    @property
    def reaction_count(self) -> int:
        return sum(r.count for r in self.reactions)


def require_author(reviewer: Reviewer) -> None:
    if not reviewer.decides_everything:
        raise Forbidden(AUTHOR_MESSAGE, detail=f"{reviewer.label} ({reviewer.role.value})")


StreamPayload = Callable[[AnnouncementView], str]


class AnnouncementService:
    def __init__(self, storage: Storage, base_url: str, events: EventBus) -> None:
        self._storage = storage
        self._uris = Uris.of(base_url)
        self._events = events
        self.stream_payload: StreamPayload | None = None
        """The ``announcement`` event's JSON (the API's entity, for no viewer in particular, as Mastodon sends it);
        the app sets it, since the entity is the edges' (``server.present``). None: no such event is sent."""

    # -- authoring --------------------------------------------------------------------------------

    async def create(self, reviewer: Reviewer, draft: AnnouncementDraft) -> Announcement:
        require_author(reviewer)
        new = await self._checked(reviewer, draft)
        async with self._storage.transaction():
            announcement = await self._storage.announcements.add(new, utcnow())
            await audit(self._storage, reviewer.label, "create_announcement", "announcement", announcement.id,
                        text=snippet(announcement.text))
        await self._announce(announcement)
        return announcement

    async def edit(self, reviewer: Reviewer, announcement_id: int, draft: AnnouncementDraft) -> Announcement:
        require_author(reviewer)
        new = await self._checked(reviewer, draft)
        before = set(await self._storage.announcements.audience_ids(announcement_id))
        async with self._storage.transaction():
            announcement = await self._storage.announcements.update(announcement_id, new, utcnow())
            if announcement is None:
                raise NotFound()
            await audit(self._storage, reviewer.label, "update_announcement", "announcement", announcement.id,
                        text=snippet(announcement.text))
        # Whoever the edit leaves out (a narrower audience, a start moved later) has it taken off their screen.
        after = set(await self._storage.announcements.audience_ids(announcement.id))
        dropped = before if not announcement.active_at(utcnow()) else before - after
        if dropped:
            await self._gone(announcement.id, sorted(dropped))
        await self._announce(announcement)
        return announcement

    async def end(self, reviewer: Reviewer, announcement_id: int) -> Announcement:
        require_author(reviewer)
        async with self._storage.transaction():
            announcement = await self._storage.announcements.end(announcement_id, utcnow())
            if announcement is None:
                raise NotFound()
            await audit(self._storage, reviewer.label, "end_announcement", "announcement", announcement.id)
        await self._gone(announcement.id, await self._storage.announcements.audience_ids(announcement.id))
        return announcement

    async def delete(self, reviewer: Reviewer, announcement_id: int) -> None:
        require_author(reviewer)
        audience = await self._storage.announcements.audience_ids(announcement_id)
        async with self._storage.transaction():
            found = await self._storage.announcements.get(announcement_id)
            if found is None or not await self._storage.announcements.delete(announcement_id):
                raise NotFound()
            await audit(self._storage, reviewer.label, "delete_announcement", "announcement", announcement_id,
                        text=snippet(found.text))
        await self._gone(announcement_id, audience)

    async def listing(self, reviewer: Reviewer) -> list[AnnouncementSummary]:
        """Every announcement, newest first, with its state and counts."""
        require_author(reviewer)
        return await self._summaries(await self._storage.announcements.list())

    async def summary(self, reviewer: Reviewer, announcement_id: int) -> AnnouncementSummary:
        require_author(reviewer)
        found = await self._storage.announcements.get(announcement_id)
        if found is None:
            raise NotFound()
        return (await self._summaries([found]))[0]

    async def departments(self) -> list[Account]:
        """The departments an announcement may be for, by name."""
        found = await self._storage.accounts.list_local(AccountKind.DEPARTMENT)
        return sorted(found, key=lambda d: d.username)

    async def _summaries(self, announcements: Sequence[Announcement]) -> list[AnnouncementSummary]:
        ids = [a.id for a in announcements]
        reactions = await self._storage.announcements.reactions(ids, None)
        dismissals = await self._storage.announcements.dismiss_counts(ids)
        wanted = sorted({d for a in announcements for d in a.department_ids})
        accounts = await self._storage.accounts.get_many(wanted)
        now = utcnow()
        return [AnnouncementSummary(a, a.state_at(now), [accounts[d] for d in a.department_ids if d in accounts],
                                    reactions.get(a.id, ()), dismissals.get(a.id, 0)) for a in announcements]

    async def _checked(self, reviewer: Reviewer, draft: AnnouncementDraft) -> NewAnnouncement:
        check = FieldCheck()
        text = draft.text.strip()
        if not text:
            check.refuse("text", "Write the announcement's text.")
        elif len(text) > MAX_TEXT:
            check.refuse("text", f"The text is longer than {MAX_TEXT} characters.")
        if draft.starts_at is not None and draft.ends_at is not None and draft.ends_at <= draft.starts_at:
            check.refuse("ends_at", "The end must come after the start.")
        department_ids: list[int] = []
        for reference in draft.departments:
            department = await self._department(reference)
            if department is None:
                check.refuse("departments", f"There is no department {reference!r}.")
            else:
                department_ids.append(department.id)
        check.raise_any()
        rendered = await self.render(text)
        return NewAnnouncement(text=text, content=rendered.html, starts_at=draft.starts_at, ends_at=draft.ends_at,
                               all_day=draft.all_day, department_ids=tuple(department_ids), created_by=reviewer.label)

    async def _department(self, reference: str) -> Account | None:
        reference = reference.strip()
        if reference.isascii() and reference.isdigit():
            try:
                found = await self._storage.accounts.get(parse_id(reference))
            except ValueError:  # digits, but no id could have them
                return None
        else:
            found = await self._storage.accounts.get_local(reference.lstrip("@"))
        return found if found is not None and found.is_local and found.kind is AccountKind.DEPARTMENT else None

    async def render(self, text: str) -> RenderedContent:
        """The text as HTML, with local mentions and hashtags linked, as a status's text is."""
        async def resolve(username: str, domain: str | None) -> MentionedAccount | None:
            if domain is not None:
                return None
            account = await self._storage.accounts.get_local(username)
            if account is None:
                return None
            return MentionedAccount(str(account.id), account.username, account.acct,
                                    self._uris.profile_page(account.username))

        return await render_status_async(text, resolve=resolve, tag_base_url=self._uris.tag(""))

    # -- reading ----------------------------------------------------------------------------------

    async def active_for(self, account: Account, *, with_dismissed: bool = False) -> list[AnnouncementView]:
        """The active announcements for this person, oldest first; dismissed ones only ``with_dismissed``."""
        found = await self._storage.announcements.for_account(account.id, utcnow())
        views = await self._views(account, found)
        return [v for v in views if with_dismissed or not v.read]

    async def view(self, account: Account, announcement_id: int) -> AnnouncementView:
        return (await self._views(account, [await self._visible(account, announcement_id)]))[0]

    async def _views(self, account: Account, announcements: Sequence[Announcement]) -> list[AnnouncementView]:
        ids = [a.id for a in announcements]
        reactions = await self._storage.announcements.reactions(ids, account.id)
        dismissed = await self._storage.announcements.dismissed(account.id, ids)
        return [AnnouncementView(a, await self.render(a.text), reactions.get(a.id, ()), a.id in dismissed)
                for a in announcements]

    async def _visible(self, account: Account, announcement_id: int) -> Announcement:
        """An active announcement for this person; any other, existing or not, is not found."""
        found = await self._storage.announcements.get(announcement_id)
        if (found is None or not found.active_at(utcnow())
                or not await self._storage.announcements.in_audience(announcement_id, account.id)):
            raise NotFound()
        return found

    async def dismiss(self, account: Account, announcement_id: int) -> None:
        await self._visible(account, announcement_id)
        await self._storage.announcements.dismiss(announcement_id, account.id, utcnow())

    async def react(self, account: Account, announcement_id: int, name: str) -> None:
        await self._visible(account, announcement_id)
        if not is_single_emoji(name):
            raise InvalidInput(REACTION_MESSAGE, detail=repr(name[:64]))
        if await self._storage.announcements.react(announcement_id, account.id, name, utcnow()):
            await self._reaction_changed(announcement_id, name)

    async def unreact(self, account: Account, announcement_id: int, name: str) -> None:
        await self._visible(account, announcement_id)
        if not is_single_emoji(name):
            raise InvalidInput(REACTION_MESSAGE, detail=repr(name[:64]))
        if await self._storage.announcements.unreact(announcement_id, account.id, name):
            await self._reaction_changed(announcement_id, name)

    # -- streams ----------------------------------------------------------------------------------

    def _streams(self, audience: Sequence[int]) -> list[str]:
        return self._events.active([f"user:{account_id}" for account_id in audience])

    async def _announce(self, announcement: Announcement) -> None:
        if self.stream_payload is None or not announcement.active_at(utcnow()):
            return
        streams = self._streams(await self._storage.announcements.audience_ids(announcement.id))
        if not streams:
            return
        reactions = await self._storage.announcements.reactions([announcement.id], None)
        view = AnnouncementView(announcement, await self.render(announcement.text),
                                reactions.get(announcement.id, ()), read=False)
        payload = self.stream_payload(view)
        await self._events.publish(Event(s, "announcement", payload=payload) for s in streams)

    async def _gone(self, announcement_id: int, audience: Sequence[int]) -> None:
        await self._events.publish(Event(s, "announcement.delete", payload=str(announcement_id))
                                   for s in self._streams(audience))

    async def _reaction_changed(self, announcement_id: int, name: str) -> None:
        count = await self._storage.announcements.reaction_count(announcement_id, name)
        payload = json.dumps({"name": name, "count": count, "announcement_id": str(announcement_id)})
        streams = self._streams(await self._storage.announcements.audience_ids(announcement_id))
        await self._events.publish(Event(s, "announcement.reaction", payload=payload) for s in streams)
