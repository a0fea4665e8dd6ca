"""``/``, ``/auth/sign_in`` and ``/auth/sign_out``: the way into the web app.

The same credentials check, throttle and single sign-on as the admin
pages and the OAuth form, and the same session. After signing in, people
go where they were heading (a path on this server) or to their home
timeline. ``/`` is the home timeline when signed in and the sign-in page
when not.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import BadRequest
from server.edge.params import Params, read_params
from server.signin.csrf import csrf_valid
from server.signin.pages import SsoOffer
from server.signin.password import Outcome, throttled_sign_in
from server.signin.sessions import CSRF_FIELD, current_session, secure_cookies, session_cookie_name, start_session
from server.signin.sso_routes import start_url
from server.signin.throttle import Verdict
from server.state import app_state as state
from server.web.staff.gate import HOME_PATH, SIGN_IN_PATH, local_path, page, redirect, speak_the_readers_language
from server.web.staff.i18n import gettext

BREAK_GLASS = "break_glass"


async def root(request: Request) -> Response:
    if await current_session(request) is None:
        return await show(request)
    return redirect(HOME_PATH)


async def show(request: Request) -> Response:
    next_path = _next(request.query_params.get("next"))
    if await current_session(request) is not None:
        return redirect(next_path)
    return _form(request, next_path=next_path, break_glass=request.query_params.get(BREAK_GLASS) == "1")


def _next(raw: str | None) -> str:
    wanted = local_path(raw, HOME_PATH)
    # Back to the sign-in page, or to /, would only loop.
    return HOME_PATH if wanted == "/" or wanted.startswith(("/auth/", "/?")) else wanted


async def submit(request: Request) -> Response:
    speak_the_readers_language(request)  # an open route: no gate chose the language for its messages
    form = await _read(request)
    next_path = _next(form.get_str("next"))
    break_glass = form.get_str(BREAK_GLASS) == "1"
    login, password = form.get_str("login") or "", form.get_str("password") or ""

    def again(status: int, error: str) -> Response:
        return _form(request, next_path=next_path, status=status, error=error, break_glass=break_glass, login=login)

    if not csrf_valid(request, form.get_str(CSRF_FIELD)):
        return again(403, gettext("This form has expired; sign in again."))
    client = request.client.host if request.client else "-"
    app = state(request)
    result = await throttled_sign_in(app, client, login, password)
    if isinstance(result, Verdict):
        response = again(429, gettext("Too many sign-in attempts; wait a few minutes."))
        response.headers["Retry-After"] = str(int(result.retry_after) + 1)
        return response
    if result.outcome is Outcome.DISABLED:
        return again(403, gettext("Your login is currently disabled."))
    if result.outcome is Outcome.PASSWORD_OFF:
        return again(403, gettext("Passwords are not used here: sign in with %(name)s.")
                     % {"name": app.services.sso.display_name})
    if result.outcome is not Outcome.OK or result.account is None or result.user is None:
        return again(422, gettext("Invalid email, username or password."))
    response = redirect(next_path)
    await start_session(request, response, result.account.id)
    return response


def _form(request: Request, *, next_path: str, status: int = 200, error: str | None = None,
          break_glass: bool = False, login: str = "") -> Response:
    sso = state(request).services.sso
    offer = SsoOffer(sso.display_name, start_url(f"{SIGN_IN_PATH}?{urlencode({'next': next_path})}"),
                     password_form=sso.password_login) if sso.enabled else None
    return page(request, "sign_in.html", person=None, status=status, error=error, next_path=next_path, sso=offer,
                password_form=offer is None or offer.password_form or break_glass, break_glass=break_glass,
                login=login)


async def sign_out(request: Request) -> Response:
    form = await _read(request)
    app = state(request)
    cookie = session_cookie_name(app.settings)
    if not csrf_valid(request, form.get_str(CSRF_FIELD)):
        return redirect(HOME_PATH)
    raw = request.cookies.get(cookie)
    if raw and len(raw) <= 256:
        await app.services.web_sessions.end(raw)
    response = redirect(SIGN_IN_PATH, "signed_out")
    response.delete_cookie(cookie, path="/", secure=secure_cookies(app.settings), httponly=True, samesite="lax")
    return response


async def _read(request: Request) -> Params:
    try:
        return await read_params(request)
    except BadRequest:
        return Params({})
