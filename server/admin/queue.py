"""The review queue page: pending nominations and revisions (with their diff), announcers, and the decisions.

Decisions go through ``ReviewService`` exactly as the JSON API's do, so
the same roles, freshness checks and audit entries apply.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.admin.gate import Admin, page, redirect
from server.edge.dates import parse_datetime
from server.edge.pagination import page_of
from server.edge.params import Params, path_id
from server.state import app_state as state

QUEUE = "/admin/queue"
QUEUE_LIMITS = (20, 100)


async def show_queue(request: Request, admin: Admin) -> Response:
    app = state(request)
    params = Params({k: v for k, v in request.query_params.items() if v})
    wanted = page_of(params, QUEUE_LIMITS)
    entries = await app.services.review_queries.queue(admin.reviewer, wanted)
    choices = await app.services.review_queries.announcer_choices(admin.reviewer)
    more = len(entries) >= wanted.limit or wanted.min_id is not None
    older = f"{QUEUE}?max_id={entries[-1].item.id}" if entries and more else None
    paged = wanted.max_id is not None or wanted.min_id is not None
    newer = f"{QUEUE}?min_id={entries[0].item.id}" if entries and paged else (QUEUE if paged else None)
    return page(request, "queue.html", admin=admin, entries=entries, choices=choices, older=older, newer=newer)


def chosen_announcers(form: Params) -> list[str] | None:
    """None keeps the default; the form always says it sent a choice, so unticking every box means none."""
    if not form.get_str("announcers_sent"):
        return None
    return form.get_str_list("announcers")


async def approve(request: Request, admin: Admin, form: Params) -> Response:
    raw_at = (form.get_str("scheduled_at") or "").strip()
    at = parse_datetime(raw_at, "scheduled_at") if raw_at else None
    item = await state(request).services.review.approve(
        admin.reviewer, path_id(request), at=at, announcers=chosen_announcers(form),
        reason=(form.get_str("reason") or "").strip() or None,
    )
    return redirect("/admin/queue", "scheduled" if item.state.value == "scheduled" else "approved")


async def decline(request: Request, admin: Admin, form: Params) -> Response:
    await state(request).services.review.decline(admin.reviewer, path_id(request), form.get_str("reason") or "")
    return redirect("/admin/queue", "declined")
