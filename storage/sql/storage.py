"""Every aggregate's store on one database: what both backends share.

The stores' SQL is the subset SQLite and PostgreSQL both accept, with the
few differing fragments asked of ``database.dialect``; a backend
(``storage.sqlite``, ``storage.postgresql``) subclasses ``SqlStorage`` and
adds what differs: opening, migrations and their lock, and the backup.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from storage.ids import IdGenerator
from storage.sql.accounts import SqlAccountStore
from storage.sql.admin import SqlAdminStore
from storage.sql.announcements import SqlAnnouncementStore, SqlImportantStatusStore
from storage.sql.cards import SqlCardStore
from storage.sql.conversations import SqlConversationStore
from storage.sql.database import Database
from storage.sql.deliveries import SqlDeliveryStore
from storage.sql.departments import SqlDepartmentStore
from storage.sql.directory import SqlAccountDirectory
from storage.sql.filters import SqlFilterStore
from storage.sql.follows import SqlFollowStore
from storage.sql.identities import SqlPolicyStore
from storage.sql.inbox import SqlInboxStore
from storage.sql.instance import SqlInstanceStore
from storage.sql.interactions import SqlInteractionStore
from storage.sql.lists import SqlListStore
from storage.sql.mail import SqlMailStore
from storage.sql.media import SqlMediaStore
from storage.sql.media_deletions import SqlMediaDeletions
from storage.sql.metrics import SqlMetricsStore
from storage.sql.moderation import SqlModerationStore
from storage.sql.notifications import SqlNotificationStore
from storage.sql.oauth import SqlOAuthStore
from storage.sql.password_links import SqlPasswordLinkStore
from storage.sql.polls import SqlPollStore
from storage.sql.profiles import SqlMarkerStore, SqlProfileStore
from storage.sql.publication import SqlPublicationStore
from storage.sql.push import SqlPushStore
from storage.sql.reach import SqlReachStore
from storage.sql.relationships import SqlRelationshipStore
from storage.sql.remote_media import SqlRemoteFileStore
from storage.sql.review import SqlReviewStore
from storage.sql.scheduled import SqlScheduledStatusStore
from storage.sql.scim import SqlScimStore
from storage.sql.search import SqlSearchStore
from storage.sql.sso_sign_ins import SqlSsoSignInStore
from storage.sql.staff_reports import SqlStaffReportStore
from storage.sql.statuses import SqlStatusStore
from storage.sql.tag_follows import SqlTagFollowStore
from storage.sql.throttle import SqlThrottleStore
from storage.sql.timelines import SqlTimelineStore
from storage.sql.tokens import SqlTokenStore
from storage.sql.trends import SqlFeaturedTagStore, SqlTrendStore

# (pages copied, pages left, pages in all), as SQLite's online backup reports them.
BackupProgress = Callable[[int, int, int], None]


class SqlStorage:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self.database = database
        self.ids = ids
        self.accounts = SqlAccountStore(database, ids)
        self.departments = SqlDepartmentStore(database)
        self.tokens = SqlTokenStore(database, ids)
        self.instance = SqlInstanceStore(database)
        self.inbox = SqlInboxStore(database, ids)
        self.moderation = SqlModerationStore(database, ids)
        self.lists = SqlListStore(database, ids)
        self.filters = SqlFilterStore(database, ids)
        self.tag_follows = SqlTagFollowStore(database, ids)
        self.staff_reports = SqlStaffReportStore(database, ids)
        self.conversations = SqlConversationStore(database)
        self.search = SqlSearchStore(database)
        self.push = SqlPushStore(database, ids)
        self.follows = SqlFollowStore(database, ids)
        self.relationships = SqlRelationshipStore(database, ids)
        self.statuses = SqlStatusStore(database, ids)
        self.interactions = SqlInteractionStore(database, ids)
        self.timelines = SqlTimelineStore(database)
        self.notifications = SqlNotificationStore(database, ids)
        self.publication = SqlPublicationStore(database, ids)
        self.review = SqlReviewStore(database, ids)
        self.policies = SqlPolicyStore(database, ids)
        self.admin = SqlAdminStore(database, ids)
        self.deliveries = SqlDeliveryStore(database, ids)
        self.oauth = SqlOAuthStore(database, ids)
        self.media = SqlMediaStore(database, ids)
        self.media_deletions = SqlMediaDeletions(database)
        self.polls = SqlPollStore(database, ids)
        self.remote_files = SqlRemoteFileStore(database, ids)
        self.cards = SqlCardStore(database, ids)
        self.scheduled = SqlScheduledStatusStore(database, ids, self.media)
        self.profiles = SqlProfileStore(database)
        self.markers = SqlMarkerStore(database)
        self.directory = SqlAccountDirectory(database)
        self.metrics = SqlMetricsStore(database)
        self.throttle = SqlThrottleStore(database)
        self.sso_sign_ins = SqlSsoSignInStore(database)
        self.scim = SqlScimStore(database, ids)
        self.trends = SqlTrendStore(database)
        self.reach = SqlReachStore(database)
        self.featured_tags = SqlFeaturedTagStore(database, ids)
        self.password_links = SqlPasswordLinkStore(database, ids)
        self.mail = SqlMailStore(database, ids)
        self.announcements = SqlAnnouncementStore(database, ids)
        self.important_statuses = SqlImportantStatusStore(database)

    async def ping(self) -> None:
        await self.database.fetch_one("SELECT 1")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        async with self.database.write():
            yield
