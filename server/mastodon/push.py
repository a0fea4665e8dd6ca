"""``/api/v1/push/subscription``: one Web Push subscription per access token, as in Mastodon.

The endpoint must be https (http only where ``[federation]
allow_private_addresses`` is on, for tests), its host may not be a
private address literal, and the keys must be a P-256 point and a 16-byte
secret, so a bad subscription fails here with 422 and not later in the
worker. Names that resolve to private addresses are stopped by the
outbound client's SSRF guard when a push is sent.
"""

from __future__ import annotations

from typing import Any, Final

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import BadRequest, InvalidInput, NotFound
from federation.addresses import is_public_address, parse_literal_address
from server.edge.params import Params, read_params
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import state
from server.push.encryption import load_auth_secret, load_public_key
from server.services.push_subscriptions import PushSubscriptions
from storage.push import ALERT_TYPES, NewPushSubscription, PushPolicy, PushSubscription

PATH: Final = "/api/v1/push/subscription"
MAX_ENDPOINT_LENGTH: Final = 2048


def subscription_entity(subscription: PushSubscription, server_key: str) -> dict[str, Any]:
    return {
        "id": str(subscription.id),
        "endpoint": subscription.endpoint,
        "standard": subscription.standard,
        "alerts": {name: name in subscription.alerts for name in ALERT_TYPES},
        "server_key": server_key,
        "policy": subscription.policy.value,
    }


def check_endpoint(endpoint: str | None, *, allow_private: bool) -> str:
    if not endpoint or not endpoint.strip():
        raise InvalidInput("Validation failed: Endpoint can't be blank")
    endpoint = endpoint.strip()
    try:
        url = httpx.URL(endpoint)
    except (httpx.InvalidURL, TypeError):
        raise InvalidInput("Validation failed: Endpoint is not a valid URL") from None
    allowed_schemes = ("https", "http") if allow_private else ("https",)
    if url.scheme not in allowed_schemes or not url.host or url.userinfo or len(endpoint) > MAX_ENDPOINT_LENGTH:
        raise InvalidInput("Validation failed: Endpoint must be an https URL")
    literal = parse_literal_address(url.host)
    if literal is not None and not allow_private and not is_public_address(literal):
        raise InvalidInput("Validation failed: Endpoint must not be a private address")
    return endpoint


def check_keys(keys: Params | None) -> tuple[str, str]:
    p256dh = keys.get_str("p256dh") if keys else None
    auth = keys.get_str("auth") if keys else None
    if not p256dh or not auth:
        raise InvalidInput("Validation failed: Keys can't be blank")
    try:
        load_public_key(p256dh)
        load_auth_secret(auth)
    except InvalidInput as exc:
        raise InvalidInput(f"Validation failed: Keys are invalid ({exc.public_message})") from None
    return p256dh.strip(), auth.strip()


def parse_alerts(data: Params | None) -> frozenset[str] | None:
    """The alert types switched on; None when the request names no alerts at all."""
    alerts = data.get_dict("alerts") if data else None
    if alerts is None:
        return None
    return frozenset(name for name in ALERT_TYPES if alerts.get_bool(name, False))


def parse_policy(data: Params | None) -> PushPolicy | None:
    raw = data.get_str("policy") if data else None
    if raw is None or raw == "":
        return None
    try:
        return PushPolicy(raw)
    except ValueError:
        raise InvalidInput("Validation failed: Policy is not included in the list") from None


def _subscriptions(request: Request) -> PushSubscriptions:
    return state(request).services.push_subscriptions


async def _respond(request: Request, subscription: PushSubscription) -> Response:
    keypair = await state(request).services.vapid.keypair()
    return JSONResponse(subscription_entity(subscription, keypair.public_b64()))


async def create_subscription(request: Request) -> Response:
    viewer = await require_user(request, "push")
    params = await read_params(request)
    fields = params.get_dict("subscription")
    if fields is None:
        raise BadRequest("param is missing or the value is empty: subscription")
    settings = state(request).settings
    endpoint = check_endpoint(fields.get_str("endpoint"), allow_private=settings.federation.allow_private_addresses)
    p256dh, auth = check_keys(fields.get_dict("keys"))
    data = params.get_dict("data")
    new = NewPushSubscription(
        access_token_id=viewer.token.id,
        account_id=viewer.account.id,
        endpoint=endpoint,
        p256dh=p256dh,
        auth=auth,
        alerts=parse_alerts(data) or frozenset(),
        policy=parse_policy(data) or PushPolicy.ALL,
        standard=bool(fields.get_bool("standard", False)),
    )
    return await _respond(request, await _subscriptions(request).subscribe(new))


async def _own(request: Request, viewer: Viewer) -> PushSubscription:
    subscription = await _subscriptions(request).of_token(viewer.token.id)
    if subscription is None:
        raise NotFound()
    return subscription


async def show_subscription(request: Request) -> Response:
    viewer = await require_user(request, "push")
    return await _respond(request, await _own(request, viewer))


async def update_subscription(request: Request) -> Response:
    viewer = await require_user(request, "push")
    await _own(request, viewer)
    data = (await read_params(request)).get_dict("data")
    updated = await _subscriptions(request).update(viewer.token.id, parse_alerts(data), parse_policy(data))
    if updated is None:
        raise NotFound()
    return await _respond(request, updated)


async def delete_subscription(request: Request) -> Response:
    viewer = await require_user(request, "push")
    await _subscriptions(request).unsubscribe(viewer.token.id)
    return JSONResponse({})


def routes() -> list[BaseRoute]:
    return [
        Route(PATH, create_subscription, methods=["POST"]),
        Route(PATH, show_subscription, methods=["GET"]),
        Route(PATH, update_subscription, methods=["PUT"]),
        Route(PATH, delete_subscription, methods=["DELETE"]),
    ]
