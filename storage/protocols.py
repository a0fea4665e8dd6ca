"""One Protocol per aggregate. Every backend implements all of them.

Each method is its own transaction unless it runs inside
``Storage.transaction()``, in which case it joins that one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from pathlib import Path
from typing import Protocol

from storage.admin import AdminStore
from storage.curation import (
    ConversationStore,
    FilterStore,
    ListStore,
    SearchStore,
    StaffReportStore,
    TagFollowStore,
)
from storage.deliveries import Delivery, DeliveryUpdate, DomainHealth, HostDeliveryCounts, NewDelivery
from storage.identities import PolicyStore
from storage.media import MediaStore, PollStore, ScheduledStatusStore
from storage.metrics import MetricsStore
from storage.models import (
    AccessToken,
    Account,
    AccountKind,
    AccountStats,
    AuthorizationCode,
    InboxItem,
    MemberRole,
    Membership,
    NewAccount,
    NewApplication,
    NewAuthorizationCode,
    NewInboxItem,
    NewReport,
    NewUser,
    OAuthApplication,
    ProfileChanges,
    RemoteBlock,
    RemoteProfile,
    Report,
    Role,
    User,
    WebSession,
)
from storage.profiles import AccountDirectory, MarkerStore, ProfileStore
from storage.push import PushStore
from storage.remote_media import CardStore, RemoteFileStore
from storage.review import ReviewStore
from storage.social import (
    FollowStore,
    InteractionStore,
    NotificationStore,
    PublicationStore,
    RelationshipStore,
    StatusStore,
    TimelineStore,
)
from storage.throttle import ThrottleStore


class AccountStore(Protocol):
    async def create_local(self, account: NewAccount, user: NewUser | None = None) -> Account:
        """Insert a local account (and its sign-in row); Conflict if the username or email is taken."""
        ...

    async def get(self, account_id: int) -> Account | None: ...

    async def get_local(self, username: str) -> Account | None:
        """Case-insensitive lookup among local accounts."""
        ...

    async def find_remote(self, username: str, domain: str) -> Account | None: ...

    async def get_many(self, account_ids: Sequence[int]) -> Mapping[int, Account]: ...

    async def get_by_media_path(self, path: str) -> Account | None: ...

    async def stats(self, account_ids: Sequence[int]) -> Mapping[int, AccountStats]: ...

    async def list_local(self, kind: AccountKind | None = None) -> Sequence[Account]: ...

    async def update_profile(self, account_id: int, changes: ProfileChanges) -> Account: ...

    async def set_keys(self, account_id: int, public_key_pem: str, private_key_pem: str) -> None: ...

    async def get_user(self, account_id: int) -> User | None: ...

    async def get_user_by_email(self, email: str) -> User | None: ...

    async def list_users(self) -> Sequence[tuple[Account, User]]: ...

    async def set_role(self, account_id: int, role: Role) -> None: ...

    async def set_disabled(self, account_id: int, disabled: bool) -> None: ...

    async def set_password_hash(self, account_id: int, password_hash: str) -> None: ...

    async def count_admins(self) -> int: ...

    async def upsert_remote(self, profile: RemoteProfile) -> Account:
        """Insert or refresh the remote account with ``profile.uri``; sets ``fetched_at``, clears ``deleted_at``.

        If another actor of the same domain holds the handle, the newer
        document wins it and the older row's username gets a ``~<id>`` suffix.
        """
        ...

    async def get_by_uri(self, uri: str) -> Account | None: ...

    async def get_by_key_id(self, key_id: str) -> Account | None: ...

    async def delete_remote(self, account_id: int) -> bool:
        """Mark a remote account deleted (its key stops verifying); False if not a live remote account."""
        ...

    async def set_moved_to(self, account_id: int, moved_to_uri: str | None) -> None: ...


class DepartmentStore(Protocol):
    async def set_member(self, department_id: int, account_id: int, role: MemberRole) -> Membership:
        """Add the member, or change the role of an existing member."""
        ...

    async def remove_member(self, department_id: int, account_id: int) -> bool: ...

    async def members(self, department_id: int) -> Sequence[Membership]: ...

    async def memberships_of(self, account_id: int) -> Sequence[Membership]: ...


class TokenStore(Protocol):
    async def create_access_token(
        self, token_digest: str, account_id: int | None, application_id: int | None, scopes: Sequence[str]
    ) -> AccessToken: ...

    async def get_access_token(self, token_digest: str) -> AccessToken | None:
        """The token with this digest, revoked or not; callers check ``revoked_at``."""
        ...

    async def access_token_by_id(self, token_id: int) -> AccessToken | None:
        """The token with this id, revoked or not (a push subscription names its token by id)."""
        ...

    async def revoke_access_token(self, token_digest: str) -> bool: ...

    async def create_session(self, session_digest: str, account_id: int) -> WebSession: ...

    async def get_session(self, session_digest: str) -> WebSession | None: ...

    async def revoke_session(self, session_digest: str) -> bool:
        """Sign one browser session out; False if there was no live session with this digest."""
        ...

    async def revoke_all_for_account(self, account_id: int) -> int:
        """Revoke every access token and web session of the account; returns how many."""
        ...


class InstanceStore(Protocol):
    async def get_meta(self, key: str) -> str | None: ...

    async def set_meta(self, key: str, value: str) -> None: ...


class InboxStore(Protocol):
    """Verified inbound activities waiting for, or done with, their handler."""

    async def add(self, item: NewInboxItem) -> InboxItem | None:
        """Store a pending item; None if its ``dedupe_key`` was seen before."""
        ...

    async def get(self, item_id: int) -> InboxItem | None: ...

    async def get_by_dedupe_key(self, dedupe_key: str) -> InboxItem | None: ...

    async def claim_due(self, limit: int, lease_seconds: float) -> Sequence[InboxItem]:
        """Lease up to ``limit`` pending items whose next attempt is due, counting the attempt."""
        ...

    async def mark_done(self, item_id: int, note: str | None = None) -> None: ...

    async def mark_retry(self, item_id: int, delay_seconds: float, error: str) -> None: ...

    async def mark_failed(self, item_id: int, error: str) -> None: ...

    async def count_by_state(self) -> dict[str, int]: ...


class ModerationStore(Protocol):
    """What remote servers tell us about our accounts: reports (``Flag``) and blocks."""

    async def add_report(self, report: NewReport) -> Report | None:
        """None if a report with the same activity id exists."""
        ...

    async def list_reports(self) -> Sequence[Report]: ...

    async def add_remote_block(self, actor_id: int, target_id: int, activity_id: str | None) -> bool:
        """False if the block was already recorded."""
        ...

    async def remove_remote_block(self, actor_id: int, target_id: int) -> bool: ...

    async def remote_blocks_of(self, target_id: int) -> Sequence[RemoteBlock]: ...


class OAuthStore(Protocol):
    """Client apps and authorization codes. Apps are never deleted behind a client's back."""

    async def create_application(self, application: NewApplication) -> OAuthApplication: ...

    async def get_application(self, application_id: int) -> OAuthApplication | None: ...

    async def get_application_by_client_id(self, client_id: str) -> OAuthApplication | None: ...

    async def create_authorization_code(self, code: NewAuthorizationCode) -> AuthorizationCode: ...

    async def get_authorization_code(self, code_digest: str) -> AuthorizationCode | None:
        """The code with this digest, used or expired or not; callers check."""
        ...

    async def redeem_authorization_code(self, code_id: int, token_digest: str) -> AccessToken | None:
        """Mark the code used and issue its token, atomically.

        If the code was already used, revoke every token issued from it
        (RFC 6749 section 4.1.2) and return None.
        """
        ...

    async def revoke_tokens_from_code(self, code_id: int) -> int:
        """Revoke every token issued from the code; returns how many."""
        ...


