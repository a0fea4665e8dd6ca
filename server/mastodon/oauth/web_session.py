"""The browser side of the authorize flow and the admin pages: the sign-in session cookie and its names.

Sessions are random tokens kept as digests by ``TokenStore``; the cookie is
HttpOnly and SameSite=Lax, and on an https instance it is ``__Host-``
prefixed and Secure, so no other host or subdomain can set it. The CSRF
tokens of the forms are bound to this session (server/mastodon/oauth/csrf.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from starlette.requests import Request
from starlette.responses import Response

from server.mastodon.auth import digest_token, new_token
from server.sign_in_throttle import utc_now
from storage.models import Account, User, WebSession

if TYPE_CHECKING:
    from server.config import Settings
    from server.state import AppState

SESSION_MAX_AGE: Final = timedelta(days=14)
CSRF_FIELD: Final = "authenticity_token"


@dataclass(frozen=True, slots=True)
class SignedIn:
    account: Account
    user: User
    session: WebSession


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
    state = _state(request)
    raw = session_cookie(request)
    if raw is None:
        return None
    session = await state.storage.tokens.get_session(digest_token(raw))
    if session is None or session.revoked_at is not None or session.created_at + SESSION_MAX_AGE < utc_now():
        return None
    account = await state.storage.accounts.get(session.account_id)
    user = await state.storage.accounts.get_user(session.account_id)
    if account is None or user is None or user.disabled:
        return None
    return SignedIn(account, user, session)


async def start_session(request: Request, response: Response, account_id: int) -> None:
    state = _state(request)
    raw = new_token()
    await state.storage.tokens.create_session(digest_token(raw), account_id)
    response.set_cookie(
        session_cookie_name(state.settings),
        raw,
        max_age=int(SESSION_MAX_AGE.total_seconds()),
        path="/",
        secure=secure_cookies(state.settings),
        httponly=True,
        samesite="lax",
    )
