"""Authorized fetch (``[federation] authorized_fetch``): ActivityPub GETs must be signed.

Like Mastodon's secure mode: a GET asking for an ActivityPub document needs
a valid HTTP signature from an actor on an allowed domain; unsigned or
badly signed is 401, a refused domain 403. Exempt, because a peer needs
them to verify us or find anyone at all: the instance actor (``/actor``,
whose key signs our own fetches), WebFinger, host-meta and NodeInfo.

The check runs before routing, so a hidden and a nonexistent actor still
answer identically: both get the same 401/403, or both reach the view.
``check_authorized_fetch`` is the same check for a view to call itself.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from activitypub.errors import Forbidden, InsideoutError, Unauthorized
from activitypub.signatures import VerificationResult, parse_signature
from federation.live_policy import refresh_if_stale
from federation.verify import verify_inbound
from server.activitypub.inbound import inbound_for, request_as_signed
from server.activitypub.responses import wants_activity_json
from server.edge.errors import error_response
from storage.models import Account

EXEMPT_PATHS = frozenset({"/actor", "/.well-known/webfinger", "/.well-known/host-meta",
                          "/.well-known/host-meta.json", "/.well-known/nodeinfo"})
EXEMPT_PREFIXES = ("/nodeinfo/",)


def needs_signature(request: Request) -> bool:
    if not request.app.state.insideout.settings.federation.authorized_fetch:
        return False
    if request.method not in ("GET", "HEAD") or not wants_activity_json(request.headers.get("accept")):
        return False
    path = request.url.path
    return path not in EXEMPT_PATHS and not path.startswith(EXEMPT_PREFIXES)


async def check_authorized_fetch(request: Request) -> Account | None:
    """The verified remote actor behind this GET, None when no signature is needed; raises 401/403."""
    if not needs_signature(request):
        return None
    state = request.app.state.insideout
    inbound = inbound_for(request.app)
    signed = request_as_signed(request, state.settings.base_url, b"")
    parsed = parse_signature(signed)
    await refresh_if_stale(inbound.policy)
    if not isinstance(parsed, VerificationResult) and not inbound.policy.is_allowed_url(parsed.key_id):
        raise Forbidden(detail=f"{parsed.key_id} is not allowed by the federation policy")
    verification = await verify_inbound(signed, inbound.actors, parsed=parsed)
    verification.result.raise_for_failure()
    if verification.signer is None:  # a passing result always names its signer; refuse rather than trust
        raise Unauthorized(detail="signature verified without a signer")
    if verification.signer.uri is None or not inbound.policy.is_allowed_url(verification.signer.uri):
        raise Forbidden(detail=f"{verification.signer.uri} is not allowed by the federation policy")
    return verification.signer


class AuthorizedFetchMiddleware:
    """Runs ``check_authorized_fetch`` before routing; a no-op when the setting is off."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            try:
                await check_authorized_fetch(request)
            except InsideoutError as exc:
                await error_response(exc)(scope, receive, send)
                return
        await self.app(scope, receive, send)
