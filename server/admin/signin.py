"""``/admin/sign_in`` and ``/admin/sign_out``: the same credentials check and throttle rules as the OAuth form.

A successful sign-in starts the shared browser session. Publishers and
admins go where they were heading (the queue by default); plain staff
may only nominate their own posts, so they always land on
``/admin/mine``. Signing out revokes the session server-side, not just
the cookie.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import BadRequest
from server.admin.gate import MINE_PATH, SignInNeeded, page, redirect, signed_in_person
from server.edge.params import Params, read_params
from server.signin.csrf import csrf_valid
from server.signin.pages import SsoOffer
from server.signin.password import Outcome, throttled_sign_in
from server.signin.sessions import CSRF_FIELD, secure_cookies, session_cookie_name, start_session
from server.signin.sso_routes import start_url
from server.signin.throttle import Verdict
from server.state import app_state as state

LANDING = "/admin"
SIGN_IN_PATH = "/admin/sign_in"
BREAK_GLASS = "break_glass"


def _next(raw: str | None) -> str:
    # Only our own admin paths: an open redirect would turn the sign-in page into a phishing aid.
    if raw and raw.startswith("/admin") and "//" not in raw and "\\" not in raw:
        return raw
    return LANDING


def _landing(reviews: bool, next_path: str) -> str:
    # Staff would meet a 403 anywhere else, so the wanted page only counts for those who review.
    if reviews or next_path.startswith(MINE_PATH):
        return next_path
    return MINE_PATH


class SignInPages:
    async def show(self, request: Request) -> Response:
        next_path = _next(request.query_params.get("next"))
        try:
            admin = await signed_in_person(request)
        except SignInNeeded:
            return self._form(request, next_path=next_path, break_glass=request.query_params.get(BREAK_GLASS) == "1")
        return redirect(_landing(admin.reviews, next_path))

    async def submit(self, request: Request) -> Response:
        form = await _form(request)
        next_path = _next(form.get_str("next"))
        break_glass = form.get_str(BREAK_GLASS) == "1"
        if not csrf_valid(request, form.get_str(CSRF_FIELD)):
            return self._form(request, next_path=next_path, status=403, break_glass=break_glass,
                              error="Invalid or missing CSRF token; reload the page and try again.")
        login, password = form.get_str("login") or "", form.get_str("password") or ""
        client = request.client.host if request.client else "-"
        app = state(request)
        result = await throttled_sign_in(app, client, login, password)
        if isinstance(result, Verdict):
            response = self._form(request, next_path=next_path, status=429, break_glass=break_glass,
                                  error="Too many sign-in attempts; wait a few minutes.")
            response.headers["Retry-After"] = str(int(result.retry_after) + 1)
            return response
        if result.outcome is Outcome.DISABLED:
            return self._form(request, next_path=next_path, status=403, break_glass=break_glass,
                              error="Your login is currently disabled.")
        if result.outcome is Outcome.PASSWORD_OFF:
            return self._form(request, next_path=next_path, status=403,
                              error=f"Passwords are not used here: sign in with {app.services.sso.display_name}.")
        if result.outcome is not Outcome.OK or result.account is None or result.user is None:
            return self._form(request, next_path=next_path, status=422, break_glass=break_glass,
                              error="Invalid email, username or password.")
        reviews = (await app.services.review_queries.reviewer(result.account, result.user.role)).reviews
        response = redirect(_landing(reviews, next_path))
        await start_session(request, response, result.account.id)
        return response

    def _form(self, request: Request, *, next_path: str, status: int = 200, error: str | None = None,
              break_glass: bool = False) -> Response:
        sso = state(request).services.sso
        offer = SsoOffer(sso.display_name, start_url(f"{SIGN_IN_PATH}?{urlencode({'next': next_path})}"),
                         password_form=sso.password_login) if sso.enabled else None
        # Break-glass: /admin/sign_in?break_glass=1 shows the password form when single sign-on is the only way.
        return page(request, "sign_in.html", status=status, error=error, next_path=next_path, sso=offer,
                    password_form=offer is None or offer.password_form or break_glass, break_glass=break_glass)


async def sign_out(request: Request) -> Response:
    form = await _form(request)
    if not csrf_valid(request, form.get_str(CSRF_FIELD)):
        return page(request, "error.html", status=403, message="Invalid or missing CSRF token.")
    app = state(request)
    cookie = session_cookie_name(app.settings)
    raw = request.cookies.get(cookie)
    if raw and len(raw) <= 256:
        await app.services.web_sessions.end(raw)
    response = redirect("/admin/sign_in", "signed_out")
    response.delete_cookie(cookie, path="/", secure=secure_cookies(app.settings), httponly=True,
                           samesite="lax")
    return response


async def _form(request: Request) -> Params:
    try:
        return await read_params(request)
    except BadRequest:
        return Params({})


__all__ = ["SignInPages", "sign_out"]
