"""The few HTML pages of the authorize flow: sign in, consent, the out-of-band code, errors.

Plain HTML with a little inline CSS and no script. Every value is escaped.
Pages are never cached, may not be framed (clickjacking), and send no
``Referer``, so a code on a page cannot leak through a link.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Final

from starlette.responses import HTMLResponse

from server.mastodon.oauth.web_session import CSRF_FIELD

ACTING_AS_FIELD: Final = "acting_as"

_CSS: Final = """
body{font-family:system-ui,sans-serif;background:#f3f4f6;color:#111827;margin:0}
main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:.75rem;
box-shadow:0 1px 3px rgba(0,0,0,.1)}
h1{font-size:1.35rem;margin-top:0}label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #9ca3af;
border-radius:.4rem;font-size:1rem}
button{margin-top:1rem;padding:.6rem 1.2rem;border:0;border-radius:.4rem;font-size:1rem;cursor:pointer}
.primary{background:#2563eb;color:#fff}.secondary{background:#e5e7eb;color:#111827}
.error{background:#fee2e2;color:#991b1b;padding:.6rem;border-radius:.4rem}
code{display:block;word-break:break-all;background:#f3f4f6;padding:.75rem;border-radius:.4rem;font-size:1.05rem}
ul{padding-left:1.2rem}.muted{color:#6b7280;font-size:.9rem}
"""
SECURITY_HEADERS: Final = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: under no-referrer browsers send ``Origin: null`` with form POSTs,
    # which the CSRF check rightly refuses. Other sites still get no Referer.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    # No form-action: browsers apply it to the redirect after the consent form, and the
    # app's redirect URI (tusky://...) must stay reachable.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
}


def e(value: str) -> str:
    return escape(value, quote=True)


def page(title: str, body: str, *, status: int = 200, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta name="referrer" content="same-origin"><title>{e(title)}</title><style>{_CSS}</style></head>'
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def hidden_fields(fields: Mapping[str, str | None], csrf: str) -> str:
    items = [(CSRF_FIELD, csrf), *((k, v) for k, v in fields.items() if v is not None)]
    return "".join(f'<input type="hidden" name="{e(k)}" value="{e(v)}">' for k, v in items)


def error_page(message: str, *, status: int = 400, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    return page("Authorization error", f'<h1>Something went wrong</h1><p class="error">{e(message)}</p>',
                status=status, headers=headers)  # fmt: skip


def sign_in_page(
    app_name: str, fields: Mapping[str, str | None], csrf: str, *, error: str | None = None, status: int = 200
) -> HTMLResponse:
    notice = f'<p class="error" role="alert">{e(error)}</p>' if error else ""
    body = (
        f"<h1>Sign in</h1><p>to continue to <strong>{e(app_name)}</strong></p>{notice}"
        f'<form method="post" action="/oauth/sign_in">{hidden_fields(fields, csrf)}'
        '<label for="login">Email or username</label>'
        '<input type="text" id="login" name="login" autocomplete="username" required autofocus>'
        '<label for="password">Password</label>'
        '<input type="password" id="password" name="password" autocomplete="current-password" required>'
        '<button class="primary" type="submit">Sign in</button></form>'
    )
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
