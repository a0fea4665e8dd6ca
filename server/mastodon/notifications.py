"""Notifications, v1 and Mastodon 4.3's grouped v2.

Notifications from accounts the viewer blocks (or is blocked by) or mutes
with notifications are never shown, even ones created before the block or
mute. Grouped notifications are answered ungrouped: every group holds one
notification and its ``group_key`` is ``ungrouped-<id>``, the key Mastodon
itself uses for types it does not group, and the one the streaming API and
v1 carry, so clients see one consistent key everywhere.
"""

from __future__ import annotations

from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import NotFound
from server.edge.pagination import NOTIFICATIONS_LIMITS, link_header, page_of
from server.edge.params import Params, path_id, read_params
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import paged, public_url, state
from server.services.notifications import NotificationPage, NotificationQuery
from storage.models import Notification

UNREAD_LIMITS: Final = (100, 1000)
GROUP_PREFIX: Final = "ungrouped-"
DEFAULT_POLICY: Final = {
    "for_not_following": "accept", "for_not_followers": "accept", "for_new_accounts": "accept",
    "for_private_mentions": "accept", "for_limited_accounts": "accept",
    "summary": {"pending_requests_count": 0, "pending_notifications_count": 0},
}  # fmt: skip


async def _page(request: Request, viewer: Viewer, params: Params) -> NotificationPage:
    """A page of shown notifications, and the ids to page by (never skipping or repeating one)."""
    page = page_of(params, NOTIFICATIONS_LIMITS)
    query = NotificationQuery(
        types=params.get_str_list("types"), exclude_types=params.get_str_list("exclude_types"),
        from_account_id=params.get_id("account_id"),
    )
    return await state(request).services.notifications.page(viewer.reader, page, query)


async def list_notifications(request: Request) -> Response:
    viewer = await require_user(request, "read:notifications")
    found = await _page(request, viewer, await read_params(request))
    entities = await state(request).presenter.notifications(found.shown, viewer.account)
    return paged(request, entities, found.cursor_ids)


async def _visible(request: Request, viewer: Viewer, notification_id: int) -> Notification:
    return await state(request).services.notifications.visible(viewer.reader, notification_id)


async def show_notification(request: Request) -> Response:
    viewer = await require_user(request, "read:notifications")
    notification = await _visible(request, viewer, path_id(request))
    entities = await state(request).presenter.notifications([notification], viewer.account)
    if not entities:
        raise NotFound()
    return JSONResponse(entities[0])


async def dismiss(request: Request) -> Response:
    viewer = await require_user(request, "write:notifications")
    await state(request).services.notifications.dismiss(viewer.reader, path_id(request))
    return JSONResponse({})


async def clear(request: Request) -> Response:
    viewer = await require_user(request, "write:notifications")
    await state(request).services.notifications.clear(viewer.reader)
    return JSONResponse({})


async def unread_count(request: Request) -> Response:
    """How many notifications arrived after the ``notifications`` marker, counted up to ``limit``."""
    viewer = await require_user(request, "read:notifications")
    params = await read_params(request)
    limit = params.get_int("limit") or UNREAD_LIMITS[0]
    limit = max(1, min(abs(limit), UNREAD_LIMITS[1]))
    count = await state(request).services.notifications.unread_count(viewer.reader, limit)
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
    found = await _page(request, viewer, await read_params(request))
    entities = await state(request).presenter.notifications(found.shown, viewer.account)
    link = link_header(public_url(request), found.cursor_ids)
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
    sender = await state(request).services.notifications.sender(notification)
    return JSONResponse(await state(request).presenter.accounts([sender] if sender else []))


async def dismiss_group(request: Request) -> Response:
    viewer = await require_user(request, "write:notifications")
    await state(request).services.notifications.dismiss(viewer.reader, _group_id(request))
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
    if notification_id is None:
        raise NotFound()
    await state(request).services.notifications.dismiss(viewer.reader, notification_id)
    return JSONResponse({})
