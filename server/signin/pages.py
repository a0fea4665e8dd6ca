"""The plain pages of signing in: one style, no script, never cached, never framed.

The OAuth sign-in and consent pages (server/mastodon/oauth/pages.py) and the
single sign-on callback's errors share this chrome. Every value is escaped.
Pages send no ``Referer`` to other sites, so a code on a page cannot leak
through a link.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Final

from starlette.responses import HTMLResponse

from server.signin.sessions import CSRF_FIELD

_CSS: Final = """
body{font-family:system-ui,sans-serif;background:#f3f4f6;color:#111827;margin:0}
main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:.75rem;
box-shadow:0 1px 3px rgba(0,0,0,.1)}
h1{font-size:1.35rem;margin-top:0}label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #9ca3af;
border-radius:.4rem;font-size:1rem}
button,a.button{margin-top:1rem;padding:.6rem 1.2rem;border:0;border-radius:.4rem;font-size:1rem;cursor:pointer}
a.button{display:inline-block;text-decoration:none}
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


@dataclass(frozen=True, slots=True)
class SsoOffer:
    """The "Sign in with ..." button, and whether the password form is offered beside it."""

    name: str
    url: str
    password_form: bool
