"""The services a request handler reaches, built once per app from its dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from federation.actors import RemoteActors, instance_actor_signer
from federation.guard import DeliveryGuard, ExposureGuard
from federation.http import OutboundClient
from federation.instance_actor import instance_actor_id, instance_key_id
from federation.live_policy import LivePolicy
from federation.resolve import FederationResolver, HandleLookup
from federation.sender import Sender
from federation.staff_activities import FederationOutbound
from server.config import Settings
from server.events import EventBus
from server.media.store import MediaRemovals, MediaStore
from server.media.stores import build_media_store
from server.passwords import Passwords
from server.services.access_tokens import AccessTokens
from server.services.account_queries import AccountQueries
from server.services.accounts import AccountService, DepartmentService
from server.services.admin_accounts import AdminAccounts
from server.services.admin_log import AdminLog
from server.services.admin_notices import AccountNotices
from server.services.admin_reports import AdminReports
from server.services.analytics import AnalyticsService
from server.services.announcements import AnnouncementService
from server.services.attached_reads import AttachedReads
from server.services.auto_publish import AutoPublish
from server.services.boundary import Boundary
from server.services.boundary_actions import Outbound
from server.services.conversations import ConversationService
from server.services.department_admin import DepartmentAdmin
from server.services.department_membership import DepartmentMembership
from server.services.distribution import Distribution
from server.services.engagement import EngagementReports
from server.services.featured_tags import FeaturedTagService
from server.services.federation_admin import FederationAdmin
from server.services.filters import FilterService
from server.services.handles import HandleResolver, KnownHandles
from server.services.important_posts import ImportantPosts
from server.services.inbox_intake import Inbound, InboxIntake
from server.services.interactions import InteractionService
from server.services.lists import ListService
from server.services.mail.service import Mail, build_mail
from server.services.markers import MarkerService
from server.services.media import MediaService
from server.services.media_removals import QueuedRemovals
from server.services.notifications import NotificationService
from server.services.oauth import OAuthService
from server.services.offboarding import Offboarding
from server.services.organisation_profiles import OrganisationProfiles
from server.services.password_links import PasswordLinks
from server.services.polls import PollService
from server.services.profile_media import ProfileMedia
from server.services.profiles import ProfileService
from server.services.provisioning import ScimUsers
from server.services.provisioning_groups import ScimGroups
from server.services.public_face import PublicFace
from server.services.public_media import PublicMedia
from server.services.publication import PublicationService
from server.services.push import PushDispatcher
from server.services.push_subscriptions import PushSubscriptions
from server.services.reach import ReachRecorder
from server.services.relationships import RelationshipService
from server.services.remote_media import RemoteMediaCache
from server.services.remote_profiles import PROFILE_SANITIZER
from server.services.review import ReviewService
from server.services.review_notices import AuthorNotices, ReviewerNotices
from server.services.review_views import ReviewQueries
from server.services.scheduled import ScheduledStatusService
from server.services.scim_tokens import ScimTokens
from server.services.search import SearchService
from server.services.staff_profiles import StaffProfiles
from server.services.staff_reports import StaffReportService
from server.services.statuses import StatusService
from server.services.streams import StreamService
from server.services.tags import TagService
from server.services.timelines import TimelineService
from server.services.trends import TrendsService
from server.services.vapid_key import VapidKeys
from server.signin.identity_provider import IdentityProvider, callback_url
from server.signin.logins import SignIns
from server.signin.sso import SingleSignOn
from server.signin.web_sessions import WebSessions
from storage.protocols import Storage


@dataclass(frozen=True, slots=True)
class Services:
    accounts: AccountService
    departments: DepartmentService
    distribution: Distribution
    statuses: StatusService
    interactions: InteractionService
    boundary: Boundary
    guard: DeliveryGuard
    sender: Sender
    publication: PublicationService
    outbound: Outbound
    relationships: RelationshipService
    profiles: ProfileService
    handles: HandleResolver
    remote_actors: RemoteActors | None
    search: SearchService
    media: MediaService
    polls: PollService
    scheduled: ScheduledStatusService
    attached: AttachedReads
    timelines: TimelineService
    notifications: NotificationService
    vapid: VapidKeys
    account_queries: AccountQueries
    staff_reports: StaffReportService
    filters: FilterService
    lists: ListService
    markers: MarkerService
    conversations: ConversationService
    tags: TagService
    trends: TrendsService
    featured_tags: FeaturedTagService
    review: ReviewService
    auto_publish: AutoPublish
    review_queries: ReviewQueries
    department_admin: DepartmentAdmin
    admin_log: AdminLog
    engagement: EngagementReports
    web_sessions: WebSessions
    tokens: AccessTokens
    oauth: OAuthService
    sign_ins: SignIns
    sso: SingleSignOn
    offboarding: Offboarding
    # SCIM provisioning: the provider's tokens, Users (employees) and Groups (departments).
    scim_tokens: ScimTokens
    scim_users: ScimUsers
    scim_groups: ScimGroups
    streams: StreamService
    push_subscriptions: PushSubscriptions
    remote_media: RemoteMediaCache | None
    public_media: PublicMedia
    admin_accounts: AdminAccounts
    federation_admin: FederationAdmin
    admin_reports: AdminReports
    policy: LivePolicy
    public_face: PublicFace
    inbox: InboxIntake
    # The admin pages: password links (create, invite, reset) and the organisation's profiles.
    password_links: PasswordLinks
    organisation_profiles: OrganisationProfiles
    # The web app: the department directory, and joining or leaving the departments the settings open.
    department_membership: DepartmentMembership
    staff_profiles: StaffProfiles
    # Email: the notices that queue mail (None without [email]), presence, unsubscribe links and preferences.
    mail: Mail
    # Announcements to staff, and important posts pinned atop timelines (its listener: the mail notices).
    announcements: AnnouncementService
    important_posts: ImportantPosts
    # Reach: the views buffered in this process (flushed by the app's lifespan), and the reports over them.
    reach: ReachRecorder
    analytics: AnalyticsService
    # Where media files live (the directory or the bucket the settings name), and how the ones no longer
    # needed leave it; every service that reads or writes media files was given these two.
    media_store: MediaStore
    media_removals: MediaRemovals


def delivery_guard(storage: Storage, settings: Settings, boundary: Boundary) -> DeliveryGuard:
    return ExposureGuard(
        storage, settings.base_url, boundary.is_public_url, was_public_object=boundary.was_public_url,
        extra_public_urls=frozenset({instance_actor_id(settings.base_url), instance_key_id(settings.base_url)}),
    )


def domain_policy(settings: Settings, storage: Storage) -> LivePolicy:
    """The one federation policy of an app: the configured floor plus what admins set at runtime."""
    federation = settings.federation
    return LivePolicy(federation.mode, federation.allowed_domains, federation.blocked_domains,
                      storage.admin.federation_rules)


def identity_provider(settings: Settings, http: OutboundClient | None) -> IdentityProvider | None:
    """The organisation's OpenID provider when [sso] names one (the CLI, without a client, has none)."""
    if not settings.sso.enabled or http is None:
        return None
    return IdentityProvider(settings.sso, http, callback_url(settings.base_url))


