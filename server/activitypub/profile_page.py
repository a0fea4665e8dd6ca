"""The minimal public HTML page of an exposed actor: name, handle, public bio.

Everything interpolated is escaped (``summary_html`` escapes the bio), and
the page loads nothing: no scripts, styles or images from anywhere.
"""

from __future__ import annotations

import html
from typing import Final

from starlette.responses import HTMLResponse

from activitypub.actors import actor_id, summary_html
from storage.models import Account

PAGE_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "max-age=60, public",
    "Vary": "Accept",
}


def render_profile(account: Account, *, base_url: str, domain: str) -> str:
    name = html.escape(account.display_name or account.username)
    handle = html.escape(f"@{account.username}@{domain}")
    actor = html.escape(actor_id(base_url, account.username), quote=True)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{name} ({handle})</title>\n"
        f'<link rel="alternate" type="application/activity+json" href="{actor}">\n'
        "</head>\n<body>\n<main>\n"
        f"<h1>{name}</h1>\n<p>{handle}</p>\n"
        f"<section>{summary_html(account.public_note)}</section>\n"
        "</main>\n</body>\n</html>\n"
    )


def profile_response(account: Account, *, base_url: str, domain: str) -> HTMLResponse:
    link = f'<{actor_id(base_url, account.username)}>; rel="alternate"; type="application/activity+json"'
    return HTMLResponse(
        render_profile(account, base_url=base_url, domain=domain), headers={**PAGE_HEADERS, "Link": link}
    )
