"""Who may use the admin pages, and the page plumbing every view shares: session, CSRF, rendering, errors.

The pages reuse the browser session of the OAuth sign-in (an HttpOnly,
SameSite=Lax cookie, a digest stored server-side) and its CSRF token,
bound to that session (server/signin/csrf.py); every POST must
carry the token, or it is refused with 403 before anything is read.
Only people who decide about publication get in: publishers and admins,
and a department's own publishers (who see only their departments' posts).
The one exception is ``/admin/mine`` (gated by ``signed_in_person``), where
every enabled employee nominates their own posts. Roles are re-read on
every request, so a demoted or disabled person loses the pages at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import BadRequest, Conflict, Forbidden, InsideoutError, InvalidInput
from server.admin.templates import render
from server.edge.params import Params, read_params
from server.edge.redirects import see_other
from server.services.field_errors import FieldErrors
from server.services.review_roles import Reviewer
from server.signin.csrf import csrf_token, csrf_valid, set_csrf_cookie
from server.signin.sessions import CSRF_FIELD, current_session
from server.state import app_state as state
from storage.models import Account, Role, User

SIGN_IN_PATH: Final = "/admin/sign_in"
MINE_PATH: Final = "/admin/mine"
NOT_ALLOWED: Final = "Only publishers and admins (or a department's publishers) can use the admin pages."
ADMIN_ONLY: Final = "Only admins can use this page."
HEADERS: Final = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    # Not no-referrer: under that policy browsers send ``Origin: null`` with form POSTs, which the CSRF
    # check (rightly) refuses. same-origin keeps admin URLs from leaking to other sites all the same.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    # No script at all; the chart is inline SVG markup, the styles one file of ours.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"
    ),
}
NOTICES: Final = {
    "approved": "Approved: the post is published.",
    "scheduled": "Approved for the chosen time.",
    "declined": "Declined; the author is told the reason.",
    "published": "Published.",
    "unpublished": "Unpublished: Delete was sent to the servers that had it.",
    "saved": "Saved.",
    "announcement_created": "The announcement is out: staff apps show it while it is active.",
    "announcement_ended": "The announcement has ended.",
    "announcement_deleted": "The announcement is deleted.",
    "marked_important": "Marked important: pinned atop its audience's timelines, and they are told.",
    "unmarked_important": "No longer important.",
    "forwarded": "Forwarded to the reported account's server.",
    "signed_out": "You are signed out.",
    "nominated": "Nominated: the post waits in the review queue.",
    "department_created": "The department is created.",
    "profile_saved": "Saved. Outside followers get the new public profile.",
    "password_set": "Your password is set. Sign in with it now.",
}
# The refusals a form shows next to its fields (the typed input kept) rather than on an error page.
FORM_REFUSALS: Final = (InvalidInput, Conflict)


@dataclass(frozen=True, slots=True)
class Admin:
    """The signed-in person: always the human (a web session never acts as the company or a department).

    Plain staff are ``Admin`` too, but only on the pages gated by ``signed_in_person``.
    """

    account: Account
    user: User
    reviewer: Reviewer

    @property
    def label(self) -> str:
        return self.reviewer.label

    @property
    def is_admin(self) -> bool:
        return self.user.role is Role.ADMIN

    @property
    def reviews(self) -> bool:
        return self.reviewer.reviews

    @property
    def landing(self) -> str:
        return "/admin/queue" if self.reviews else MINE_PATH


class SignInNeeded(Exception):
    """No live session: the view answers with a redirect to the sign-in page."""


async def signed_in_person(request: Request) -> Admin:
    """Any enabled employee with a live session (``current_session`` already refuses disabled users)."""
    session = await current_session(request)
    if session is None:
        raise SignInNeeded()
    reviewer = await state(request).services.review_queries.reviewer(session.account, session.user.role)
    return Admin(session.account, session.user, reviewer)


async def signed_in(request: Request) -> Admin:
    """The gate of every admin page but ``/admin/mine``: people who decide about publication."""
    admin = await signed_in_person(request)
    if not admin.reviews:
        raise Forbidden(NOT_ALLOWED)
    return admin


def require_admin(admin: Admin) -> None:
    if not admin.is_admin:
        raise Forbidden(ADMIN_ONLY)


def page(request: Request, template: str, *, status: int = 200, admin: Admin | None = None,
         **context: Any) -> Response:
    token = csrf_token(request)
    notice = NOTICES.get(request.query_params.get("notice", ""))
    html = render(template, csrf_field=CSRF_FIELD, csrf=token.value, admin=admin, notice=notice,
                  path=request.url.path, **context)
    response = HTMLResponse(html, status_code=status, headers=HEADERS)
    set_csrf_cookie(request, response, token)
    return response


def error_page(request: Request, error: InsideoutError, admin: Admin | None) -> Response:
    return page(request, "error.html", status=error.status_code, admin=admin, message=error.public_message)


def field_messages(refused: InsideoutError, field: str = "form") -> dict[str, str]:
    """Each refused field's message; a refusal that names no field is shown at ``field``."""
    if isinstance(refused, FieldErrors):
        return refused.fields
    return {field: refused.public_message}