@dataclass(frozen=True, slots=True)
class _Core:
    """The services the others are built from, wired in the order they need each other."""

    accounts: AccountService
    distribution: Distribution
    boundary: Boundary
    guard: DeliveryGuard
    policy: LivePolicy
    sender: Sender
    publication: PublicationService
    outbound: FederationOutbound
    review: ReviewService
    statuses: StatusService
    actors: RemoteActors | None
    resolver: FederationResolver | None
    handles: HandleResolver
    offboarding: Offboarding
    mail: Mail
    removals: QueuedRemovals


def _core(
    storage: Storage, settings: Settings, events: EventBus, passwords: Passwords, http: OutboundClient | None
) -> _Core:
    accounts = AccountService(storage, passwords)
    mail = build_mail(storage, settings)
    distribution = Distribution(storage, events, PushDispatcher(storage), mail=mail.notices)
    publishing = settings.publication
    boundary = Boundary(storage, settings.base_url,
                        hidden_hashtag=None if publishing.keep_nominate_hashtag else publishing.nominate_hashtag)
    guard = delivery_guard(storage, settings, boundary)
    policy = domain_policy(settings, storage)
    if http is not None:
        # The client was built before storage was reachable, from the configured lists only;
        # from now on it asks the runtime policy, whose floor is those same lists.
        http.policy = policy
    sender = Sender(storage, guard, policy)
    author_notices = AuthorNotices(storage, settings.base_url, distribution, mail=mail.notices)
    publication = PublicationService(storage, settings.base_url, boundary, sender, distribution,
                                     notices=author_notices)
    outbound = FederationOutbound(storage, settings.base_url, sender, publication)
    review = ReviewService(storage, publication, author_notices,
                           hashtag=publishing.nominate_hashtag,
                           reviewers=ReviewerNotices(storage, settings.base_url, distribution))
    # Media files leave the store through the stored queue (server.services.media_removals), retried.
    removals = QueuedRemovals(storage)
    statuses = StatusService(storage, settings, distribution, outbound,
                             after_write=lambda status, author, edited: review.status_written(
                                 status, author, edited=edited), removals=removals)
    actors = RemoteActors(storage, http, instance_actor_signer(storage, settings.base_url),
                          sanitize=PROFILE_SANITIZER) if http is not None else None
    resolver = FederationResolver(storage, http, actors, settings.base_url) if http and actors else None
    handles: HandleResolver = HandleLookup(resolver) if resolver else KnownHandles(storage)
    offboarding = Offboarding(storage, accounts, publication, events, settings.lifecycle.on_departure)
    return _Core(accounts, distribution, boundary, guard, policy, sender, publication, outbound, review, statuses,
                 actors, resolver, handles, offboarding, mail, removals)