DomainChange = Callable[[DomainHealth], DomainHealth]


class DeliveryStore(Protocol):
    async def enqueue(self, deliveries: Sequence[NewDelivery], now: datetime) -> int:
        """Insert pending rows due at ``now`` in one transaction; an (activity, inbox) already queued is skipped.

        Returns how many rows were inserted.
        """
        ...

    async def claim(
        self, worker_id: str, now: datetime, lease_until: datetime, limit: int, per_host_limit: int
    ) -> Sequence[Delivery]:
        """Atomically lock up to ``limit`` due pending rows, at most ``per_host_limit`` per host.

        A row is claimable when due and unlocked or its lease has passed, so the
        rows of a crashed worker come back. PostgreSQL: ``FOR UPDATE SKIP LOCKED``.
        """
        ...

    async def complete(self, worker_id: str, updates: Sequence[DeliveryUpdate]) -> int:
        """Record outcomes and unlock; rows no longer locked by ``worker_id`` are left alone."""
        ...

    async def get(self, delivery_id: int) -> Delivery | None: ...

    async def for_activity(self, activity_uri: str) -> Sequence[Delivery]:
        """Every row of one activity, by inbox, for the admin page and the author's view."""
        ...

    async def inboxes_for_object(self, object_uri: str) -> Sequence[str]:
        """Inboxes that got (or are still getting) an activity about ``object_uri``."""
        ...

    async def domains(self, hosts: Iterable[str]) -> Mapping[str, DomainHealth]:
        """Health of the hosts that have a row; absent hosts have never failed."""
        ...

    async def update_domains(self, changes: Mapping[str, DomainChange]) -> Mapping[str, DomainHealth]:
        """Read-modify-write each host's health atomically (hosts without a row start blank)."""
        ...

    async def unavailable_hosts(self, hosts: Iterable[str]) -> frozenset[str]: ...

    async def counts_by_host(self, limit: int = 100) -> Sequence[HostDeliveryCounts]:
        """Rows per state for the hosts with the most pending rows, for the admin page."""
        ...

    async def list_domains(self, *, unavailable_only: bool = False, limit: int = 100) -> Sequence[DomainHealth]: ...


