"""``/auth/sso/start`` and ``/auth/sso/callback``: the browser's round trip to the identity provider.

Every sign-in page (the OAuth page every Mastodon app opens, the admin
sign-in, the web app) links to ``/auth/sso/start?return_to=<its own path>``.
The start stores the flow's secrets and gives this browser a short-lived
cookie binding them to it; the callback needs that cookie, lets the
provider prove who signed in (server/signin/sso.py), starts the usual web
session and goes back to ``return_to``, a path on this server only.

The binding cookie is SameSite=Lax so that it rides along on the provider's
top-level redirect back to us, and it is cleared whatever the outcome.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import Forbidden, NotFound, RemoteError, SignInRefused
from server.signin.pages import SECURITY_HEADERS, error_page
from server.signin.sessions import secure_cookies, start_session
from server.state import app_state

START_PATH = "/auth/sso/start"
BINDING_SECONDS = 600


def binding_cookie_name(request: Request) -> str:
    return "__Host-insideout_sso" if secure_cookies(app_state(request).settings) else "insideout_sso"


def start_url(return_to: str) -> str:
    """Where a sign-in page's "Sign in with ..." button goes."""
    return f"{START_PATH}?{urlencode({'return_to': return_to})}"


async def start(request: Request) -> Response:
    sso = app_state(request).services.sso
    if not sso.enabled:
        return error_page("Single sign-on is not set up on this server.", status=404)
    try:
        started = await sso.begin(request.query_params.get("return_to"))
    except RemoteError:
        return error_page(f"{sso.display_name} cannot be reached right now; try again in a moment.", status=502)
    response = RedirectResponse(started.authorization_url, status_code=303, headers=SECURITY_HEADERS)
    response.set_cookie(
        binding_cookie_name(request), started.browser_token, max_age=BINDING_SECONDS, path="/",
        secure=secure_cookies(app_state(request).settings), httponly=True, samesite="lax",
    )
    return response


async def callback(request: Request) -> Response:
    sso = app_state(request).services.sso
    query = request.query_params
    try:
        finished = await sso.finish(query.get("state"), query.get("code"), request.cookies.get(
            binding_cookie_name(request)), provider_error=query.get("error"))
    except NotFound:
        response: Response = error_page("Single sign-on is not set up on this server.", status=404)
    except (SignInRefused, Forbidden) as refused:
        response = error_page(refused.public_message, status=refused.status_code)
    except RemoteError:
        response = error_page(f"{sso.display_name} cannot be reached right now; try again in a moment.",
                              status=502)
    else:
        response = RedirectResponse(finished.return_to, status_code=303, headers=SECURITY_HEADERS)
        await start_session(request, response, finished.employee.account.id)
    response.delete_cookie(binding_cookie_name(request), path="/", secure=secure_cookies(app_state(request).settings),
                           httponly=True, samesite="lax")
    return response


def routes() -> list[BaseRoute]:
    return [
        Route(START_PATH, start, methods=["GET"]),
        Route("/auth/sso/callback", callback, methods=["GET"]),
    ]
