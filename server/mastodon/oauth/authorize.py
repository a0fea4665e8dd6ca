"""``GET/POST /oauth/authorize`` and ``POST /oauth/sign_in``: the code flow's browser half.

The client and its redirect URI are checked first; while either is in doubt
the answer is an error page, never a redirect (RFC 6749 section 4.1.2.1).
After that, errors go back to the app as ``?error=...&state=...``. PKCE is
S256 only, as in Mastodon. Codes live ten minutes and are stored as digests.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from activitypub.errors import BadRequest
from server.edge.errors import OAUTH_DESCRIPTIONS, rate_limit_headers
from server.edge.params import Params, read_params
from server.mastodon.oauth import pages
from server.mastodon.oauth.redirects import OOB, with_query
from server.mastodon.scopes import InvalidScope, narrow
from server.services.oauth import CodeRequest
from server.signin.csrf import CsrfToken, csrf_token, csrf_valid, set_csrf_cookie
from server.signin.pages import SECURITY_HEADERS, SsoOffer, error_page
from server.signin.password import Outcome, throttled_sign_in
from server.signin.sessions import CSRF_FIELD, current_session, start_session
from server.signin.sso_routes import start_url
from server.signin.throttle import Verdict, utc_now
from server.signin.web_sessions import SignedIn
from storage.models import OAuthApplication

if TYPE_CHECKING:
    from server.state import AppState

_CHALLENGE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


@dataclass(frozen=True, slots=True)
class AuthRequest:
    """The authorization request's parameters, carried through the forms unchanged."""

    client_id: str | None
    redirect_uri: str | None
    response_type: str | None
    scope: str | None
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None

    @classmethod
    def from_params(cls, params: Params) -> AuthRequest:
        return cls(**{field.name: params.get_str(field.name) for field in fields(cls)})

    def fields(self) -> dict[str, str | None]:
        return asdict(self)

    def url(self, **extra: str) -> str:
        query = {k: v for k, v in self.fields().items() if v is not None}
        return "/oauth/authorize?" + urlencode({**query, **extra})


@dataclass(frozen=True, slots=True)
class Checked:
    application: OAuthApplication
    redirect_uri: str
    scopes: frozenset[str]


class PageError(Exception):
    """Shown to the user: the app or its redirect URI cannot be trusted."""


class RedirectError(Exception):
    """Sent back to the app's (verified) redirect URI as ``error``."""

    def __init__(self, error: str, redirect_uri: str) -> None:
        super().__init__(error)
        self.error = error
        self.redirect_uri = redirect_uri


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.insideout
    return state


async def check_request(request: Request, auth: AuthRequest) -> Checked:
    application = None
    if auth.client_id:
        application = await _state(request).services.oauth.by_client_id(auth.client_id)
    if application is None:
        raise PageError("Client authentication failed due to unknown client.")
    redirect_uri = auth.redirect_uri
    if not redirect_uri and len(application.redirect_uris) == 1:
        redirect_uri = application.redirect_uris[0]  # Doorkeeper's default for a single registered URI
    if not redirect_uri or redirect_uri not in application.redirect_uris:
        raise PageError("The redirect URI included is not valid.")
    if auth.response_type != "code":
        raise RedirectError("unsupported_response_type", redirect_uri)
    try:
        scopes = narrow(auth.scope, application.scopes)
    except InvalidScope:
        raise RedirectError("invalid_scope", redirect_uri) from None
    method, challenge = auth.code_challenge_method, auth.code_challenge
    if (method or challenge) and (method != "S256" or not challenge or not _CHALLENGE.match(challenge)):
        raise RedirectError("invalid_request", redirect_uri)  # plain, or a malformed challenge
    return Checked(application, redirect_uri, scopes)


def error_redirect(exc: RedirectError, state: str | None) -> Response:
    description = OAUTH_DESCRIPTIONS.get(exc.error, exc.error)
    if exc.redirect_uri == OOB:
        return pages.denied_page() if exc.error == "access_denied" else error_page(description)
    target = with_query(exc.redirect_uri, {"error": exc.error, "error_description": description, "state": state})
    return RedirectResponse(target, status_code=302, headers=SECURITY_HEADERS)


def _with_csrf(request: Request, response: Response, token: CsrfToken) -> Response:
    set_csrf_cookie(request, response, token)
    return response


# Said on the consent page: an app acting as such an identity publishes outside with every public post.
AUTO_PUBLISH_NOTE = ": its public posts are published outside at once"


async def _consent(request: Request, auth: AuthRequest, checked: Checked, signed_in: SignedIn, csrf: str) -> Response:
    services = _state(request).services
    identities = await services.oauth.identities(signed_in.user)
    publishing = {t.account.id for t in await services.auto_publish.trust(list(identities)) if t.enabled}
    return pages.consent_page(
        checked.application.name,
        checked.application.website,
        signed_in.account.username,
        sorted(checked.scopes),
        {**auth.fields(), "redirect_uri": checked.redirect_uri},
        csrf,
        auth.url(force_login="true"),
        [(str(a.id), f"{a.display_name or a.username} (@{a.username}, {a.kind.value})"
          + (AUTO_PUBLISH_NOTE if a.id in publishing else "")) for a in identities],
    )