def redirect(path: str, notice: str | None = None, query: Mapping[str, str] | None = None) -> Response:
    return see_other(path, HEADERS, notice, query)


def to_sign_in(request: Request) -> Response:
    wanted = request.url.path if request.method == "GET" else "/admin"
    return redirect(SIGN_IN_PATH, query={"next": wanted})


View = Callable[[Request, Admin], Awaitable[Response]]
Action = Callable[[Request, Admin, Params], Awaitable[Response]]
Gate = Callable[[Request], Awaitable[Admin]]


def view(handler: View, gate: Gate = signed_in) -> Callable[[Request], Awaitable[Response]]:
    """A GET page: signed in (else the sign-in page), allowed (else 403), errors as an HTML page."""
    async def endpoint(request: Request) -> Response:
        admin: Admin | None = None
        try:
            admin = await gate(request)
            return await handler(request, admin)
        except SignInNeeded:
            return to_sign_in(request)
        except InsideoutError as error:
            return error_page(request, error, admin)
    return endpoint


def action(handler: Action, gate: Gate = signed_in) -> Callable[[Request], Awaitable[Response]]:
    """A POST: the CSRF token first (403 before anything else), then the session, then the service's rules."""
    async def endpoint(request: Request) -> Response:
        admin: Admin | None = None
        try:
            form = await _form(request)
            if not csrf_valid(request, form.get_str(CSRF_FIELD)):
                raise Forbidden("Invalid or missing CSRF token; reload the page and try again.")
            admin = await gate(request)
            return await handler(request, admin, form)
        except SignInNeeded:
            return to_sign_in(request)
        except InsideoutError as error:
            return error_page(request, error, admin)
    return endpoint


@dataclass(frozen=True, slots=True)
class Get:
    """A page behind the gate: people who review (``signed_in``) unless the entry names a wider one."""

    path: str
    handler: View
    gate: Gate = signed_in


@dataclass(frozen=True, slots=True)
class Post:
    """A form's action behind the gate; its CSRF token is checked before the session is."""

    path: str
    handler: Action
    gate: Gate = signed_in


def gated(pages: Iterable[Get | Post]) -> list[BaseRoute]:
    """The routes of a whole table of pages, each behind its gate.

    Applied once to the table rather than route by route, so a new page
    cannot be left open: its handler takes the ``Admin`` that only the
    gate supplies, and a page without one has to be listed as open.
    """
    return [Route(p.path, view(p.handler, p.gate), methods=["GET"]) if isinstance(p, Get)
            else Route(p.path, action(p.handler, p.gate), methods=["POST"]) for p in pages]


async def _form(request: Request) -> Params:
    try:
        return await read_params(request)
    except BadRequest:
        return Params({})
