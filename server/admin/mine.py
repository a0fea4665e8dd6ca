"""``/admin/mine``: every employee's own shareable posts, their publication state, and a nominate button.

The one admin page plain staff may use. It lists only the signed-in
person's public and unlisted posts (the admin status query never returns
private or direct ones), and nominating calls ``ReviewService.nominate``,
the same call as the JSON API's nominate, so the queue item, the audit
entry and the notices are the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import NotFound
from server.admin.gate import MINE_PATH, Admin, page, redirect
from server.mastodon.common import path_id
from server.mastodon.params import Params
from server.services.review import SHAREABLE
from server.state import app_state as state
from storage.models import Page, PublicationState, Status
from storage.protocols import Storage
from storage.review import AdminStatusFilter, ReviewItem, ReviewKind

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


async def my_posts(storage: Storage, admin: Admin) -> Sequence[MyPost]:
    ids = await storage.review.admin_status_ids(AdminStatusFilter(account_id=admin.account.id), MINE_PAGE)
    found = await storage.statuses.get_many(ids)
    return [my_post(found[i], await storage.review.open_for(i)) for i in ids if i in found]


async def show_mine(request: Request, admin: Admin) -> Response:
    return page(request, "mine.html", admin=admin, posts=await my_posts(state(request).storage, admin))


async def nominate(request: Request, admin: Admin, form: Params) -> Response:
    app = state(request)
    status_id = path_id(request)
    status = await app.storage.statuses.get(status_id)
    # Someone else's post, or a private one, answers as a missing one: this page shows neither.
    if (status is None or status.account_id != admin.account.id or status.deleted_at is not None
            or not status.local or status.visibility not in SHAREABLE or status.reblog_of_id is not None):
        raise NotFound(NOT_YOURS)
    await app.services.review.nominate(admin.account, status_id)
    return redirect(MINE_PATH, "nominated")
