"""Who may use the staff web app, and the plumbing every page shares: session, CSRF, rendering, errors.

The app reuses the browser session of the admin pages and the OAuth
sign-in (an HttpOnly, SameSite=Lax cookie whose digest is stored) and its
CSRF token. Every enabled employee gets in; a disabled or offboarded one
is refused on the next request, since the session is looked up each time.
Every POST carries the CSRF token, checked before anything is read.

A form whose input the services refuse is shown again with the message
next to the field and the input kept (``FormRefused``); any other refusal
is an HTML error page with the service's status and message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import BadRequest, Forbidden, InsideoutError
from server.edge.params import Params, read_params
from server.edge.redirects import see_other
from server.services.identities import reader_for
from server.services.review_roles import Reviewer
from server.signin.csrf import csrf_token, csrf_valid, set_csrf_cookie
from server.signin.sessions import CSRF_FIELD, current_session
from server.state import app_state as state
from server.web.staff.i18n import N_, current_language, gettext, negotiate, script_texts
from server.web.staff.templates import render
from storage.models import Account, Reader, Role, User

SIGN_IN_PATH: Final = "/auth/sign_in"
UNREAD_CAP: Final = 100  # the navigation says "100+" beyond
HOME_PATH: Final = "/home"
STALE_FORM: Final = N_("This form has expired (its security token is stale); your text is kept, send it again.")
HEADERS: Final = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: under no-referrer browsers send ``Origin: null`` with form POSTs,
    # which the CSRF check refuses. Other sites still get no Referer.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    # Scripts and styles only from our own files: no inline script, nothing from elsewhere.
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self';"
        " connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
}
# The notice a redirect names (``?notice=saved``), in English: translated when the page is made.
NOTICES: Final = {
    "password_set": "Your password is set. Sign in with it now.",
    "posted": N_("Posted."),
    "scheduled": N_("Scheduled."),
    "marked_important": N_("Marked important: it heads its audience's timelines, and they are told."),
    "unmarked_important": N_("No longer important."),
    "edited": N_("Saved: your edit is live."),
    "deleted": N_("Deleted."),
    "nominated": N_("Proposed for outside: it waits for review by a publisher."),
    "signed_out": N_("You are signed out."),
    "saved": N_("Saved."),
    "password_changed": N_("Your password is changed; your other sessions are signed out."),
    "read": N_("All notifications are marked as read."),
    "revoked": N_("Revoked: the app is signed out."),
    "session_ended": N_("That session is signed out."),
    "filter_saved": N_("Filter saved."),
    "filter_deleted": N_("Filter deleted."),
    "followed": N_("You follow them now."),
    "requested": N_("Your follow request is sent; they decide."),
    "unfollowed": N_("You no longer follow them."),
    "muted": N_("Muted: their posts and notifications are hidden from you."),
    "unmuted": N_("Unmuted."),
    "blocked": N_("Blocked."),
    "unblocked": N_("Unblocked."),
    "authorized": N_("Follow request accepted."),
    "rejected": N_("Follow request declined."),
    "profile_saved": N_("Your profile is saved."),
    "public_bio_saved": N_("The public bio is saved."),
    "joined": N_("You joined the department."),
    "left": N_("You left the department."),
}


@dataclass(frozen=True, slots=True)
class Person:
    """The signed-in employee. The web app always reads as the human; posting as another identity is per post."""

    account: Account
    user: User
    reviewer: Reviewer
    unread_notifications: int = 0
    """Counted (up to ``UNREAD_CAP``) after the ``notifications`` marker, for the navigation of GET pages."""
    waiting_reviews: int = 0
    """Items in the review queue this person decides on (up to ``UNREAD_CAP``), for the navigation of GET pages."""

    @property
    def reader(self) -> Reader:
        return reader_for(self.account, self.account, self.user)

    @property
    def is_admin(self) -> bool:
        return self.user.role is Role.ADMIN

    @property
    def reviews(self) -> bool:
        return self.reviewer.reviews


class SignInNeeded(Exception):
    """No live session: a page answers with the sign-in page, remembering where the person was heading."""


@dataclass(slots=True)
class FormRefused(Exception):
    """Input the services refused: the form is shown again, its input kept, the message next to ``field``."""

    field: str
    message: str
    status: int = 422


async def signed_in(request: Request) -> Person:
    session = await current_session(request)
    if session is None:
        raise SignInNeeded()
    services = state(request).services
    reviewing = services.review_queries.reviewer(session.account, session.user.role)
    if request.method != "GET":
        return Person(session.account, session.user, await reviewing)
    # One bounded count per page, from the marker the API's /api/v1/markers writes: apps and pages agree.
    # Read beside the reviewer's roles (two independent reads).
    reader = reader_for(session.account, session.account, session.user)
    reviewer, unread = await asyncio.gather(reviewing, services.notifications.unread_count(reader, UNREAD_CAP))
    waiting = await services.review_queries.open_count(reviewer, cap=UNREAD_CAP) if reviewer.reviews else 0
    return Person(session.account, session.user, reviewer, unread_notifications=unread, waiting_reviews=waiting)


def speak_the_readers_language(request: Request) -> str:
    """Choose the catalog for this request (``Accept-Language``), for texts made in Python and in templates."""
    language = negotiate(request.headers.get("accept-language"))
    current_language.set(language)
    return language


def page(request: Request, template: str, *, person: Person | None, status: int = 200, **context: Any) -> Response:
    language = speak_the_readers_language(request)
    token = csrf_token(request)
    notice_id = NOTICES.get(request.query_params.get("notice", ""))
    notice = gettext(notice_id) if notice_id else None
    settings = state(request).settings
    html = render(template, csrf_field=CSRF_FIELD, csrf=token.value, person=person, notice=notice,
                  path=request.url.path, site_name=settings.organization.name, page_language=language,
                  script_texts=script_texts() if person is not None else None, **context)
    response = HTMLResponse(html, status_code=status, headers=HEADERS)
    set_csrf_cookie(request, response, token)
    return response


def error_page(request: Request, error: InsideoutError, person: Person | None) -> Response:
    return page(request, "error.html", person=person, status=error.status_code, message=error.public_message)


def redirect(path: str, notice: str | None = None, query: Mapping[str, str] | None = None) -> Response:
    return see_other(path, HEADERS, notice, query)


def local_path(raw: str | None, default: str = HOME_PATH) -> str:
    """``raw`` if it is a path on this server; anything else (another site, a scheme) is ``default``."""
    if raw and raw.startswith("/") and not raw.startswith(("//", "/\\")) and "\\" not in raw and len(raw) < 2000:
        return raw
    return default


def to_sign_in(request: Request) -> Response:
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        wanted = local_path(request.headers.get("referer", "").removeprefix(str(request.base_url).rstrip("/")))
    return redirect(f"{SIGN_IN_PATH}?{urlencode({'next': wanted})}")


View = Callable[[Request, Person], Awaitable[Response]]
Action = Callable[[Request, Person, Params], Awaitable[Response]]
Refill = Callable[[Request, Person, Params, FormRefused], Awaitable[Response]]


def view(handler: View) -> Callable[[Request], Awaitable[Response]]:
    """A GET page: signed in (else the sign-in page), errors as an HTML page."""
    async def endpoint(request: Request) -> Response:
        person: Person | None = None
        speak_the_readers_language(request)
        try:
            person = await signed_in(request)
            return await handler(request, person)
        except SignInNeeded:
            return to_sign_in(request)
        except InsideoutError as error:
            return error_page(request, error, person)
    return endpoint


def action(handler: Action, refill: Refill | None = None) -> Callable[[Request], Awaitable[Response]]:
    """A POST: session, then the CSRF token, then the services' rules.

    With ``refill``, a stale token or refused input shows the form again with the input kept;
    without, they are an error page.
    """
    async def endpoint(request: Request) -> Response:
        person: Person | None = None
        form = Params({})
        speak_the_readers_language(request)
        try:
            form = await _form(request)
            person = await signed_in(request)
            if not csrf_valid(request, form.get_str(CSRF_FIELD)):
                raise FormRefused("form", gettext(STALE_FORM), 403)
            return await handler(request, person, form)
        except SignInNeeded:
            return to_sign_in(request)
        except FormRefused as refused:
            if refill is not None and person is not None:
                return await refill(request, person, form, refused)
            return error_page(request, Forbidden(refused.message), person)
        except InsideoutError as error:
            if refill is not None and person is not None and error.status_code in (400, 404, 409, 410, 413, 422):
                return await refill(request, person, form, FormRefused("form", error.public_message,
                                                                       error.status_code))
            return error_page(request, error, person)
        finally:
            await form.aclose()  # uploaded files spooled to disk
    return endpoint


@dataclass(frozen=True, slots=True)
class Get:
    path: str
    handler: View


@dataclass(frozen=True, slots=True)
class Post:
    path: str
    handler: Action
    refill: Refill | None = None


def gated(pages: Iterable[Get | Post]) -> list[BaseRoute]:
    """Every page of the table behind the session gate: a page cannot be added open by mistake."""
    return [Route(p.path, view(p.handler), methods=["GET"]) if isinstance(p, Get)
            else Route(p.path, action(p.handler, p.refill), methods=["POST"]) for p in pages]


async def _form(request: Request) -> Params:
    try:
        return await read_params(request)
    except BadRequest:
        return Params({})
