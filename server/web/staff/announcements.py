"""The announcements banner atop the home timeline: dismiss, and react with an emoji (toggled).

The same ``AnnouncementService`` calls as ``/api/v1/announcements``: only
active announcements for the signed-in person, and their own dismissals
and reactions. Plain forms (POST, CSRF), so it works without script; each
returns to the page it was sent from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from server.edge.params import Params, path_id
from server.present.entities.announcement import announcement_entity
from server.state import app_state as state
from server.web.staff.gate import Person, local_path, redirect

# Offered on every announcement, beside the reactions it already has.
COMMON_REACTIONS = ("👍", "❤️", "🎉", "😂", "😮", "🙏")


async def banner(request: Request, person: Person) -> list[dict[str, Any]]:
    """The active, undismissed announcements for this person, as the API's entities, each with the reactions
    to offer (its own first, then the common ones not used yet)."""
    app = state(request)
    views = await app.services.announcements.active_for(person.account)
    shown = []
    for view in views:
        entity = announcement_entity(view, app.settings.base_url)
        entity["offered"] = _offered(entity["reactions"])
        shown.append(entity)
    return shown


def _offered(reactions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    used = {r["name"] for r in reactions}
    return [*reactions, *({"name": name, "count": 0, "me": False} for name in COMMON_REACTIONS if name not in used)]


def _back(request: Request, form: Params) -> Response:
    return redirect(local_path(form.get_str("back"), "/home"))


async def dismiss(request: Request, person: Person, form: Params) -> Response:
    await state(request).services.announcements.dismiss(person.account, path_id(request))
    return _back(request, form)


async def react(request: Request, person: Person, form: Params) -> Response:
    """``name`` is toggled: added, or taken back when ``undo`` is set (the button of one's own reaction)."""
    service = state(request).services.announcements
    name = form.get_str("name") or ""
    if form.get_str("undo"):
        await service.unreact(person.account, path_id(request), name)
    else:
        await service.react(person.account, path_id(request), name)
    return _back(request, form)
