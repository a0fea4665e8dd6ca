"""``/settings/apps`` and ``/settings/sessions``: what may use the person's account, and ending it.

An authorized app is a live access token the person granted (its app,
scopes, when, and the identity it acts as); **Revoke** ends it at once,
its push subscription with it, and an open stream at its next check. A
browser session is a sign-in of this web app or the admin pages; **Sign
out** ends one, and signing out the current one is the sign-out button's
work (this page marks it and offers no button for it). Another person's
token or session answers as a missing one.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import NotFound
from server.edge.params import Params
from server.signin.sessions import current_session
from server.state import app_state as state
from server.web.staff.gate import Person, page, redirect
from server.web.staff.i18n import N_, gettext

NO_SUCH_APP: Final = N_("This app authorization does not exist, or is revoked already.")
NO_SUCH_SESSION: Final = N_("This session does not exist, or is signed out already.")


def _id_of(request: Request, message: str) -> int:
    raw = str(request.path_params["id"])
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise NotFound(gettext(message))
    return int(raw)


async def apps(request: Request, person: Person) -> Response:
    grants = await state(request).services.tokens.granted(person.account.id)
    return page(request, "settings_apps.html", person=person, grants=grants)


async def revoke_app(request: Request, person: Person, form: Params) -> Response:
    token_id = _id_of(request, NO_SUCH_APP)
    if not await state(request).services.tokens.revoke_granted(person.account.id, token_id):
        raise NotFound(gettext(NO_SUCH_APP))
    return redirect("/settings/apps", "revoked")


async def sessions(request: Request, person: Person) -> Response:
    app = state(request)
    live = await app.services.web_sessions.of_account(person.account.id)
    this = await current_session(request)
    return page(request, "settings_sessions.html", person=person, sessions=live,
                current_id=this.session.id if this is not None else None)


async def end_session(request: Request, person: Person, form: Params) -> Response:
    session_id = _id_of(request, NO_SUCH_SESSION)
    this = await current_session(request)
    if this is not None and this.session.id == session_id:
        raise NotFound(gettext(NO_SUCH_SESSION))  # the sign-out button ends this one, with its cookie
    if not await state(request).services.web_sessions.end_of(person.account.id, session_id):
        raise NotFound(gettext(NO_SUCH_SESSION))
    return redirect("/settings/sessions", "session_ended")
