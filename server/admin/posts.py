"""All shareable posts (public and unlisted only) with filters, and the one-click publish/unpublish toggle.

Listing goes through ``ReviewQueries.statuses`` (which scopes department
publishers to their departments and never returns private or direct
posts); the toggle through ``ReviewService.publish``/``unpublish``, the
same calls as the JSON API.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.admin.gate import Admin, page, redirect
from server.edge.pagination import STATUSES_LIMITS, page_of
from server.edge.params import Params, path_id
from server.edge.status_filters import status_filter
from server.state import app_state as state

FILTERS = ("author", "department", "hashtag", "since", "until", "state")


async def show_statuses(request: Request, admin: Admin) -> Response:
    app = state(request)
    params = Params({k: v for k, v in request.query_params.items() if v})
    where = await status_filter(request, params)
    found = await app.services.review_queries.statuses(admin.reviewer, where, page_of(params, STATUSES_LIMITS))
    authors = await app.services.review_queries.authors(found)
    departments = await app.services.review_queries.departments(admin.reviewer)
    filters = {name: request.query_params.get(name, "") for name in FILTERS}
    older = {**{k: v for k, v in filters.items() if v}, "max_id": str(found[-1].id)} if found else None
    return page(request, "statuses.html", admin=admin, statuses=found, authors=authors, departments=departments,
                filters=filters, older=older)


def _back(form: Params) -> str:
    back = form.get_str("back") or "/admin/statuses"
    return back if back.startswith("/admin/") and "//" not in back else "/admin/statuses"


async def publish(request: Request, admin: Admin, form: Params) -> Response:
    await state(request).services.review.publish(
        admin.reviewer, path_id(request), reason=(form.get_str("reason") or "").strip() or None)
    return redirect(_back(form), "published")


async def unpublish(request: Request, admin: Admin, form: Params) -> Response:
    await state(request).services.review.unpublish(
        admin.reviewer, path_id(request), reason=(form.get_str("reason") or "").strip() or None)
    return redirect(_back(form), "unpublished")
