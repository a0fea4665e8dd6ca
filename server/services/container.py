"""The services a request handler reaches, built once per app from its dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from server.config import Settings
from server.events import EventBus
from server.mastodon.presenters import Presenter
from server.passwords import Passwords
from server.services.accounts import AccountService, DepartmentService
from server.services.distribution import Distribution
from server.services.push import PushDispatcher
from server.services.interactions import InteractionService
from server.services.statuses import StatusService
from federation.guard import DeliveryGuard, ExposureGuard
from federation.outbound import FederationOutbound
from federation.policy import DomainPolicy
from federation.sender import Sender
from server.services.boundary import Boundary
from server.services.outbound import Outbound
from server.services.publication import PublicationService
from server.services.profile_media import ProfileMedia
from server.services.profiles import ProfileService
from server.services.relationships import RelationshipService
from federation.actors import RemoteActors, instance_actor_signer
from federation.http import OutboundClient
from federation.resolve import FederationResolver, HandleLookup
from server.activitypub.inbound import PROFILE_SANITIZER
from server.services.handles import HandleResolver, KnownHandles
from server.services.search import SearchService
from server.services.media import MediaService
from server.services.polls import PollService
from server.services.scheduled import ScheduledStatusService
from storage.protocols import Storage


@dataclass(frozen=True, slots=True)
class Services:
    accounts: AccountService
    departments: DepartmentService
    distribution: Distribution
    statuses: StatusService
    interactions: InteractionService
    presenter: Presenter
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


def delivery_guard(storage: Storage, settings: Settings, boundary: Boundary) -> DeliveryGuard:
    return ExposureGuard(
        storage, settings.base_url, boundary.is_public_url, was_public_object=boundary.was_public_url,
        extra_public_urls=frozenset({f"{settings.base_url}/actor", f"{settings.base_url}/actor#main-key"}),
    )


def domain_policy(settings: Settings) -> DomainPolicy:
    federation = settings.federation
    return DomainPolicy(federation.mode, federation.allowed_domains, federation.blocked_domains)


def build_services(
    storage: Storage, settings: Settings, events: EventBus, passwords: Passwords, http: OutboundClient | None = None
) -> Services:
    """``http`` lets searches resolve outside accounts and posts; without it (the CLI) only stored ones are found."""
    accounts = AccountService(storage, passwords)
    distribution = Distribution(storage, events, PushDispatcher(storage))
    boundary = Boundary(storage, settings.base_url)
    guard = delivery_guard(storage, settings, boundary)
    sender = Sender(storage, guard, domain_policy(settings))
    publication = PublicationService(storage, settings.base_url, boundary, sender, distribution)
    outbound = FederationOutbound(storage, settings.base_url, sender, publication)
    statuses = StatusService(storage, settings, distribution, outbound)
    actors = RemoteActors(storage, http, instance_actor_signer(storage, settings.base_url),
                          sanitize=PROFILE_SANITIZER) if http is not None else None
    resolver = FederationResolver(storage, http, actors, settings.base_url) if http and actors else None
    handles: HandleResolver = HandleLookup(resolver) if resolver else KnownHandles(storage)
    return Services(
        accounts=accounts,
        departments=DepartmentService(storage, accounts),
        distribution=distribution,
        statuses=statuses,
        interactions=InteractionService(storage, statuses, distribution, outbound),
        presenter=Presenter(storage, settings),
        boundary=boundary,
        guard=guard,
        sender=sender,
        publication=publication,
        outbound=outbound,
        relationships=RelationshipService(storage, distribution, outbound),
        profiles=ProfileService(storage, ProfileMedia(settings.data_dir)),
        handles=handles,
        search=SearchService(storage, settings, handles, resolver=resolver),
        remote_actors=actors,
        media=MediaService(storage, settings),
        polls=PollService(storage, statuses, outbound),
        scheduled=ScheduledStatusService(storage, statuses),
    )
