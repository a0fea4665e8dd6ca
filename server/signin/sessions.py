"""The browser side of the authorize flow and the admin pages: the sign-in session cookie and its names.

Sessions are random tokens kept as digests (server/signin/web_sessions.py); the cookie is
HttpOnly and SameSite=Lax, and on an https instance it is ``__Host-``
prefixed and Secure, so no other host or subdomain can set it. The CSRF
tokens of the forms are bound to this session (server/signin/csrf.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from starlette.requests import Request
from starlette.responses import Response

from server.signin.web_sessions import SESSION_MAX_AGE, SignedIn

if TYPE_CHECKING:
    from server.config import Settings
    from server.state import AppState

CSRF_FIELD: Final = "authenticity_token"


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.insideout
    return state


def secure_cookies(settings: Settings) -> bool:
    """Whether cookies are Secure and ``__Host-`` prefixed: on an https instance only (see csrf.py for why)."""
    return settings.base_url.startswith("https://")


def session_cookie_name(settings: Settings) -> str:
    return "__Host-insideout_session" if secure_cookies(settings) else "insideout_session"


def csrf_cookie_name(settings: Settings) -> str:
    return "__Host-insideout_csrf" if secure_cookies(settings) else "insideout_csrf"


def session_cookie(request: Request) -> str | None:
    """The session cookie's value if it could be one, live or not (``current_session`` checks that)."""
    raw = request.cookies.get(session_cookie_name(_state(request).settings))
    return raw if raw and len(raw) <= 256 else None


async def current_session(request: Request) -> SignedIn | None:
    """The signed-in employee, if the cookie names a live session of an enabled user."""
    raw = session_cookie(request)
    if raw is None:
        return None
    return await _state(request).services.web_sessions.current(raw)


async def start_session(request: Request, response: Response, account_id: int) -> None:
    state = _state(request)
    raw = await state.services.web_sessions.start(account_id)
    response.set_cookie(
        session_cookie_name(state.settings),
        raw,
        max_age=int(SESSION_MAX_AGE.total_seconds()),
        path="/",
        secure=secure_cookies(state.settings),
        httponly=True,
        samesite="lax",
    )
