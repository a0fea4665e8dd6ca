"""The inbound federation objects one app shares: the remote actor resolver and the policy.

Built on first use and kept on ``app.state`` so the inbox, authorized fetch
and the inbox worker share one resolver (one set of per-URI locks) without
``AppState`` having to know about federation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request

from activitypub.signatures import SignedRequest
from federation import fanout
from federation.actors import RemoteActors, instance_actor_signer
from federation.guard import DeliveryGuard
from federation.handlers import default_handlers
from federation.http import OutboundClient
from federation.inbox import Deliver, InboxWorker
from federation.policy import DomainPolicy, UrlPolicy
from federation.verify import signed_request
from server.config import Settings
from server.services.remote_profiles import PROFILE_SANITIZER
from storage.models import Account
from storage.protocols import Storage


@dataclass(frozen=True)
class Inbound:
    actors: RemoteActors
    policy: UrlPolicy


def build_inbound(
    settings: Settings, storage: Storage, http: OutboundClient, policy: UrlPolicy | None = None
) -> Inbound:
    """``policy`` is the app's one runtime policy; without it, the configured one."""
    federation = settings.federation
    signer = instance_actor_signer(storage, settings.base_url)
    actors = RemoteActors(storage, http, signer, sanitize=PROFILE_SANITIZER)
    if policy is None:
        policy = DomainPolicy(federation.mode, federation.allowed_domains, federation.blocked_domains)
    return Inbound(actors, policy)


def inbound_for(app: Starlette) -> Inbound:
    inbound: Inbound | None = getattr(app.state, "inbound", None)
    if inbound is None:
        state = app.state.insideout
        inbound = build_inbound(state.settings, state.storage, state.http, state.services.policy)
        if state.services.remote_actors is not None:
            # One resolver per app: the services' and the inbox's share their per-URI locks.
            inbound = Inbound(state.services.remote_actors, inbound.policy)
        app.state.inbound = inbound
    return inbound


def inbox_worker(
    settings: Settings, storage: Storage, inbound: Inbound, *, deliver: Deliver | None = None
) -> InboxWorker:
    """The worker for ``create_app(workers=...)``; ``deliver`` queues Accepts (fanout + exposure guard)."""
    return InboxWorker(storage, default_handlers(), inbound.actors, base_url=settings.base_url, deliver=deliver)


def fanout_deliver(storage: Storage, guard: DeliveryGuard) -> Deliver:
    """Handlers' answers (Accept/Reject) go through the delivery queue and its exposure guard."""

    async def deliver(activity: dict[str, Any], actor: Account, inboxes: list[str]) -> int:
        return await fanout.enqueue(storage, activity, actor, inboxes, guard=guard)

    return deliver


def request_as_signed(request: Request, base_url: str, body: bytes) -> SignedRequest:
    """The request as its sender signed it: path and query exactly as on the wire."""
    raw_path: bytes = request.scope.get("raw_path") or request.scope["path"].encode("utf-8")
    query: bytes = request.scope.get("query_string", b"")
    target = raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
    headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw]
    return signed_request(request.method, base_url, target, headers, body)