def build_services(
    storage: Storage, settings: Settings, events: EventBus, passwords: Passwords, http: OutboundClient | None = None,
    *, identity_http: OutboundClient | None = None,
) -> Services:
    """``http`` lets searches resolve outside accounts and posts; without it (the CLI) only stored ones are found.

    ``identity_http`` is the identity provider's own client, apart from ``http`` so that the provider's hosts
    may be on private addresses for single sign-on and for nothing else (no federation fetch reaches them).
    """
    core = _core(storage, settings, events, passwords, http)
    accounts, distribution, statuses, outbound = core.accounts, core.distribution, core.statuses, core.outbound
    media_store = build_media_store(settings)
    removals: MediaRemovals = core.removals
    profiles = ProfileService(storage, ProfileMedia(media_store, removals), outbound, settings.base_url)
    admin_accounts = AdminAccounts(storage, accounts, AccountNotices(storage, settings.base_url, distribution),
                                   core.offboarding)
    federation_admin = FederationAdmin(storage, core.policy)
    organisation = OrganisationProfiles(storage, profiles, settings.base_url)
    return Services(
        accounts=accounts,
        departments=DepartmentService(storage, accounts),
        distribution=distribution,
        statuses=statuses,
        interactions=InteractionService(storage, statuses, distribution, outbound),
        boundary=core.boundary,
        guard=core.guard,
        sender=core.sender,
        publication=core.publication,
        outbound=outbound,
        relationships=RelationshipService(storage, distribution, outbound),
        profiles=profiles,
        handles=core.handles,
        search=SearchService(storage, settings, core.handles, resolver=core.resolver),
        remote_actors=core.actors,
        media=MediaService(storage, settings, media_store, removals),
        polls=PollService(storage, statuses, outbound),
        scheduled=ScheduledStatusService(storage, statuses),
        attached=AttachedReads(storage),
        timelines=TimelineService(storage),
        notifications=NotificationService(storage),
        vapid=VapidKeys(storage),
        account_queries=AccountQueries(storage),
        staff_reports=StaffReportService(storage),
        filters=FilterService(storage, events),
        lists=ListService(storage),
        markers=MarkerService(storage),
        conversations=ConversationService(storage),
        tags=TagService(storage),
        trends=TrendsService(storage),
        featured_tags=FeaturedTagService(storage),
        review=core.review,
        auto_publish=AutoPublish(storage, core.publication),
        review_queries=ReviewQueries(storage),
        department_admin=DepartmentAdmin(storage, accounts, profiles),
        admin_log=AdminLog(storage),
        engagement=EngagementReports(storage),
        web_sessions=WebSessions(storage, presence=core.mail.presence),
        tokens=AccessTokens(storage, core.mail.presence),
        oauth=OAuthService(storage),
        sign_ins=SignIns(storage, passwords, settings.domain, password_login=settings.sso.password_login
                         if settings.sso.enabled else True),
        offboarding=core.offboarding,
        scim_tokens=ScimTokens(storage),
        scim_users=ScimUsers(storage, accounts, core.offboarding, settings.base_url),
        scim_groups=ScimGroups(storage, accounts, settings.base_url),
        sso=SingleSignOn(storage, settings.sso, accounts, identity_provider(settings, identity_http)),
        streams=StreamService(storage),
        push_subscriptions=PushSubscriptions(storage),
        # The app's one media cache: the proxy route and the prefetch worker share its per-file locks.
        remote_media=RemoteMediaCache(storage, http, settings, media_store) if http is not None else None,
        public_media=PublicMedia(storage, media_store),
        admin_accounts=admin_accounts,
        federation_admin=federation_admin,
        admin_reports=AdminReports(storage, settings.base_url, statuses, admin_accounts, federation_admin,
                                   core.sender, distribution),
        policy=core.policy,
        public_face=PublicFace(storage, core.boundary, settings.base_url),
        # One resolver per app: the services' and the inbox's share their per-URI locks.
        inbox=InboxIntake(storage, Inbound(core.actors, core.policy) if core.actors is not None else None),
        password_links=PasswordLinks(storage, accounts, passwords, settings.base_url),
        organisation_profiles=organisation,
        department_membership=DepartmentMembership(storage, settings.organization.open_departments),
        staff_profiles=StaffProfiles(storage, profiles),
        mail=core.mail,
        announcements=AnnouncementService(storage, settings.base_url, events),
        important_posts=ImportantPosts(storage, distribution,
                                       listeners=[core.mail.notices] if core.mail.notices else ()),
        reach=ReachRecorder(storage.reach, settings.analytics),
        analytics=AnalyticsService(storage, settings.analytics.min_group_size),
        media_store=media_store,
        media_removals=removals,
    )
