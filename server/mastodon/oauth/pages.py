"""The few HTML pages of the authorize flow: sign in, consent, the out-of-band code, errors.

Plain HTML with a little inline CSS and no script. Every value is escaped.
Pages are never cached, may not be framed (clickjacking), and send no
``Referer``, so a code on a page cannot leak through a link.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from starlette.responses import HTMLResponse

from server.signin.pages import SsoOffer, e, hidden_fields, page

ACTING_AS_FIELD: Final = "acting_as"


def sign_in_page(
    app_name: str, fields: Mapping[str, str | None], csrf: str, *, error: str | None = None, status: int = 200,
    sso: SsoOffer | None = None,
) -> HTMLResponse:
    notice = f'<p class="error" role="alert">{e(error)}</p>' if error else ""
    button = (f'<p><a class="button primary" id="sso" href="{e(sso.url)}">Sign in with {e(sso.name)}</a></p>'
              if sso else "")
    form = (
        f'<form method="post" action="/oauth/sign_in">{hidden_fields(fields, csrf)}'
        '<label for="login">Email or username</label>'
        '<input type="text" id="login" name="login" autocomplete="username" required autofocus>'
        '<label for="password">Password</label>'
        '<input type="password" id="password" name="password" autocomplete="current-password" required>'
        '<button class="primary" type="submit">Sign in</button></form>'
    ) if sso is None or sso.password_form else ""
    separator = '<p class="muted">or with a password</p>' if button and form else ""
    body = f"<h1>Sign in</h1><p>to continue to <strong>{e(app_name)}</strong></p>{notice}{button}{separator}{form}"
    return page("Sign in", body, status=status)


def consent_page(
    app_name: str,
    website: str | None,
    username: str,
    scopes: Iterable[str],
    fields: Mapping[str, str | None],
    csrf: str,
    switch_url: str,
    identities: Sequence[tuple[str, str]] = (),
) -> HTMLResponse:
    """``identities`` are (account id, label) the person may let this app act as, besides themselves."""
    site = f'<p class="muted">{e(website)}</p>' if website else ""
    items = "".join(f"<li><code style='display:inline;padding:0'>{e(s)}</code></li>" for s in scopes)
    body = (
        f"<h1>Authorize {e(app_name)}?</h1>{site}"
        f"<p>Signed in as <strong>@{e(username)}</strong>. "
        f'<a href="{e(switch_url)}">Not you?</a></p>'
        f"<p>This application asks for:</p><ul>{items}</ul>"
        f'<form method="post" action="/oauth/authorize">{hidden_fields(fields, csrf)}'
        f"{identity_choice(username, identities)}"
        '<button class="primary" type="submit" name="decision" value="approve">Authorize</button> '
        '<button class="secondary" type="submit" name="decision" value="deny">Deny</button></form>'
    )
    return page("Authorize", body)


def identity_choice(username: str, identities: Sequence[tuple[str, str]]) -> str:
    """Radio buttons: post as yourself (checked), or as an organisational account you publish for."""
    if not identities:
        return ""
    options = [("", f"Yourself (@{username})"), *identities]
    items = "".join(
        f'<label style="font-weight:400"><input type="radio" name="{ACTING_AS_FIELD}" value="{e(value)}"'
        f'{" checked" if not value else ""}> {e(label)}</label>'
        for value, label in options
    )
    return f"<fieldset><legend>This application acts as:</legend>{items}</fieldset>"


def code_page(code: str) -> HTMLResponse:
    body = (
        "<h1>Authorization code</h1><p>Copy this code and paste it into the application:</p>"
        f'<code id="authorization_code">{e(code)}</code>'
    )
    return page("Authorization code", body)


def denied_page() -> HTMLResponse:
    return page("Authorization denied", "<h1>Authorization denied</h1><p>You may close this window.</p>")
