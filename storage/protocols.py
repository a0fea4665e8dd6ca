"""The storage as a whole: one store per aggregate, and the lifecycle every backend implements.

Each store's Protocol lives with its aggregate's records (``storage.accounts``,
``storage.social``, ``storage.oauth``...). Each method is its own transaction
unless it runs inside ``Storage.transaction()``, in which case it joins that one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Protocol

from storage.accounts import AccountStore, DepartmentStore
from storage.admin import AdminStore
from storage.announcements import AnnouncementStore, ImportantStatusStore
from storage.curation import (
    ConversationStore,
    FilterStore,
    ListStore,
    SearchStore,
    StaffReportStore,
    TagFollowStore,
)
from storage.deliveries import DeliveryStore
from storage.identities import PolicyStore
from storage.inbound import InboxStore, ModerationStore
from storage.instance import InstanceStore
from storage.mail import MailStore
from storage.media import MediaStore, PollStore, ScheduledStatusStore
from storage.media_deletions import MediaDeletions
from storage.metrics import MetricsStore
from storage.oauth import OAuthStore, TokenStore
from storage.password_links import PasswordLinkStore
from storage.profiles import AccountDirectory, MarkerStore, ProfileStore
from storage.push import PushStore
from storage.reach import ReachStore
from storage.remote_media import CardStore, RemoteFileStore
from storage.review import ReviewStore
from storage.scim import ScimStore
from storage.social import (
    FollowStore,
    InteractionStore,
    NotificationStore,
    PublicationStore,
    RelationshipStore,
    StatusStore,
    TimelineStore,
)
from storage.sso import SsoSignInStore
from storage.throttle import ThrottleStore
from storage.trends import FeaturedTagStore, TrendStore


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
    def media_deletions(self) -> MediaDeletions: ...

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

    @property
    def sso_sign_ins(self) -> SsoSignInStore: ...

    @property
    def scim(self) -> ScimStore: ...

    @property
    def trends(self) -> TrendStore: ...

    @property
    def reach(self) -> ReachStore: ...

    @property
    def featured_tags(self) -> FeaturedTagStore: ...

    @property
    def password_links(self) -> PasswordLinkStore: ...

    @property
    def mail(self) -> MailStore: ...

    @property
    def announcements(self) -> AnnouncementStore: ...

    @property
    def important_statuses(self) -> ImportantStatusStore: ...

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
