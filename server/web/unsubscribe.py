"""``/mail/unsubscribe/{token}``: one-click unsubscribe from one kind of mail, with no sign-in (RFC 8058).

GET shows what the link does and a button; it never unsubscribes, since
mail scanners open links. POST unsubscribes: the mailbox provider's
one-click POST (body ``List-Unsubscribe=One-Click``) or the button. The
token is the capability (an HMAC over the person and the kind), so there is
no CSRF token to check. A token that does not verify answers 404.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import NotFound
from server.state import app_state
from server.web.templates import render

HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _page(request: Request, status: int = 200, **context: object) -> HTMLResponse:
    settings = app_state(request).settings
    body = render("unsubscribe.html", organisation=settings.organization.name,
                  settings_url=f"{settings.base_url}/settings/email", **context)
    return HTMLResponse(body, status_code=status, headers=HEADERS)


async def show(request: Request) -> Response:
    try:
        found = await app_state(request).services.mail.links.holder(request.path_params["token"])
    except NotFound:
        return _page(request, 404, state="unknown")
    return _page(request, state="confirm" if found.enabled else "done", label=found.label,
                 username=found.username, action=request.url.path)


async def unsubscribe(request: Request) -> Response:
    try:
        found = await app_state(request).services.mail.links.unsubscribe(request.path_params["token"])
    except NotFound:
        return _page(request, 404, state="unknown")
    return _page(request, state="done", label=found.label, username=found.username)


def routes() -> list[BaseRoute]:
    return [
        Route("/mail/unsubscribe/{token}", show, methods=["GET", "HEAD"]),
        Route("/mail/unsubscribe/{token}", unsubscribe, methods=["POST"]),
    ]