async def _chosen_identity(request: Request, form: Params, signed_in: SignedIn) -> int | None:
    """The organisational account the new token acts as; None for the person themselves.

    Asked again here, not trusted from the page: the form can be forged, and roles change.
    """
    raw = form.get_str(pages.ACTING_AS_FIELD) or ""
    if not raw:
        return None
    oauth = _state(request).services.oauth
    identity = await oauth.identity_to_act_as(signed_in.user, int(raw)) if raw.isdigit() and len(raw) < 20 else None
    if identity is None:
        raise PageError("You may not act as that account.")
    return identity.id


def _sso_offer(request: Request, auth: AuthRequest) -> SsoOffer | None:
    """The single sign-on button, coming back to this very authorization request once signed in."""
    sso = _state(request).services.sso
    if not sso.enabled:
        return None
    return SsoOffer(sso.display_name, start_url(auth.url()), password_form=sso.password_login)


async def _form(request: Request) -> Params:
    try:
        return await read_params(request)
    except BadRequest:
        return Params({})


class AuthorizeEndpoints:
    async def show(self, request: Request) -> Response:
        params = Params(dict(request.query_params))
        auth = AuthRequest.from_params(params)
        try:
            checked = await check_request(request, auth)
        except PageError as exc:
            return error_page(str(exc))
        except RedirectError as exc:
            return error_redirect(exc, auth.state)
        csrf = csrf_token(request)
        signed_in = await current_session(request)
        page: Response
        if signed_in is None or params.get_bool("force_login", False):
            page = pages.sign_in_page(checked.application.name, auth.fields(), csrf.value, sso=_sso_offer(request, auth))
        else:
            page = await _consent(request, auth, checked, signed_in, csrf.value)
        return _with_csrf(request, page, csrf)

    async def sign_in(self, request: Request) -> Response:
        posted = await _posted_request(request)
        if isinstance(posted, Response):
            return posted
        form, auth, checked = posted
        return await self._check_credentials(request, form, auth, checked)

    async def _check_credentials(self, request: Request, form: Params, auth: AuthRequest, checked: Checked) -> Response:
        login, password = form.get_str("login") or "", form.get_str("password") or ""
        csrf = form.get_str(CSRF_FIELD) or ""
        client = request.client.host if request.client else "-"
        result = await throttled_sign_in(_state(request), client, login, password)
        if isinstance(result, Verdict):
            now = utc_now()
            headers = rate_limit_headers(result.limit, 0, result.reset_at(now))
            headers["Retry-After"] = str(int(result.retry_after) + 1)
            return error_page("Too many sign-in attempts; wait a few minutes.", status=429, headers=headers)
        sso = _sso_offer(request, auth)
        if result.outcome is Outcome.DISABLED:
            return pages.sign_in_page(checked.application.name, auth.fields(), csrf, sso=sso,
                                      error="Your login is currently disabled", status=403)
        if result.outcome is Outcome.PASSWORD_OFF and sso is not None:
            return pages.sign_in_page(checked.application.name, auth.fields(), csrf, sso=sso, status=403,
                                      error=f"Passwords are not used here: sign in with {sso.name}.")
        if result.outcome is not Outcome.OK or result.account is None:
            return pages.sign_in_page(checked.application.name, auth.fields(), csrf, sso=sso,
                                      error="Invalid email, username or password.", status=422)
        response = RedirectResponse(auth.url(), status_code=303, headers=SECURITY_HEADERS)
        await start_session(request, response, result.account.id)
        return response

    async def decide(self, request: Request) -> Response:
        posted = await _posted_request(request)
        if isinstance(posted, Response):
            return posted
        form, auth, checked = posted
        signed_in = await current_session(request)
        if signed_in is None:
            return pages.sign_in_page(checked.application.name, auth.fields(), form.get_str(CSRF_FIELD) or "",
                                      sso=_sso_offer(request, auth))
        decision = form.get_str("decision")
        if decision == "deny":
            return error_redirect(RedirectError("access_denied", checked.redirect_uri), auth.state)
        if decision != "approve":
            return error_page("Choose Authorize or Deny.")
        try:
            acting_as = await _chosen_identity(request, form, signed_in)
        except PageError as exc:
            return error_page(str(exc), status=403)
        return await self._issue_code(request, auth, checked, signed_in, acting_as)

    async def _issue_code(
        self, request: Request, auth: AuthRequest, checked: Checked, signed_in: SignedIn, acting_as: int | None
    ) -> Response:
        raw = await _state(request).services.oauth.issue_code(CodeRequest(
            application_id=checked.application.id,
            account_id=signed_in.account.id,
            redirect_uri=checked.redirect_uri,
            scopes=checked.scopes,
            code_challenge=auth.code_challenge,
            code_challenge_method=auth.code_challenge_method,
            acting_as_account_id=acting_as,
        ))
        if checked.redirect_uri == OOB:
            return pages.code_page(raw)
        target = with_query(checked.redirect_uri, {"code": raw, "state": auth.state})
        return RedirectResponse(target, status_code=302, headers=SECURITY_HEADERS)


async def _posted_request(request: Request) -> tuple[Params, AuthRequest, Checked] | Response:
    """The form of a sign-in or consent POST, its CSRF token checked and its authorization request validated.

    Anything wrong comes back as the response to send: an error page, or a
    redirect to the client with the OAuth error.
    """
    form = await _form(request)
    if not csrf_valid(request, form.get_str(CSRF_FIELD)):
        return error_page("Invalid or missing CSRF token; reload the page and try again.", status=403)
    auth = AuthRequest.from_params(form)
    try:
        checked = await check_request(request, auth)
    except PageError as exc:
        return error_page(str(exc))
    except RedirectError as exc:
        return error_redirect(exc, auth.state)
    return form, auth, checked
