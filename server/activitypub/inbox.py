"""``POST /inbox`` and ``POST /users/{username}/inbox``: verify, store, answer 202.

The order of checks, cheapest and least revealing first:

1. per-actor inbox: an unknown or hidden username is a bare 404, the same
   for both, before anything else is looked at;
2. media type (415), body size (413), JSON (nesting depth included) and
   activity shape (400);
3. an actor or key on our own origin (401: ours never arrive by inbox, and
   are never fetched or stored as remote), then the domain policy for the
   actor's and the key's hosts (403);
4. ``Delete``/``Update`` of itself by an actor we never knew: 202 and
   nothing else, no fetch (Mastodon does the same; account deletions are
   broadcast to every server that ever saw the actor);
5. the HTTP signature (401, so a double-knocking sender retries with the
   other scheme), then the key's owner must be the activity's actor (401);
6. store once per activity id (a duplicate is 202 too), answer 202.

Handlers run later, in ``InboxWorker``.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import BadRequest, Forbidden, PayloadTooLarge, Unauthorized
from activitypub.json_reader import Rejection, UntrustedJsonError, loads_untrusted
from activitypub.parse import is_own_uri, parse_activity
from activitypub.signatures import Reason, SignatureRejected, VerificationResult, parse_signature
from federation.live_policy import refresh_if_stale
from federation.policy import UrlPolicy
from federation.verify import verify_inbound
from server.activitypub.inbound import inbound_for, request_as_signed
from server.state import app_state
from storage.models import Account

log = logging.getLogger(__name__)

MAX_BODY_BYTES: Final = 1_000_000
ACTIVITYSTREAMS_PROFILE: Final = "https://www.w3.org/ns/activitystreams"


async def shared_inbox(request: Request) -> Response:
    return await receive(request, None)


async def actor_inbox(request: Request) -> Response:
    recipient = await app_state(request).services.public_face.exposed_actor(request.path_params["username"])
    return await receive(request, recipient)


async def receive(request: Request, recipient: Account | None) -> Response:
    state = app_state(request)
    intake = state.services.inbox
    require_activity_json(request.headers.get("content-type"))
    body = await read_capped(request, MAX_BODY_BYTES)
    activity = parse_activity(parse_json(body))
    inbound = inbound_for(request.app)
    signed = request_as_signed(request, state.settings.base_url, body)
    parsed = parse_signature(signed)
    key_id = None if isinstance(parsed, VerificationResult) else parsed.key_id
    await refresh_if_stale(inbound.policy)
    refuse_own_origin(state.settings.base_url, activity.actor, key_id)
    check_policy(inbound.policy, activity.actor, key_id)
    if await intake.is_unknown_actor_leaving(activity):
        return Response(status_code=202)
    verification = await verify_inbound(signed, inbound.actors, parsed=parsed)
    verification.result.raise_for_failure()
    if verification.signer is None:  # a passing result always names its signer; refuse rather than trust
        raise Unauthorized(detail="signature verified without a signer")
    if verification.signer.uri != activity.actor:
        log.info(
            "signature rejected",
            extra={"reason": Reason.OWNER_MISMATCH.value, "key_id": key_id, "signer": verification.signer.uri,
                   "actor": activity.actor},
        )
        raise SignatureRejected(Reason.OWNER_MISMATCH, f"{key_id} belongs to {verification.signer.uri}")
    stored = await intake.store(activity, body, key_id=key_id, recipient_id=recipient.id if recipient else None)
    if stored is None:
        log.debug("duplicate activity", extra={"activity_id": activity.id})
    return Response(status_code=202)


def require_activity_json(content_type: str | None) -> None:
    """``application/activity+json``, or ``application/ld+json`` with the ActivityStreams profile."""
    media_type, _, params = (content_type or "").partition(";")
    media_type = media_type.strip().lower()
    if media_type == "application/activity+json":
        return
    if media_type == "application/ld+json" and ACTIVITYSTREAMS_PROFILE in params:
        return
    raise HTTPException(415)


async def read_capped(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(detail=f"Content-Length {declared} over {limit}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(detail=f"body over {limit} bytes")
    return bytes(body)


def parse_json(body: bytes) -> Any:
    try:
        return loads_untrusted(body)
    except UntrustedJsonError as exc:
        message = "JSON nested too deeply" if exc.reason is Rejection.TOO_DEEP else "Malformed JSON"
        raise BadRequest(message, detail=str(exc)) from None


def refuse_own_origin(base_url: str, actor: str, key_id: str | None) -> None:
    for uri in (actor, key_id):
        if uri is not None and is_own_uri(uri, base_url):
            raise SignatureRejected(Reason.KEY_FETCH_FAILED, f"{uri} is on our own origin, not a remote key")


def check_policy(policy: UrlPolicy, actor: str, key_id: str | None) -> None:
    for uri in (actor, key_id):
        if uri is not None and not policy.is_allowed_url(uri):
            raise Forbidden(detail=f"{uri} is not allowed by the federation policy")


def routes() -> list[BaseRoute]:
    return [
        Route("/inbox", shared_inbox, methods=["POST"]),
        Route("/users/{username}/inbox", actor_inbox, methods=["POST"]),
    ]