class Storage(Protocol):
    @property
    def accounts(self) -> AccountStore: ...

    @property
    def departments(self) -> DepartmentStore: ...

    @property
    def tokens(self) -> TokenStore: ...

    @property
    def instance(self) -> InstanceStore: ...

    @property
    def follows(self) -> FollowStore: ...

    @property
    def relationships(self) -> RelationshipStore: ...

    @property
    def statuses(self) -> StatusStore: ...

    @property
    def interactions(self) -> InteractionStore: ...

    @property
    def timelines(self) -> TimelineStore: ...

    @property
    def notifications(self) -> NotificationStore: ...

    @property
    def publication(self) -> PublicationStore: ...

    @property
    def deliveries(self) -> DeliveryStore: ...

    @property
    def review(self) -> ReviewStore: ...

    @property
    def policies(self) -> PolicyStore: ...

    @property
    def admin(self) -> AdminStore: ...

    @property
    def oauth(self) -> OAuthStore: ...

    @property
    def inbox(self) -> InboxStore: ...

    @property
    def moderation(self) -> ModerationStore: ...

    @property
    def lists(self) -> ListStore: ...

    @property
    def filters(self) -> FilterStore: ...

    @property
    def tag_follows(self) -> TagFollowStore: ...

    @property
    def staff_reports(self) -> StaffReportStore: ...

    @property
    def conversations(self) -> ConversationStore: ...

    @property
    def search(self) -> SearchStore: ...

    @property
    def media(self) -> MediaStore: ...

    @property
    def remote_files(self) -> RemoteFileStore: ...

    @property
    def cards(self) -> CardStore: ...

    @property
    def polls(self) -> PollStore: ...

    @property
    def scheduled(self) -> ScheduledStatusStore: ...

    @property
    def push(self) -> PushStore: ...

    @property
    def profiles(self) -> ProfileStore: ...

    @property
    def markers(self) -> MarkerStore: ...

    @property
    def directory(self) -> AccountDirectory: ...

    @property
    def metrics(self) -> MetricsStore: ...

    @property
    def throttle(self) -> ThrottleStore: ...

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        ...

    async def migrate(self) -> Sequence[str]:
        """Apply pending migrations; returns the names applied."""
        ...

    async def pending_migrations(self) -> Sequence[str]: ...

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """Make every store call inside the block one atomic unit."""
        ...

    def exclusive(self) -> AbstractAsyncContextManager[None]:
        """Hold the instance-wide start-up lock: one process at a time migrates and bootstraps."""
        ...

    async def backup(self, destination: Path, progress: Callable[[int, int, int], None] | None = None) -> None:
        """Write an online-consistent copy of the database to ``destination``."""
        ...
