"""The browser side of the authorize flow: the sign-in session cookie and CSRF protection.

Sessions are random tokens kept as digests by ``TokenStore``; the cookie is
HttpOnly and SameSite=Lax, and on an https instance it is ``__Host-``
prefixed and Secure, so no other host or subdomain can set it. CSRF is a
double-submit token: a random cookie repeated in a hidden form field. With
the same cookie flags an attacker can neither read nor plant it; on top of
that a cross-site ``Origin`` is refused.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from starlette.requests import Request
from starlette.responses import Response

from server.mastodon.auth import digest_token, new_token
from server.mastodon.oauth.throttle import utc_now
from storage.models import Account, User, WebSession

if TYPE_CHECKING:
    from server.app import AppState
    from server.config import Settings

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


def _secure(settings: Settings) -> bool:
    return settings.base_url.startswith("https://")


def session_cookie_name(settings: Settings) -> str:
    return "__Host-insideout_session" if _secure(settings) else "insideout_session"


def csrf_cookie_name(settings: Settings) -> str:
    return "__Host-insideout_csrf" if _secure(settings) else "insideout_csrf"


async def current_session(request: Request) -> SignedIn | None:
    """The signed-in employee, if the cookie names a live session of an enabled user."""
    state = _state(request)
    raw = request.cookies.get(session_cookie_name(state.settings))
    if not raw or len(raw) > 256:
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
        secure=_secure(state.settings),
        httponly=True,
        samesite="lax",
    )


def csrf_token(request: Request) -> tuple[str, bool]:
    """The request's CSRF token and whether it is new (and so must be set as a cookie)."""
    existing = request.cookies.get(csrf_cookie_name(_state(request).settings))
    if existing and 20 <= len(existing) <= 100:
        return existing, False
    return new_token(), True


def set_csrf_cookie(request: Request, response: Response, token: str) -> None:
    settings = _state(request).settings
    response.set_cookie(
        csrf_cookie_name(settings), token, path="/", secure=_secure(settings), httponly=True, samesite="lax"
    )


def csrf_valid(request: Request, submitted: str | None) -> bool:
    settings = _state(request).settings
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/") != settings.base_url:
        return False
    cookie = request.cookies.get(csrf_cookie_name(settings))
    if not cookie or not submitted:
        return False
    return secrets.compare_digest(cookie.encode(), submitted.encode())
