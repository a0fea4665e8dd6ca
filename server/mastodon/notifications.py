"""Notifications, v1 and Mastodon 4.3's grouped v2.

Notifications from accounts the viewer blocks (or is blocked by) or mutes
with notifications are never shown, even ones created before the block or
mute. Grouped notifications are answered ungrouped: every group holds one
notification and its ``group_key`` is ``ungrouped-<id>``, the key Mastodon
itself uses for types it does not group, and the one the streaming API and
v1 carry, so clients see one consistent key everywhere.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import NotFound
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import page_of, paged, path_id, public_url, state
from server.mastodon.pagination import NOTIFICATIONS_LIMITS, link_header
from server.mastodon.params import Params, read_params
from storage.models import Notification, Page
from storage.profiles import MarkerTimeline
from storage.protocols import Storage

UNREAD_LIMITS: Final = (100, 1000)
MAX_ROUNDS: Final = 5  # pages read past hidden notifications before answering short
GROUP_PREFIX: Final = "ungrouped-"
DEFAULT_POLICY: Final = {
    "for_not_following": "accept", "for_not_followers": "accept", "for_new_accounts": "accept",
    "for_private_mentions": "accept", "for_limited_accounts": "accept",
    "summary": {"pending_requests_count": 0, "pending_notifications_count": 0},
}  # fmt: skip


async def hidden_senders(storage: Storage, account_id: int) -> frozenset[int]:
    blocked = await storage.relationships.blocked_ids(account_id)
    return blocked | await storage.relationships.muted_ids(account_id, notifications_only=True)


async def _page(request: Request, viewer: Viewer, params: Params) -> tuple[list[Notification], list[int]]:
    """A page of shown notifications, and the ids to page by (never skipping or repeating one)."""
    storage = state(request).storage
    page = page_of(params, NOTIFICATIONS_LIMITS)
    filters: dict[str, Any] = {
        "types": params.get_str_list("types"), "exclude_types": params.get_str_list("exclude_types"),
        "from_account_id": params.get_id("account_id"),
    }
    hidden = await hidden_senders(storage, viewer.account.id)
    shown: list[Notification] = []
    scanned: list[int] = []
    cursor = page
    for _ in range(MAX_ROUNDS):
        rows = await storage.notifications.list(viewer.reader, cursor, **filters)
        scanned.extend(n.id for n in rows)
        shown.extend(n for n in rows if n.from_account_id not in hidden)
        if len(rows) < cursor.limit or len(shown) >= page.limit:
            break
        cursor = _beyond(cursor, [n.id for n in rows])
    shown = _trim(shown, page)
    return shown, ([n.id for n in shown] or sorted(scanned, reverse=True))


def _beyond(cursor: Page, ids: list[int]) -> Page:
    if cursor.min_id is not None:
        return replace(cursor, min_id=max(ids))
    return replace(cursor, max_id=min(ids))


def _trim(shown: list[Notification], page: Page) -> list[Notification]:
    """Newest first; reading up from ``min_id`` keeps the ones just above it."""
    ordered = sorted(shown, key=lambda n: n.id, reverse=True)
    return ordered[-page.limit:] if page.min_id is not None else ordered[: page.limit]


async def list_notifications(request: Request) -> Response:
    viewer = await require_user(request, "read:notifications")
    notifications, cursor = await _page(request, viewer, await read_params(request))
    entities = await state(request).presenter.notifications(notifications, viewer.account)
    return paged(request, entities, cursor)


async def _visible(request: Request, viewer: Viewer, notification_id: int) -> Notification:
    storage = state(request).storage
    notification = await storage.notifications.get(viewer.reader, notification_id)
    if notification is None or notification.from_account_id in await hidden_senders(storage, viewer.account.id):
        raise NotFound()
    return notification


async def show_notification(request: Request) -> Response:
    viewer = await require_user(request, "read:notifications")
    notification = await _visible(request, viewer, path_id(request))
    entities = await state(request).presenter.notifications([notification], viewer.account)
    if not entities:
        raise NotFound()
    return JSONResponse(entities[0])


async def dismiss(request: Request) -> Response:
    viewer = await require_user(request, "write:notifications")
    if not await state(request).storage.notifications.dismiss(viewer.reader, path_id(request)):
        raise NotFound()
    return JSONResponse({})


async def clear(request: Request) -> Response:
    viewer = await require_user(request, "write:notifications")
    await state(request).storage.notifications.clear(viewer.reader)
    return JSONResponse({})


async def unread_count(request: Request) -> Response:
    """How many notifications arrived after the ``notifications`` marker, counted up to ``limit``."""
    viewer = await require_user(request, "read:notifications")
    params = await read_params(request)
    limit = params.get_int("limit") or UNREAD_LIMITS[0]
    limit = max(1, min(abs(limit), UNREAD_LIMITS[1]))
    storage = state(request).storage
    markers = await storage.markers.get(viewer.account.id, [MarkerTimeline.NOTIFICATIONS])
    marker = markers.get(MarkerTimeline.NOTIFICATIONS)
    count = await storage.notifications.count_after(viewer.reader, marker.last_read_id if marker else 0,
                                                    limit=limit)
    return JSONResponse({"count": count})


def group_entity(entity: dict[str, Any]) -> dict[str, Any]:
    """A v1 Notification as a v2 NotificationGroup of one."""
    group: dict[str, Any] = {
        "group_key": entity["group_key"], "notifications_count": 1, "type": entity["type"],
        "most_recent_notification_id": entity["id"], "page_min_id": entity["id"], "page_max_id": entity["id"],
        "latest_page_notification_at": entity["created_at"], "sample_account_ids": [entity["account"]["id"]],
    }  # fmt: skip
    if entity.get("status") is not None:
        group["status_id"] = entity["status"]["id"]
    return group


def grouped(entities: list[dict[str, Any]]) -> dict[str, Any]:
    accounts = {e["account"]["id"]: e["account"] for e in entities}
    statuses = {e["status"]["id"]: e["status"] for e in entities if e.get("status") is not None}
    return {"accounts": list(accounts.values()), "statuses": list(statuses.values()),
            "notification_groups": [group_entity(e) for e in entities]}


async def list_groups(request: Request) -> Response:
    viewer = await require_user(request, "read:notifications")
    notifications, cursor = await _page(request, viewer, await read_params(request))
    entities = await state(request).presenter.notifications(notifications, viewer.account)
    link = link_header(public_url(request), cursor)
    return JSONResponse(grouped(entities), headers={"Link": link} if link else None)


def _group_id(request: Request) -> int:
    key = str(request.path_params["group_key"])
    if not key.startswith(GROUP_PREFIX) or not key[len(GROUP_PREFIX):].isdigit():
        raise NotFound()
    return int(key[len(GROUP_PREFIX):])


async def show_group(request: Request) -> Response:
    viewer = await require_user(request, "read:notifications")
    notification = await _visible(request, viewer, _group_id(request))
    entities = await state(request).presenter.notifications([notification], viewer.account)
    return JSONResponse(grouped(entities))


async def group_accounts(request: Request) -> Response:
    viewer = await require_user(request, "read:notifications")
    notification = await _visible(request, viewer, _group_id(request))
    sender = await state(request).storage.accounts.get(notification.from_account_id)
    return JSONResponse(await state(request).presenter.accounts([sender] if sender else []))


async def dismiss_group(request: Request) -> Response:
    viewer = await require_user(request, "write:notifications")
    if not await state(request).storage.notifications.dismiss(viewer.reader, _group_id(request)):
        raise NotFound()
    return JSONResponse({})


async def requests(request: Request) -> Response:
    """Filtered-notification requests: nothing is filtered here, so there are none."""
    await require_user(request, "read:notifications")
    return JSONResponse([])


async def policy(request: Request) -> Response:
    await require_user(request, "read:notifications")
    return JSONResponse(DEFAULT_POLICY)


def routes() -> list[BaseRoute]:
    v1, v2 = "/api/v1/notifications", "/api/v2/notifications"
    return [
        Route(v1, list_notifications, methods=["GET"]),
        Route(f"{v1}/clear", clear, methods=["POST"]),
        Route(f"{v1}/unread_count", unread_count, methods=["GET"]),
        Route(f"{v1}/requests", requests, methods=["GET"]),
        Route(v1 + "/{id}", show_notification, methods=["GET"]),
        Route(v1 + "/{id}/dismiss", dismiss, methods=["POST"]),
        Route(f"{v1}/dismiss", _legacy_dismiss, methods=["POST"]),
        Route(v2, list_groups, methods=["GET"]),
        Route(f"{v2}/unread_count", unread_count, methods=["GET"]),
        Route(f"{v2}/policy", policy, methods=["GET"]),
        Route(v2 + "/{group_key}", show_group, methods=["GET"]),
        Route(v2 + "/{group_key}/accounts", group_accounts, methods=["GET"]),
        Route(v2 + "/{group_key}/dismiss", dismiss_group, methods=["POST"]),
    ]


async def _legacy_dismiss(request: Request) -> Response:
    """``POST /api/v1/notifications/dismiss`` with ``id`` in the body (Mastodon < 3.1, still sent by some clients)."""
    viewer = await require_user(request, "write:notifications")
    notification_id = (await read_params(request)).get_id("id")
    if notification_id is None or not await state(request).storage.notifications.dismiss(
        viewer.reader, notification_id
    ):
        raise NotFound()
    return JSONResponse({})
