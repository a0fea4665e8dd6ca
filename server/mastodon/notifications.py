"""Notifications, v1 and Mastodon 4.3's grouped v2.

Notifications from accounts the viewer blocks (or is blocked by) or mutes
with notifications are never shown, even ones created before the block or
mute, nor counted in a group. Favourites and boosts of one status, and
follows, group as Mastodon groups them (``storage.notification_groups``);
every other notification is a group of one keyed ``ungrouped-<id>``. v1,
the streaming API and Web Push carry the same ``group_key``.

v2 follows Mastodon 4.3: a page holds one group per key with its
``notifications_count``, newest ``sample_account_ids`` (8 at most) and the
``page_min_id``/``page_max_id``/``latest_page_notification_at`` of the
page; the accounts and statuses they name come once, beside the groups
(``expand_accounts=partial_avatars`` sends all but each group's first
account in the short ``partial_accounts`` form). ``grouped_types`` names
the types a client shows grouped; the others come ungrouped.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import BadRequest, NotFound
from server.edge.dates import format_datetime
from server.edge.pagination import ACCOUNTS_LIMITS, NOTIFICATIONS_LIMITS, link_header, page_of
from server.edge.params import Params, path_id, read_params
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import paged, public_url, state
from server.services.notifications import (
    GroupPage,
    NotificationGroup,
    NotificationPage,
    NotificationQuery,
    grouped_types_of,
)
from storage.models import Notification

UNREAD_LIMITS: Final = (100, 1000)
STATUS_TYPES: Final = frozenset({"favourite", "reblog", "status", "mention", "poll", "update", "quote"})
PARTIAL_ACCOUNT: Final = ("id", "acct", "locked", "bot", "url", "avatar", "avatar_static")
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
    limit = _unread_limit(await read_params(request))
    count = await state(request).services.notifications.unread_count(viewer.reader, limit)
    return JSONResponse({"count": count})


def _unread_limit(params: Params) -> int:
    limit = params.get_int("limit") or UNREAD_LIMITS[0]
    return max(1, min(abs(limit), UNREAD_LIMITS[1]))


def group_entity(group: NotificationGroup, senders: Collection[int], *, paginated: bool) -> dict[str, Any]:
    """A NotificationGroup (Mastodon's ``REST::NotificationGroupSerializer``); ``senders`` are those still there."""
    notification, summary = group.notification, group.summary
    most_recent = summary.most_recent_id if summary else notification.id
    entity: dict[str, Any] = {
        "group_key": group.key, "notifications_count": summary.count if summary else 1,
        "type": notification.type, "most_recent_notification_id": str(most_recent),
    }  # fmt: skip
    if paginated:
        page_min = summary.page_min_id if summary and summary.page_min_id is not None else notification.id
        latest = summary.most_recent_at if summary else notification.created_at
        entity |= {"page_min_id": str(page_min), "page_max_id": str(most_recent),
                   "latest_page_notification_at": format_datetime(latest)}
    entity["sample_account_ids"] = [str(i) for i in group.sender_ids if i in senders]
    if notification.status_id is not None and notification.type in STATUS_TYPES:
        entity["status_id"] = str(notification.status_id)
    return entity


def _expand_accounts(params: Params) -> str:
    value = params.get_str("expand_accounts")
    if value is None or value == "full":
        return "full"
    if value == "partial_avatars":
        return value
    raise BadRequest(f"Invalid value for 'expand_accounts': '{value}', allowed values are 'full' and "
                     "'partial_avatars'")


async def _grouped(request: Request, viewer: Viewer, found: GroupPage, *, paginated: bool,
                   expand: str = "full") -> dict[str, Any]:
    """Mastodon's ``REST::DedupNotificationGroupSerializer``: the groups, and their accounts and statuses once."""
    presenter = state(request).presenter
    rendered = await presenter.notifications([g.notification for g in found.groups], viewer.account)
    shown_ids = {entity["id"] for entity in rendered}
    statuses = {e["status"]["id"]: e["status"] for e in rendered if e.get("status") is not None}
    groups = [g for g in found.groups if str(g.notification.id) in shown_ids]
    wanted = [found.senders[i] for g in groups for i in g.sender_ids if i in found.senders]
    first = {g.sender_ids[0] for g in groups if g.sender_ids}
    full = [a for a in wanted if expand == "full" or a.id in first]
    entities = {e["id"]: e for e in await presenter.accounts(list({a.id: a for a in full}.values()))}
    body: dict[str, Any] = {"accounts": list(entities.values())}
    if expand == "partial_avatars":
        partial = [a for a in {a.id: a for a in wanted}.values() if str(a.id) not in entities]
        body["partial_accounts"] = [
            {key: entity[key] for key in PARTIAL_ACCOUNT} for entity in await presenter.accounts(partial)
        ]
    body["statuses"] = list(statuses.values())
    body["notification_groups"] = [group_entity(g, found.senders.keys(), paginated=paginated) for g in groups]
    return body


def _query(params: Params) -> NotificationQuery:
    """v2 filters by ``types`` and ``exclude_types`` (not by sender)."""
    return NotificationQuery(types=params.get_str_list("types"), exclude_types=params.get_str_list("exclude_types"))


async def list_groups(request: Request) -> Response:
    viewer = await require_user(request, "read:notifications")
    params = await read_params(request)
    expand = _expand_accounts(params)
    found = await state(request).services.notifications.groups(
        viewer.reader, page_of(params, NOTIFICATIONS_LIMITS), _query(params),
        grouped_types_of(params.get_str_list("grouped_types")),
    )
    link = link_header(public_url(request), found.cursor_ids)
    body = await _grouped(request, viewer, found, paginated=True, expand=expand)
    return JSONResponse(body, headers={"Link": link} if link else None)


async def unread_group_count(request: Request) -> Response:
    """How many groups have a notification after the ``notifications`` marker, counted up to ``limit``."""
    viewer = await require_user(request, "read:notifications")
    params = await read_params(request)
    count = await state(request).services.notifications.unread_group_count(
        viewer.reader, _unread_limit(params), grouped_types_of(params.get_str_list("grouped_types")), _query(params)
    )
    return JSONResponse({"count": count})


def _group_key(request: Request) -> str:
    return str(request.path_params["group_key"])


async def show_group(request: Request) -> Response:
    viewer = await require_user(request, "read:notifications")
    found = await state(request).services.notifications.group(viewer.reader, _group_key(request))
    body = await _grouped(request, viewer, found, paginated=False)
    if not body["notification_groups"]:
        raise NotFound()
    return JSONResponse(body)


async def group_accounts(request: Request) -> Response:
    """The senders of a group's notifications, newest first, paged by notification id (40 by default)."""
    viewer = await require_user(request, "read:notifications")
    page = page_of(await read_params(request), ACCOUNTS_LIMITS)
    senders, ids = await state(request).services.notifications.group_senders(viewer.reader, _group_key(request), page)
    return paged(request, await state(request).presenter.accounts(senders), ids, limit=page.limit)


async def dismiss_group(request: Request) -> Response:
    viewer = await require_user(request, "write:notifications")
    await state(request).services.notifications.dismiss_group(viewer.reader, _group_key(request))
    return JSONResponse({})


async def requests(request: Request) -> Response:
    """Filtered-notification requests: nothing is filtered here, so there are none."""
    await require_user(request, "read:notifications")
    return JSONResponse([])


async def requests_merged(request: Request) -> Response:
    """Mastodon 4.3: whether accepted requests are merged into the notifications yet; with none, always."""
    await require_user(request, "read:notifications")
    return JSONResponse({"merged": True})


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
        Route(f"{v1}/requests/merged", requests_merged, methods=["GET"]),
        Route(v1 + "/{id}", show_notification, methods=["GET"]),
        Route(v1 + "/{id}/dismiss", dismiss, methods=["POST"]),
        Route(f"{v1}/dismiss", _legacy_dismiss, methods=["POST"]),
        Route(v2, list_groups, methods=["GET"]),
        Route(f"{v2}/unread_count", unread_group_count, methods=["GET"]),
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
