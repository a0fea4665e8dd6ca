"""``/notifications``: what happened to the person, newest first, and "mark all as read".

The page asks the notification service exactly what ``GET
/api/v1/notifications`` asks it (hidden senders left out, the same
``types`` filter and ``max_id`` paging) and renders the API's entities.
Reading is the ``notifications`` marker of ``/api/v1/markers``: "Mark all
as read" moves it to the newest notification, so apps see them read too,
and the navigation's count (``gate.signed_in``) counts after it.
``data-page="notifications"`` lets the page's script show the "new
notifications" bar from the person's notification stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from server.edge.params import Params
from server.services.notifications import NotificationQuery
from server.state import app_state as state
from server.web.staff.gate import Person, page, redirect
from server.web.staff.i18n import N_, gettext
from server.web.staff.posts import Entity, back_of, older_url, page_from
from storage.profiles import MarkerTimeline

PATH: Final = "/notifications"
# The tabs: a label (English, translated when shown) and the types it shows (none: every type).
TABS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (N_("All"), ()),
    (N_("Mentions"), ("mention",)),
    (N_("Favourites"), ("favourite",)),
    (N_("Boosts"), ("reblog",)),
    (N_("Follows"), ("follow", "follow_request")),
    (N_("Polls"), ("poll",)),
    (N_("Edits"), ("update",)),
    (N_("New posts"), ("status",)),
)
KNOWN_TYPES: Final = frozenset({t for _, types in TABS for t in types} | {"admin.sign_up", "admin.report"})


def tab_url(types: Sequence[str]) -> str:
    return PATH + (f"?{urlencode([('types', t) for t in types])}" if types else "")


def requested_types(request: Request) -> tuple[tuple[str, ...], str | None]:
    """The ``types`` asked for, in tab order, and a message when one is not a notification type."""
    asked = [t for t in request.query_params.getlist("types") if t]
    unknown = [t for t in asked if t not in KNOWN_TYPES]
    if unknown:
        return (), gettext("There is no notification type named \u201c%(name)s\u201d; choose one of the tabs.") % {
            "name": unknown[0][:40]}
    return tuple(sorted(set(asked))), None


async def show(request: Request, person: Person) -> Response:
    types, problem = requested_types(request)
    tabs = [(gettext(label), tab_url(wanted), tuple(sorted(wanted)) == types) for label, wanted in TABS]
    if problem is not None:
        return page(request, "notifications.html", person=person, status=400, tabs=tabs, problem=problem,
                    notifications=[], stances={}, older_url=None, back=back_of(request), last_read_id=0,
                    page_name="notifications")
    app = state(request)
    found = await app.services.notifications.page(person.reader, page_from(request), NotificationQuery(types=types))
    entities = await app.presenter.notifications(found.shown, person.account)
    marker = (await app.services.markers.get(person.account.id, [MarkerTimeline.NOTIFICATIONS])).get(
        MarkerTimeline.NOTIFICATIONS)
    return page(request, "notifications.html", person=person, tabs=tabs, problem=None, notifications=entities,
                stances=await _stances(request, entities), older_url=older_url(request, found.cursor_ids),
                back=back_of(request), last_read_id=marker.last_read_id if marker else 0,
                page_name="notifications")


async def _stances(request: Request, entities: Sequence[Entity]) -> dict[str, str]:
    """Where each post the notifications carry stands (inside, proposed, published...)."""
    services = state(request).services
    ids = [int(e["status"]["id"]) for e in entities if e.get("status")]
    statuses = await services.timelines.in_order(ids)
    return {str(k): v for k, v in (await services.review_queries.stances(statuses)).items()}


async def mark_read(request: Request, person: Person, form: Params) -> Response:
    """Every notification so far is read, here and in every app (the ``notifications`` marker)."""
    services = state(request).services
    newest = await services.notifications.newest_id(person.reader)
    if newest is not None:
        await services.markers.save(person.account.id, MarkerTimeline.NOTIFICATIONS, newest)
    return redirect(PATH, "read")
