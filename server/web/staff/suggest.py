"""``/compose/suggestions?q=@al``: what the compose box offers as one types a mention or a hashtag.

The same search as ``/api/v2/search`` with the person's eyes (accounts,
departments included, or hashtags), answered as a short JSON list for
``app.js``; without the script the box is a plain textarea.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.services.search import SearchQuery
from server.state import app_state as state
from server.web.staff.gate import Person

LIMIT: Final = 6
MAX_TERM: Final = 60


async def suggestions(request: Request, person: Person) -> Response:
    raw = request.query_params.get("q", "")
    term = raw[1:]
    if raw[:1] not in ("@", "#") or not term or len(term) > MAX_TERM or any(c.isspace() for c in term):
        return _json([])
    services = state(request).services
    if raw.startswith("#"):
        found = await services.search.search(person.account, SearchQuery(q=term, type="hashtags", limit=LIMIT),
                                             reader=person.reader)
        return _json([{"insert": f"#{tag.display_name or tag.name}", "label": f"#{tag.display_name or tag.name}",
                       "detail": ""} for tag in found.hashtags])
    found = await services.search.search(person.account, SearchQuery(q=term, type="accounts", limit=LIMIT),
                                         reader=person.reader)
    return _json([{"insert": f"@{account.acct}", "label": account.display_name or account.username,
                   "detail": f"@{account.acct}"} for account in found.accounts])


def _json(items: list[dict[str, str]]) -> Response:
    return JSONResponse(items, headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
