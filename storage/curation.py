"""What a staff member arranges for themselves, and finds: records and store protocols.

Lists, filters, followed tags, reports to the admins, direct conversations,
and search. Every read that returns statuses goes through the one inside
visibility rule of the timelines store; none of these stores widens it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final, Protocol

from storage.models import Account, Page, Reader, Tag


class RepliesPolicy(StrEnum):
    FOLLOWED = "followed"
    LIST = "list"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class AccountList:
    id: int
    account_id: int
    title: str
    replies_policy: RepliesPolicy
    exclusive: bool


class FilterAction(StrEnum):
    WARN = "warn"
    HIDE = "hide"
    BLUR = "blur"


FILTER_CONTEXTS: Final = ("home", "notifications", "public", "thread", "account")


@dataclass(frozen=True, slots=True)
class FilterKeyword:
    id: int
    filter_id: int
    keyword: str
    whole_word: bool


@dataclass(frozen=True, slots=True)
class FilterStatus:
    id: int
    filter_id: int
    status_id: int


@dataclass(frozen=True, slots=True)
class Filter:
    id: int
    account_id: int
    title: str
    context: tuple[str, ...]
    filter_action: FilterAction
    expires_at: datetime | None
    keywords: tuple[FilterKeyword, ...] = ()
    statuses: tuple[FilterStatus, ...] = ()


@dataclass(frozen=True, slots=True)
class FilterFields:
    """A filter's own settings, for creating or replacing them."""

    title: str
    context: tuple[str, ...]
    filter_action: FilterAction
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class KeywordEdit:
    """One ``keywords_attributes[]`` entry: no id adds, an id changes, ``destroy`` removes."""

    id: int | None
    keyword: str | None
    whole_word: bool | None
    destroy: bool = False


@dataclass(frozen=True, slots=True)
class TagFollow:
    id: int
    account_id: int
    tag: Tag
    created_at: datetime


class ReportCategory(StrEnum):
    SPAM = "spam"
    LEGAL = "legal"
    VIOLATION = "violation"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class NewStaffReport:
    account_id: int
    target_account_id: int
    status_ids: tuple[int, ...]
    comment: str
    category: ReportCategory
    rule_ids: tuple[int, ...]
    forward: bool


@dataclass(frozen=True, slots=True)
class StaffReport:
    """A report a staff member filed; ``forward`` is a request only an admin's action fulfils."""

    id: int
    account_id: int
    target_account_id: int
    status_ids: tuple[int, ...]
    comment: str
    category: ReportCategory
    rule_ids: tuple[int, ...]
    forward: bool
    forwarded_at: datetime | None
    created_at: datetime
    action_taken_at: datetime | None


@dataclass(frozen=True, slots=True)
class Conversation:
    """The direct statuses of one thread, as one participant sees them; ``id`` is the thread id."""

    id: int
    last_status_id: int
    participant_ids: tuple[int, ...]
    unread: bool


class ListStore(Protocol):
    async def create(self, account_id: int, title: str, replies_policy: RepliesPolicy, exclusive: bool) -> AccountList: ...

    async def get(self, account_id: int, list_id: int) -> AccountList | None:
        """The list if ``account_id`` owns it; someone else's list is None, like a missing one."""
        ...

    async def owned(self, account_id: int) -> Sequence[AccountList]: ...

    async def update(self, list_id: int, title: str, replies_policy: RepliesPolicy, exclusive: bool) -> AccountList: ...

    async def delete(self, account_id: int, list_id: int) -> bool: ...

    async def add_accounts(self, list_id: int, account_ids: Sequence[int]) -> Sequence[int]:
        """Add every account the owner follows (or asked to); returns those not followed and adds nothing then."""
        ...

    async def remove_accounts(self, list_id: int, account_ids: Sequence[int]) -> int: ...

    async def members(self, list_id: int, page: Page | None) -> Sequence[tuple[int, Account]]:
        """(membership id, account), newest first; ``page=None`` gives them all."""
        ...

    async def with_member(self, account_id: int, member_id: int) -> Sequence[AccountList]:
        """The lists of ``account_id`` that hold ``member_id``."""
        ...

    async def timeline(self, list_id: int, page: Page, *, reader: Reader | None = None) -> Sequence[int]:
        """Statuses of the members the owner may see, after the list's replies policy and the owner's mutes.

        ``reader``: the owner as a token acting as it reads it, which may see less direct mail."""
        ...

    async def lists_for_status(self, status_id: int) -> Sequence[AccountList]:
        """Every list whose timeline shows this status (same rules as ``timeline``)."""
        ...

    async def exclusive_owner_ids(self, member_id: int) -> frozenset[int]:
        """Owners who keep ``member_id`` in an exclusive list, so not in their home feed."""
        ...


