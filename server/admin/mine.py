"""``/admin/mine``: every employee's own shareable posts, their publication state, and a nominate button.

The one admin page plain staff may use. It lists only the signed-in
person's public and unlisted posts (the admin status query never returns
private or direct ones), and nominating calls ``ReviewService.nominate``,
the same call as the JSON API's nominate, so the queue item, the audit
entry and the notices are the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import NotFound
from server.admin.gate import MINE_PATH, Admin, page, redirect
from server.edge.params import Params, path_id
from server.state import app_state as state
from storage.models import Page, PublicationState, Status
from storage.review import ReviewItem, ReviewKind

MINE_PAGE = Page(limit=50)
NOT_YOURS = "No such post of yours."


@dataclass(frozen=True, slots=True)
class MyPost:
    status: Status
    state: str
    """internal, nominated, published or retracted."""
    revision_pending: bool
    can_nominate: bool


def my_post(status: Status, item: ReviewItem | None) -> MyPost:
    nominated = item is not None and item.kind is ReviewKind.PUBLICATION
    shown = "nominated" if nominated else status.publication_state.value
    return MyPost(status, shown, item is not None and item.kind is ReviewKind.REVISION,
                  item is None and status.publication_state is PublicationState.INTERNAL)


async def show_mine(request: Request, admin: Admin) -> Response:
    own = await state(request).services.review_queries.own_posts(admin.account, MINE_PAGE)
    return page(request, "mine.html", admin=admin, posts=[my_post(status, item) for status, item in own])


async def nominate(request: Request, admin: Admin, form: Params) -> Response:
    services = state(request).services
    status_id = path_id(request)
    # Someone else's post, or a private one, answers as a missing one: this page shows neither.
    if await services.review_queries.own_post(admin.account, status_id) is None:
        raise NotFound(NOT_YOURS)
    await services.review.nominate(admin.account, status_id)
    return redirect(MINE_PATH, "nominated")
