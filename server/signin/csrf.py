"""CSRF tokens of the browser forms (OAuth sign-in and consent, every admin page), bound to the session.

A form's token is an HMAC, under the instance's CSRF secret, of what the
request's own cookies say about the browser:

* signed in (a session cookie): the session token itself;
* not yet (the sign-in forms): a random nonce, set as an HttpOnly cookie
  with the first form.

A POST passes when, in this order:

1. its ``Origin``, if it sends one, is ours (``base_url``);
2. its token equals the one derived from its own cookies (constant-time).

A plain double-submit check (cookie == field) trusts any cookie, and
whoever can *write* a cookie for our host can plant one with a matching
field: a sibling subdomain, or a man-in-the-middle on http. Here a planted
CSRF cookie proves nothing, and the token of the victim's session needs
the secret, which never leaves the server. Planting a session cookie
instead replaces the victim's session rather than riding it. What remains
is a sign-in form posted with a planted nonce and its token (logging the
victim in as the attacker), and only from a request without ``Origin``.

Cookie names: on an https instance both cookies are ``__Host-`` prefixed
(Secure, Path=/, no Domain), so no other host can set them at all. An
http base URL (development, tests, a plain-http intranet) gets plain names:
browsers refuse Secure cookies over http except from localhost, and
non-browser clients (httpx, requests) never send a Secure cookie over
http, so ``__Host-`` there would break signing in; the binding above is
what protects those instances.

The secret is 32 random bytes made on the first start and kept in
``instance_meta``, so every server process signs and checks with the same
key; each process reads it once, when the app starts (server/signin/csrf_key.py).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from server.services.access_tokens import new_token
from server.signin.sessions import csrf_cookie_name, secure_cookies, session_cookie

if TYPE_CHECKING:
    from server.state import AppState


@dataclass(frozen=True, slots=True)
class CsrfToken:
    value: str
    new_nonce: str | None = None
    """A nonce made for this token, to be set as the CSRF cookie with the page (``set_csrf_cookie``)."""


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.insideout
    return state


def _nonce(request: Request) -> str | None:
    nonce = request.cookies.get(csrf_cookie_name(_state(request).settings))
    return nonce if nonce and 20 <= len(nonce) <= 100 else None


def _expected(request: Request) -> str | None:
    """The token this request's cookies call for; None without a session or a nonce."""
    key = _state(request).csrf_key
    session = session_cookie(request)
    if session is not None:
        return key.sign(f"session:{session}")
    nonce = _nonce(request)
    return key.sign(f"nonce:{nonce}") if nonce is not None else None


def csrf_token(request: Request) -> CsrfToken:
    """The token for the forms of the page answering ``request``."""
    expected = _expected(request)
    if expected is not None:
        return CsrfToken(expected)
    nonce = new_token()
    return CsrfToken(_state(request).csrf_key.sign(f"nonce:{nonce}"), nonce)


def set_csrf_cookie(request: Request, response: Response, token: CsrfToken) -> None:
    if token.new_nonce is None:
        return
    settings = _state(request).settings
    response.set_cookie(csrf_cookie_name(settings), token.new_nonce, path="/", secure=secure_cookies(settings),
                        httponly=True, samesite="lax")


def csrf_valid(request: Request, submitted: str | None) -> bool:
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/") != _state(request).settings.base_url:
        return False
    expected = _expected(request)
    if expected is None or not submitted or len(submitted) > 100 or not submitted.isascii():
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


__all__ = ["CsrfToken", "csrf_token", "csrf_valid", "set_csrf_cookie"]