class FilterStore(Protocol):
    async def create(self, account_id: int, fields: FilterFields, keywords: Sequence[tuple[str, bool]]) -> Filter: ...

    async def get(self, account_id: int, filter_id: int) -> Filter | None: ...

    async def owned(self, account_id: int) -> Sequence[Filter]: ...

    async def active(self, account_id: int, context: str, now: datetime) -> Sequence[Filter]:
        """Unexpired filters of ``account_id`` that apply in ``context``."""
        ...

    async def update(self, filter_id: int, fields: FilterFields, edits: Sequence[KeywordEdit]) -> Filter:
        """Replace the settings and apply the keyword edits in one transaction (edits of other filters' keywords are ignored)."""
        ...

    async def delete(self, account_id: int, filter_id: int) -> bool: ...

    async def add_keyword(self, filter_id: int, keyword: str, whole_word: bool) -> FilterKeyword: ...

    async def get_keyword(self, account_id: int, keyword_id: int) -> FilterKeyword | None: ...

    async def update_keyword(self, keyword_id: int, keyword: str, whole_word: bool) -> FilterKeyword: ...

    async def delete_keyword(self, keyword_id: int) -> bool: ...

    async def add_status(self, filter_id: int, status_id: int) -> FilterStatus:
        """Conflict if the status is already in the filter."""
        ...

    async def get_status(self, account_id: int, filter_status_id: int) -> FilterStatus | None: ...

    async def delete_status(self, filter_status_id: int) -> bool: ...


class TagFollowStore(Protocol):
    async def get_tag(self, name: str) -> Tag | None: ...

    async def follow(self, account_id: int, name: str, display_name: str) -> Tag:
        """Follow the tag (creating it if nobody used it yet); following twice is a no-op."""
        ...

    async def unfollow(self, account_id: int, tag_id: int) -> bool: ...

    async def followed(self, account_id: int, page: Page) -> Sequence[TagFollow]: ...

    async def following(self, account_id: int, tag_ids: Sequence[int]) -> frozenset[int]: ...

    async def followers_for_status(self, status_id: int) -> Sequence[int]:
        """Local followers of the status's tags who may see it and neither block nor mute its author."""
        ...


class StaffReportStore(Protocol):
    async def create(self, report: NewStaffReport) -> StaffReport: ...

    async def get(self, report_id: int) -> StaffReport | None: ...

    async def recent(self, *, unresolved_only: bool = True, limit: int = 100) -> Sequence[StaffReport]: ...


class ConversationStore(Protocol):
    async def listed(self, viewer: Reader | int, page: Page) -> Sequence[Conversation]:
        """Conversations newest last-status first; the page bounds the last status id."""
        ...

    async def get(self, viewer: Reader | int, thread_id: int) -> Conversation | None: ...

    async def mark_read(self, account_id: int, thread_id: int, up_to: int) -> None: ...

    async def remove(self, account_id: int, thread_id: int, up_to: int) -> None:
        """Hide the conversation until a newer direct status arrives in it."""
        ...


class SearchStore(Protocol):
    async def statuses(
        self, viewer: Reader | int, terms: Sequence[str], page: Page, *, offset: int, account_id: int | None = None,
    ) -> Sequence[int]:
        """Statuses holding every term that the viewer may see, newest first."""
        ...

    async def tags(self, prefix: str, *, limit: int, offset: int) -> Sequence[Tag]: ...
