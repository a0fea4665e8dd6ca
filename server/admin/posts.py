"""All shareable posts (public and unlisted only) with filters, publishing (confirmed, with a reason) and unpublishing.

Listing goes through ``ReviewQueries.statuses`` (which scopes department
publishers to their departments and never returns private or direct
posts). Publishing from the list takes two steps: the button opens a
confirmation page showing the post, whose form asks for a reason (required;
it goes into the audit log), and only that form publishes, through
``ReviewService.publish``, the same call as the JSON API.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from server.admin.gate import FORM_REFUSALS, Admin, field_messages, page, redirect
from server.edge.dates import parse_datetime
from server.edge.pagination import STATUSES_LIMITS, page_of
from server.edge.params import Params, path_id
from server.edge.status_filters import status_filter
from server.state import app_state as state

ORGANISATIONAL_KINDS = ("company", "department")
FILTERS = ("author", "department", "hashtag", "since", "until", "state")
NEED_REASON = "Give a reason: it goes into the audit log with your decision."


async def show_statuses(request: Request, admin: Admin) -> Response:
    app = state(request)
    params = Params({k: v for k, v in request.query_params.items() if v})
    where = await status_filter(request, params)
    found = await app.services.review_queries.statuses(admin.reviewer, where, page_of(params, STATUSES_LIMITS))
    authors = await app.services.review_queries.authors(found)
    departments = await app.services.review_queries.departments(admin.reviewer)
    filters = {name: request.query_params.get(name, "") for name in FILTERS}
    older = {**{k: v for k, v in filters.items() if v}, "max_id": str(found[-1].id)} if found else None
    newer = ({**{k: v for k, v in filters.items() if v}, "min_id": str(found[0].id)}
             if found and (params.get_str("max_id") or params.get_str("min_id")) else None)
    important = await app.services.important_posts.current([s.id for s in found])
    return page(request, "statuses.html", admin=admin, statuses=found, authors=authors, departments=departments,
                filters=filters, older=older, newer=newer, important=important,
                organisational=ORGANISATIONAL_KINDS)


async def mark_important(request: Request, admin: Admin, form: Params) -> Response:
    """Pin a post of the company or a department atop its audience's timelines until the time given (UTC)."""
    raw = form.get_str("until")
    until = parse_datetime(raw, "until") if raw else None
    await state(request).services.important_posts.mark(admin.reviewer, path_id(request), until)
    return redirect(_back(form), "marked_important")


async def unmark_important(request: Request, admin: Admin, form: Params) -> Response:
    await state(request).services.important_posts.unmark(admin.reviewer, path_id(request))
    return redirect(_back(form), "unmarked_important")


def _back(form: Params) -> str:
    back = form.get_str("back") or "/admin/statuses"
    return back if back.startswith("/admin/") and "//" not in back else "/admin/statuses"


async def confirm_publish(request: Request, admin: Admin) -> Response:
    return await _confirmation(request, admin, back=_back(Params(dict(request.query_params))))


async def _confirmation(request: Request, admin: Admin, *, back: str, status: int = 200,
                        errors: Mapping[str, str] | None = None, reason: str = "") -> Response:
    app = state(request)
    post = (await app.services.review_queries.revisions(admin.reviewer, path_id(request))).status
    author = (await app.services.review_queries.authors([post])).get(post.account_id)
    return page(request, "publish.html", status=status, admin=admin, post=post, author=author, back=back,
                errors=errors or {}, reason=reason)


async def publish(request: Request, admin: Admin, form: Params) -> Response:
    reason = (form.get_str("reason") or "").strip()
    back = _back(form)
    if not reason:
        return await _confirmation(request, admin, back=back, status=422, errors={"reason": NEED_REASON})
    try:
        await state(request).services.review.publish(admin.reviewer, path_id(request), reason=reason)
    except FORM_REFUSALS as refused:
        return await _confirmation(request, admin, back=back, status=refused.status_code,
                                   errors=field_messages(refused), reason=reason)
    return redirect(back, "published")


async def unpublish(request: Request, admin: Admin, form: Params) -> Response:
    await state(request).services.review.unpublish(
        admin.reviewer, path_id(request), reason=(form.get_str("reason") or "").strip() or None)
    return redirect(_back(form), "unpublished")
